// Every element-wise op's derivative rule, through the chain rule of autodiff/derivative.hpp,
// against central differences in double, on SIMD batches and on the scalar tail alike.
#include <catch2/catch.hpp>

#include <nerve/autodiff/derivative.hpp>
#include <nerve/eval/evaluate.hpp>
#include <nerve/expr/build.hpp>
#include <nerve/expr/print.hpp>

#include <cmath>
#include <vector>

#include <nerve/config.hpp>  // xsimd, with g++ 12's false AVX-512 warnings silenced

using namespace nerve::expr;

namespace {

// Checks f' at n points spread over [low, high], each point both as a scalar (the tail path)
// and inside a SIMD batch (the vector path).
template <auto F>
void check_derivative(double low, double high, std::size_t n = 33) {
  constexpr auto dF = derivative(F);
  using V = xsimd::batch<double>;
  INFO("f = " << to_string(F) << ", f' = " << to_string(dF));
  for (std::size_t i = 0; i < n; ++i) {
    const double v = low + (high - low) * (static_cast<double>(i) + 0.37) / static_cast<double>(n);
    const double h = 1e-6;
    const double fd = (apply(F, v + h) - apply(F, v - h)) / (2 * h);
    const double scalar = apply(dF, v);
    alignas(64) double lanes[V::size];
    apply(dF, V(v)).store_aligned(lanes);
    INFO("at x = " << v);
    CHECK(scalar == Approx(fd).epsilon(1e-6).margin(1e-8));
    for (double lane : lanes) CHECK(lane == Approx(scalar).epsilon(1e-12).margin(1e-14));
  }
}

}  // namespace

TEST_CASE("derivatives: arithmetic ops in either operand", "[autodiff]") {
  check_derivative<x + 3.0>(-2, 2);
  check_derivative<3.0 - x>(-2, 2);
  check_derivative<x * x * x>(-2, 2);
  check_derivative<1.0 / x>(0.2, 3);
  check_derivative<x / (1.0 + x * x)>(-2, 2);
  check_derivative<-(x * 2.0)>(-2, 2);
  check_derivative<square(x) - x>(-2, 2);
}

TEST_CASE("derivatives: transcendental ops", "[autodiff]") {
  check_derivative<exp(x)>(-3, 3);
  check_derivative<log(x)>(0.1, 5);
  check_derivative<tanh(x)>(-4, 4);
  check_derivative<sigmoid(x)>(-8, 8);
  check_derivative<sqrt(x)>(0.1, 4);
  check_derivative<exp(-square(x))>(-2, 2);
  check_derivative<log(1.0 + exp(x))>(-5, 5);  // softplus
}

TEST_CASE("derivatives: piecewise ops away from their kinks", "[autodiff]") {
  // n = 32 points over a range symmetric around 0 never land on 0 (offset 0.37).
  check_derivative<relu(x)>(-2, 2, 32);
  check_derivative<leaky_relu(x, 0.1)>(-2, 2, 32);
  check_derivative<leaky_relu(x, 2.5)>(-2, 2, 32);
  check_derivative<leaky_relu(x, -0.5)>(-2, 2, 32);
  check_derivative<abs(x)>(-2, 2, 32);
  check_derivative<max(x, 0.5 * x)>(-2, 2, 32);
  check_derivative<min(x, 1.0)>(-2, 3, 32);
  check_derivative<max(1.0, x * x)>(-2, 2, 32);
}

TEST_CASE("derivatives: compositions users write (swish, GELU, mish-like)", "[autodiff]") {
  check_derivative<x * sigmoid(x)>(-5, 5);
  check_derivative<0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))>(-4, 4);
  check_derivative<x * tanh(log(1.0 + exp(x)))>(-4, 4);
}

TEST_CASE("derivatives: rules simplify at compile time", "[autodiff][static]") {
  STATIC_REQUIRE(std::is_same_v<decltype(derivative(relu(x))), Unary<ops::Step, Var>>);
  STATIC_REQUIRE(std::is_same_v<decltype(derivative(x)), One>);
  STATIC_REQUIRE(std::is_same_v<decltype(derivative(Const{2.0})), Zero>);
  STATIC_REQUIRE(std::is_same_v<decltype(derivative(step(x))), Zero>);
  CHECK(to_string(derivative(tanh(x))) == "(1 - square(tanh(x)))");
  CHECK(to_string(derivative(x * x)) == "(x + x)");
}
