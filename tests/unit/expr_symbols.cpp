// Expressions of several symbols: evaluation with symbol_context on scalars and batches, the
// lane loop every element-wise pass shares, printing of the new leaves, and compose, which
// substitutes x alone.
#include <catch2/catch.hpp>

#include <nerve/autodiff/derivative.hpp>  // nerve::expr::partial
#include <nerve/eval/evaluate.hpp>        // nerve::expr::evaluate, symbol_context, function_context
#include <nerve/eval/lanes.hpp>           // nerve::expr::for_each_lane, load_lanes, store_lanes
#include <nerve/expr/build.hpp>           // builders, select
#include <nerve/expr/compose.hpp>         // nerve::expr::compose
#include <nerve/expr/print.hpp>           // nerve::expr::to_string

#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include <nerve/config.hpp>  // xsimd

using namespace nerve::expr;

namespace {

// Every index in [0, N) visited exactly once, batches first and the tail by scalars.
template <std::size_t N>
void check_lanes() {
  using B = xsimd::batch<float>;
  std::array<int, N + 1> seen{};
  std::size_t scalars = 0, batches = 0;
  for_each_lane<N, float>([&](std::size_t i, auto lane) {
    using V = typename decltype(lane)::type;
    if constexpr (std::is_same_v<V, float>) {
      ++scalars;
      ++seen[i];
    } else {
      STATIC_REQUIRE(std::is_same_v<V, B>);
      ++batches;
      for (std::size_t l = 0; l < B::size; ++l) ++seen[i + l];
    }
  });
  INFO("N = " << N);
  CHECK(batches == N / B::size);
  CHECK(scalars == N % B::size);
  for (std::size_t i = 0; i < N; ++i) CHECK(seen[i] == 1);
  CHECK(seen[N] == 0);
}

}  // namespace

TEST_CASE("symbols: for_each_lane covers every index once", "[expr][symbols]") {
  check_lanes<1>();
  check_lanes<7>();
  check_lanes<16>();
  check_lanes<33>();
}

TEST_CASE("symbols: symbol_context gives variables, parameters, outputs and gradients",
          "[expr][symbols]") {
  constexpr auto e = param<0> * x + param<1> * variable<1> + output<0> * output_grad<0> -
                     output<1> / output_grad<1>;
  const symbol_context<double, 2, 2, 2> ctx{{1.5, -2.0}, {3.0, 0.5}, {4.0, 6.0}, {0.25, 2.0}};
  CHECK(evaluate<double>(e, ctx) == 3.0 * 1.5 + 0.5 * -2.0 + 4.0 * 0.25 - 6.0 / 2.0);

  using B = xsimd::batch<float>;
  const symbol_context<B, 2, 2, 2> lanes{{B(1.5f), B(-2.0f)}, {B(3.0f), B(0.5f)}, {B(4.0f), B(6.0f)},
                                         {B(0.25f), B(2.0f)}};
  CHECK(evaluate<B>(e, lanes).get(B::size - 1) == Approx(3.0 * 1.5 + 0.5 * -2.0 + 1.0 - 3.0));

  // x alone: function_context and symbol_context<V, 1> agree
  constexpr auto f = x * sigmoid(x) - 2.0;
  CHECK(evaluate<double>(f, symbol_context<double, 1>{{0.3}}) == apply(f, 0.3));
  CHECK(evaluate<double>(f, function_context<double>{0.3}) == apply(f, 0.3));
}

TEST_CASE("symbols: an a x + b pass over arrays with a scalar tail", "[expr][symbols]") {
  constexpr std::size_t N = 13;
  constexpr auto f = tanh(param<0> * x + param<1>);
  std::vector<double> in(N), a(N), b(N), out(N), grad_a(N);
  for (std::size_t i = 0; i < N; ++i) {
    in[i] = 0.3 * static_cast<double>(i) - 1.7;
    a[i] = 0.1 * static_cast<double>(i % 5) - 0.2;
    b[i] = 0.05 * static_cast<double>(i);
  }
  for_each_lane<N, double>([&](std::size_t i, auto lane) {
    using V = typename decltype(lane)::type;
    const symbol_context<V, 1, 2> ctx{{load_lanes<V>(&in[i])}, {load_lanes<V>(&a[i]), load_lanes<V>(&b[i])}};
    store_lanes(&out[i], evaluate<V>(f, ctx));
    store_lanes(&grad_a[i], evaluate<V>(partial(f, param<0>), ctx));
  });
  for (std::size_t i = 0; i < N; ++i) {
    const double t = std::tanh(a[i] * in[i] + b[i]);
    CHECK(out[i] == Approx(t).epsilon(1e-14));
    CHECK(grad_a[i] == Approx((1 - t * t) * in[i]).epsilon(1e-13).margin(1e-15));
  }
}

TEST_CASE("symbols: printing the new leaves and select", "[expr][symbols]") {
  CHECK(to_string(x) == "x");
  CHECK(to_string(variable<0>) == "x");
  CHECK(to_string(variable<1> + variable<12>) == "(v1 + v12)");
  CHECK(to_string(param<0> * x + param<1>) == "((p0 * x) + p1)");
  CHECK(to_string(output<0> * output_grad<1>) == "(y0 * dy1)");
  CHECK(to_string(leaky_relu(x, 0.1)) == "select(x, x, (0.1 * x))");
  CHECK(to_string(derivative(leaky_relu(x, 0.1))) == "select(x, 1, 0.1)");
}

TEST_CASE("symbols: compose substitutes x only", "[expr][symbols]") {
  constexpr auto f = param<0> * x + variable<1>;
  constexpr auto g = compose(f, tanh(x));
  STATIC_REQUIRE(std::is_same_v<std::remove_const_t<decltype(g)>,
                                Binary<ops::Add, Binary<ops::Mul, Param<0>, Unary<ops::Tanh, Var>>,
                                       Variable<1>>>);
  CHECK(to_string(g) == "((p0 * tanh(x)) + v1)");
  CHECK(to_string(compose(select(x, x, 0.5 * x), x * 2.0)) ==
        "select((x * 2), (x * 2), (0.5 * (x * 2)))");
}
