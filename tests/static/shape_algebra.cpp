// Shape<...> algebra, checked by its definition at compile time.
#include <catch2/catch.hpp>

#include <nerve/shape/shape.hpp>

using nerve::Shape;

TEST_CASE("Shape: rank, size and dims are compile-time values", "[shape]") {
  STATIC_REQUIRE(Shape<>::rank == 0);
  STATIC_REQUIRE(Shape<>::size == 1);
  STATIC_REQUIRE(Shape<7>::rank == 1);
  STATIC_REQUIRE(Shape<7>::size == 7);
  STATIC_REQUIRE(Shape<1, 28, 28>::rank == 3);
  STATIC_REQUIRE(Shape<1, 28, 28>::size == 784);
  STATIC_REQUIRE(Shape<2, 3, 4>::dims[1] == 3);
  STATIC_REQUIRE(rank(Shape<2, 3>{}) == 2);
  STATIC_REQUIRE(size(Shape<2, 3>{}) == 6);
}

TEST_CASE("Shape: row-major strides", "[shape]") {
  STATIC_REQUIRE(Shape<2, 3, 4>::strides[0] == 12);
  STATIC_REQUIRE(Shape<2, 3, 4>::strides[1] == 4);
  STATIC_REQUIRE(Shape<2, 3, 4>::strides[2] == 1);
}

TEST_CASE("Shape: equality is equality of dims and rank", "[shape]") {
  STATIC_REQUIRE(Shape<10>{} == Shape<10>{});
  STATIC_REQUIRE_FALSE(Shape<10>{} == Shape<11>{});
  STATIC_REQUIRE_FALSE(Shape<2, 5>{} == Shape<10>{});
  STATIC_REQUIRE_FALSE(Shape<10>{} == Shape<10, 1>{});
  STATIC_REQUIRE(Shape<10>{} != Shape<5>{});
}

TEST_CASE("Shape: concat and flatten", "[shape]") {
  STATIC_REQUIRE(concat(Shape<2, 3>{}, Shape<4>{}) == Shape<2, 3, 4>{});
  STATIC_REQUIRE(concat(Shape<>{}, Shape<4>{}) == Shape<4>{});
  STATIC_REQUIRE(flatten(Shape<4, 4, 16>{}) == Shape<256>{});
  STATIC_REQUIRE(flatten(Shape<9>{}) == Shape<9>{});
  STATIC_REQUIRE(std::is_same_v<nerve::concat_t<Shape<1>, Shape<2, 3>>, Shape<1, 2, 3>>);
  STATIC_REQUIRE(std::is_same_v<nerve::flatten_t<Shape<2, 3>>, Shape<6>>);
  // flatten keeps the size, concat multiplies it.
  STATIC_REQUIRE(nerve::flatten_t<Shape<3, 5, 7>>::size == Shape<3, 5, 7>::size);
  STATIC_REQUIRE(nerve::concat_t<Shape<3, 5>, Shape<7>>::size == 105);
}

TEST_CASE("Shape: to_string is the form summary() prints", "[shape]") {
  CHECK(Shape<4, 4, 16>::to_string() == "(4, 4, 16)");
  CHECK(Shape<10>::to_string() == "(10)");
  CHECK(Shape<>::to_string() == "()");
}
