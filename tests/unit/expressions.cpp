// Tensor expressions: one pass of SIMD batches with a scalar tail, against plain loops, for
// float and double at sizes below, at, above and not a multiple of the SIMD width; contractions
// with element-wise work around them; reductions.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <cmath>

using namespace nerve;

namespace {

template <class T, std::size_t N>
Tensor<T, Shape<N>> ramp(double start, double step) {
  Tensor<T, Shape<N>> t;
  for (std::size_t i = 0; i < N; ++i) t(i) = static_cast<T>(start + step * static_cast<double>(i));
  return t;
}

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;

template <class T, std::size_t N>
void check_elementwise() {
  const auto a = ramp<T, N>(-1.3, 0.11);
  const auto b = ramp<T, N>(0.2, 0.07);
  Tensor<T, Shape<N>> out;
  expr::assign(out, a * b + 2.0 * exp(a) - tanh(b) / 3 + relu(a) - sigmoid(a * a) + max(a, b));
  for (std::size_t i = 0; i < N; ++i) {
    const double x = a(i), y = b(i);
    const double expected = x * y + 2 * std::exp(x) - std::tanh(y) / 3 + (x > 0 ? x : 0) -
                            1 / (1 + std::exp(-x * x)) + std::max(x, y);
    INFO("N = " << N << ", i = " << i);
    CHECK(out(i) == Approx(expected).epsilon(tolerance<T>));
  }
}

}  // namespace

TEMPLATE_TEST_CASE("expressions: element-wise assign against plain loops", "[expr]", float, double) {
  check_elementwise<TestType, 1>();
  check_elementwise<TestType, 7>();
  check_elementwise<TestType, 16>();
  check_elementwise<TestType, 33>();
}

TEMPLATE_TEST_CASE("expressions: relu(matvec(W, x) + b) in one pass", "[expr][contraction]", float,
                   double) {
  using T = TestType;
  Tensor<T, Shape<33, 7>> W;
  for (std::size_t i = 0; i < W.size; ++i) W.data()[i] = static_cast<T>(std::sin(static_cast<double>(i)));
  const auto x = ramp<T, 7>(-0.5, 0.2);
  const auto b = ramp<T, 33>(-0.3, 0.02);
  Tensor<T, Shape<33>> y;
  expr::assign(y, relu(matvec(W, x) + b));
  for (std::size_t m = 0; m < 33; ++m) {
    double z = b(m);
    for (std::size_t k = 0; k < 7; ++k) z += static_cast<double>(W(m, k)) * x(k);
    CHECK(y(m) == Approx(z > 0 ? z : 0).epsilon(tolerance<T>).margin(tolerance<T>));
  }
}

TEMPLATE_TEST_CASE("expressions: matmul and outer products, rows not multiples of the width",
                   "[expr][contraction]", float, double) {
  using T = TestType;
  Tensor<T, Shape<5, 3>> A;
  Tensor<T, Shape<3, 19>> B;
  for (std::size_t i = 0; i < A.size; ++i) A.data()[i] = static_cast<T>(0.1 * static_cast<double>(i) - 0.4);
  for (std::size_t i = 0; i < B.size; ++i) B.data()[i] = static_cast<T>(std::cos(static_cast<double>(i)));
  const auto C = expr::evaluate(matmul(A, B) * 2.0);
  for (std::size_t r = 0; r < 5; ++r) {
    for (std::size_t c = 0; c < 19; ++c) {
      double expected = 0;
      for (std::size_t k = 0; k < 3; ++k) expected += static_cast<double>(A(r, k)) * B(k, c);
      CHECK(C(r, c) == Approx(2 * expected).epsilon(tolerance<T>).margin(tolerance<T>));
    }
  }
  const auto u = ramp<T, 5>(1, 1);
  const auto v = ramp<T, 19>(-1, 0.1);
  const auto O = expr::evaluate(outer(u, v));
  for (std::size_t r = 0; r < 5; ++r) {
    for (std::size_t c = 0; c < 19; ++c) CHECK(O(r, c) == Approx(u(r) * v(c)).epsilon(tolerance<T>).margin(tolerance<T>));
  }
}

TEMPLATE_TEST_CASE("expressions: sum is one reduction", "[expr]", float, double) {
  const auto a = ramp<TestType, 33>(0, 1);
  CHECK(expr::sum(a * a) == Approx(32.0 * 33 * 65 / 6).epsilon(tolerance<TestType>));
  CHECK(expr::sum(a + 1.0) == Approx(33 * 16 + 33).epsilon(tolerance<TestType>));
}

TEST_CASE("expressions: building computes nothing; nodes are types", "[expr][static]") {
  Tensor<float, Shape<4>> a, b;
  auto e = a + b * 2.0;
  STATIC_REQUIRE(expr::Expr<decltype(e)>);
  STATIC_REQUIRE(std::is_same_v<expr::shape_of_t<decltype(e)>, Shape<4>>);
  STATIC_REQUIRE(sizeof(e) <= 3 * sizeof(void*) + sizeof(double));  // two pointers and a constant
}
