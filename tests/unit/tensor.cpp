// Tensor<T, Shape, Storage>: alignment, element access by index, views.
#include <catch2/catch.hpp>

#include <nerve/tensor/tensor.hpp>

#include <cstdint>

using namespace nerve;

TEMPLATE_TEST_CASE("Tensor: storage is 64-byte aligned and zero-initialised", "[tensor]", float,
                   double) {
  Tensor<TestType, Shape<3, 5>> heap;
  Tensor<TestType, Shape<3, 5>, Inline> inline_storage;
  CHECK(reinterpret_cast<std::uintptr_t>(heap.data()) % 64 == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(inline_storage.data()) % 64 == 0);
  for (auto v : heap.flat()) CHECK(v == 0);
  for (auto v : inline_storage.flat()) CHECK(v == 0);
}

TEST_CASE("Tensor: element access is row-major by index tuple", "[tensor]") {
  Tensor<float, Shape<2, 3, 4>> t;
  for (std::size_t i = 0; i < t.size; ++i) t.data()[i] = static_cast<float>(i);
  CHECK(t(0, 0, 0) == 0);
  CHECK(t(0, 0, 3) == 3);
  CHECK(t(0, 2, 0) == 8);
  CHECK(t(1, 0, 0) == 12);
  CHECK(t(1, 2, 3) == 23);
  CHECK(t[{1, 1, 1}] == 17);
  t(1, 1, 1) = -1;
  CHECK(t[{1, 1, 1}] == -1);
}

TEST_CASE("Tensor: copies are deep, moves are cheap", "[tensor]") {
  Tensor<float, Shape<4>> a;
  a(2) = 7;
  Tensor<float, Shape<4>> b = a;
  b(2) = 1;
  CHECK(a(2) == 7);
  const float* where = a.data();
  Tensor<float, Shape<4>> c = std::move(a);
  CHECK(c.data() == where);
  CHECK(c(2) == 7);
}

TEST_CASE("Tensor: views share memory; rows and reshapes are views", "[tensor]") {
  Tensor<float, Shape<3, 4>> t;
  auto row = t[1];
  STATIC_REQUIRE(decltype(row)::shape == Shape<4>{});
  row(2) = 5;
  CHECK(t(1, 2) == 5);

  auto flat = t.reshape<Shape<12>>();
  CHECK(flat(6) == 5);
  flat(0) = 9;
  CHECK(t(0, 0) == 9);

  TensorView<const float, Shape<3, 4>> read_only = t;
  CHECK(read_only(1, 2) == 5);
  STATIC_REQUIRE_FALSE(std::is_assignable_v<decltype(read_only(0, 0)), float>);

  float external[6] = {1, 2, 3, 4, 5, 6};
  TensorView<float, Shape<2, 3>> over(external);
  CHECK(over(1, 0) == 4);
}
