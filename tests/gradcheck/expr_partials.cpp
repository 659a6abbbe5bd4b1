// Expressions of several symbols: partial derivatives w.r.t. variables and parameters, and the
// backward (vjp) of a function with two outputs (an LSTM cell's pointwise step), against central
// differences in double, on SIMD batches and on the scalar tail; derivatives at the kinks of
// ReLU, LeakyReLU and ELU as PyTorch defines them.
#include <catch2/catch.hpp>

#include <nerve/autodiff/derivative.hpp>  // nerve::expr::partial, derivative
#include <nerve/autodiff/vjp.hpp>         // nerve::expr::vjp
#include <nerve/eval/evaluate.hpp>        // nerve::expr::evaluate, symbol_context, apply
#include <nerve/eval/lanes.hpp>           // nerve::expr::for_each_lane, load_lanes, store_lanes
#include <nerve/expr/build.hpp>           // builders, select, leaky_relu, elu
#include <nerve/expr/functions.hpp>       // nerve::expr::functions
#include <nerve/expr/print.hpp>           // nerve::expr::to_string
#include <nerve/expr/reuse.hpp>           // nerve::expr::reuse
#include <nerve/layers/activation.hpp>    // nerve::LeakyReLU: still builds on expr::leaky_relu

#include <array>
#include <cmath>
#include <cstddef>
#include <random>
#include <type_traits>

#include <nerve/config.hpp>  // xsimd

using namespace nerve::expr;

namespace {

// Does the expression type E contain the node type N anywhere (E itself included)?
template <class E, class N>
struct contains : std::is_same<E, N> {};
template <class Op, class A, class N>
struct contains<Unary<Op, A>, N>
    : std::bool_constant<std::is_same_v<Unary<Op, A>, N> || contains<A, N>::value> {};
template <class Op, class A, class B, class N>
struct contains<Binary<Op, A, B>, N>
    : std::bool_constant<std::is_same_v<Binary<Op, A, B>, N> || contains<A, N>::value ||
                         contains<B, N>::value> {};
template <class C, class A, class B, class N>
struct contains<Select<C, A, B>, N>
    : std::bool_constant<std::is_same_v<Select<C, A, B>, N> || contains<C, N>::value ||
                         contains<A, N>::value || contains<B, N>::value> {};
template <auto E, class N>
inline constexpr bool contains_v = contains<std::remove_cvref_t<decltype(E)>, N>::value;

// ---- a * x + b: one variable, two parameters ----------------------------------------------
constexpr auto a = param<0>;
constexpr auto b = param<1>;

// d e / d sym at (x, a, b) against a central difference in the same symbol.
template <auto E, class Sym>
void check_partial_1d(std::array<double, 3> at) {
  constexpr auto d = partial(E, Sym{});
  constexpr std::size_t slot = std::is_same_v<Sym, Var> ? 0 : std::is_same_v<Sym, Param<0>> ? 1 : 2;
  auto value = [](std::array<double, 3> p) {
    return evaluate<double>(E, symbol_context<double, 1, 2>{{p[0]}, {p[1], p[2]}});
  };
  const double h = 1e-6;
  auto up = at, down = at;
  up[slot] += h;
  down[slot] -= h;
  const double fd = (value(up) - value(down)) / (2 * h);
  const double exact = evaluate<double>(d, symbol_context<double, 1, 2>{{at[0]}, {at[1], at[2]}});
  using B = xsimd::batch<double>;
  const B lanes = evaluate<B>(d, symbol_context<B, 1, 2>{{B(at[0])}, {B(at[1]), B(at[2])}});
  INFO("e = " << to_string(E) << ", partial = " << to_string(d) << ", at " << at[0] << " "
              << at[1] << " " << at[2]);
  CHECK(exact == Approx(fd).epsilon(1e-7).margin(1e-9));
  CHECK(lanes.get(0) == Approx(exact).epsilon(1e-14).margin(1e-15));
}

// ---- the LSTM cell's pointwise step: inputs i, f, g, o (pre-activations) and c_prev -----------
constexpr auto gi = variable<0>;
constexpr auto gf = variable<1>;
constexpr auto gg = variable<2>;
constexpr auto go = variable<3>;
constexpr auto c_prev = variable<4>;
constexpr auto cell = sigmoid(gf) * c_prev + sigmoid(gi) * tanh(gg);
constexpr auto hidden = sigmoid(go) * tanh(cell);  // h written with the c expression
constexpr auto lstm = functions(cell, hidden);

template <std::size_t K>
constexpr auto lstm_grad = vjp<lstm, Variable<K>>();

// The forward pass computes c, then h reading c instead of recomputing it.
constexpr auto hidden_from_cell = reuse<hidden, cell>();
static_assert(std::is_same_v<std::remove_const_t<decltype(hidden_from_cell)>,
                             Binary<ops::Mul, Unary<ops::Sigmoid, Variable<3>>,
                                    Unary<ops::Tanh, Output<0>>>>);

// Reuse happened: the backward expressions read c as y0 (tanh(c) is tanh(y0)) and never
// rebuild c; h itself is no subexpression of any partial, so y1 is never read.
using TanhY0 = Unary<ops::Tanh, Output<0>>;
using Cell = std::remove_const_t<decltype(cell)>;
static_assert(contains_v<lstm_grad<3>, TanhY0>, "d/do reads tanh(y0), the forward pass's c");
static_assert(!contains_v<lstm_grad<3>, Cell>);
static_assert(contains_v<lstm_grad<4>, TanhY0> && !contains_v<lstm_grad<4>, Cell>);
static_assert(contains_v<lstm_grad<0>, TanhY0> && !contains_v<lstm_grad<0>, Cell>);
static_assert(!contains_v<lstm_grad<0>, Output<1>> && !contains_v<lstm_grad<3>, Output<1>>);
// Without reuse the same sum would recompute c inside tanh(c):
static_assert(contains_v<OutputGrad<1>{} * partial(hidden, Variable<3>{}), Cell>);
// d/do only flows through h: dy1 * tanh(y0) * sigmoid'(o), nothing from dy0.
static_assert(!contains_v<lstm_grad<3>, OutputGrad<0>> && contains_v<lstm_grad<3>, OutputGrad<1>>);

template <std::size_t N>
struct lstm_arrays {
  std::array<std::array<double, N>, 5> in;  // i, f, g, o, c_prev
  std::array<double, N> c, h, dc, dh;
  std::array<std::array<double, N>, 5> grad;
};

// One element of L = dc * c + dh * h, in double, straight from the two expressions.
double lstm_loss(const std::array<double, 5>& v, double dc, double dh) {
  const symbol_context<double, 5> ctx{{v[0], v[1], v[2], v[3], v[4]}};
  return dc * evaluate<double>(cell, ctx) + dh * evaluate<double>(hidden, ctx);
}

template <std::size_t N>
void check_lstm(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> pre(-2.5, 2.5), grad(-1.0, 1.0);
  lstm_arrays<N> m{};
  for (auto& row : m.in)
    for (double& v : row) v = pre(rng);
  for (std::size_t j = 0; j < N; ++j) m.dc[j] = grad(rng), m.dh[j] = grad(rng);

  // Forward: c, then h from c. Backward: five vjps reading c, h, dc and dh.
  for_each_lane<N, double>([&](std::size_t j, auto lane) {
    using V = typename decltype(lane)::type;
    std::array<V, 5> v;
    for (std::size_t k = 0; k < 5; ++k) v[k] = load_lanes<V>(m.in[k].data() + j);
    const V c = evaluate<V>(cell, symbol_context<V, 5>{v});
    const V h = evaluate<V>(hidden_from_cell, symbol_context<V, 5, 0, 1>{v, {}, {c}, {V(0)}});
    store_lanes(m.c.data() + j, c);
    store_lanes(m.h.data() + j, h);
  });
  for_each_lane<N, double>([&](std::size_t j, auto lane) {
    using V = typename decltype(lane)::type;
    symbol_context<V, 5, 0, 2> ctx{};
    for (std::size_t k = 0; k < 5; ++k) ctx.variables[k] = load_lanes<V>(m.in[k].data() + j);
    ctx.outputs = {load_lanes<V>(m.c.data() + j), load_lanes<V>(m.h.data() + j)};
    ctx.output_grads = {load_lanes<V>(m.dc.data() + j), load_lanes<V>(m.dh.data() + j)};
    store_lanes(m.grad[0].data() + j, evaluate<V>(lstm_grad<0>, ctx));
    store_lanes(m.grad[1].data() + j, evaluate<V>(lstm_grad<1>, ctx));
    store_lanes(m.grad[2].data() + j, evaluate<V>(lstm_grad<2>, ctx));
    store_lanes(m.grad[3].data() + j, evaluate<V>(lstm_grad<3>, ctx));
    store_lanes(m.grad[4].data() + j, evaluate<V>(lstm_grad<4>, ctx));
  });

  const double h = 1e-6;
  for (std::size_t j = 0; j < N; ++j) {
    std::array<double, 5> v;
    for (std::size_t k = 0; k < 5; ++k) v[k] = m.in[k][j];
    const symbol_context<double, 5> ctx{{v[0], v[1], v[2], v[3], v[4]}};
    CHECK(m.c[j] == Approx(evaluate<double>(cell, ctx)).epsilon(1e-14).margin(1e-15));
    CHECK(m.h[j] == Approx(evaluate<double>(hidden, ctx)).epsilon(1e-14).margin(1e-15));
    for (std::size_t k = 0; k < 5; ++k) {
      auto up = v, down = v;
      up[k] += h;
      down[k] -= h;
      const double fd = (lstm_loss(up, m.dc[j], m.dh[j]) - lstm_loss(down, m.dc[j], m.dh[j])) / (2 * h);
      INFO("N = " << N << ", element " << j << ", input " << k);
      CHECK(m.grad[k][j] == Approx(fd).epsilon(1e-7).margin(1e-9));
    }
  }
}

// f'(0) on the scalar path and in every lane of a batch.
template <auto F>
void check_at_zero(double expected) {
  constexpr auto d = derivative(F);
  using B = xsimd::batch<double>;
  INFO("f = " << to_string(F) << ", f' = " << to_string(d));
  CHECK(apply(d, 0.0) == expected);
  alignas(64) double lanes[B::size];
  apply(d, B(0.0)).store_aligned(lanes);
  for (double lane : lanes) CHECK(lane == expected);
  // float, too: the constant is rounded to float once
  CHECK(apply(d, 0.0f) == static_cast<float>(expected));
}

}  // namespace

TEST_CASE("partials: a x + b with respect to x, a and b", "[autodiff][symbols]") {
  constexpr auto affine = a * x + b;
  STATIC_REQUIRE(std::is_same_v<decltype(partial(affine, x)), Param<0>>);
  STATIC_REQUIRE(std::is_same_v<decltype(partial(affine, a)), Var>);
  STATIC_REQUIRE(std::is_same_v<decltype(partial(affine, b)), One>);
  for (const auto& at : {std::array<double, 3>{0.7, -1.3, 0.4}, std::array<double, 3>{-2.1, 0.5, 3.0}}) {
    check_partial_1d<affine, Var>(at);
    check_partial_1d<affine, Param<0>>(at);
    check_partial_1d<affine, Param<1>>(at);
    // a nonlinear function of all three: every other symbol is a constant of each partial
    check_partial_1d<tanh(a * x + b) * x / (1.0 + square(b)), Var>(at);
    check_partial_1d<tanh(a * x + b) * x / (1.0 + square(b)), Param<0>>(at);
    check_partial_1d<tanh(a * x + b) * x / (1.0 + square(b)), Param<1>>(at);
  }
}

TEST_CASE("vjp: LSTM pointwise step against finite differences of sum(dc c + dh h)",
          "[autodiff][symbols][lstm]") {
  check_lstm<1>(1);
  check_lstm<7>(7);
  check_lstm<13>(13);
}

TEST_CASE("kinks: ReLU, LeakyReLU and ELU at 0 as PyTorch", "[autodiff][kinks]") {
  check_at_zero<relu(x)>(0.0);
  check_at_zero<leaky_relu(x, 0.1)>(0.1);
  check_at_zero<leaky_relu(x, -0.5)>(-0.5);
  check_at_zero<leaky_relu(x, 2.5)>(2.5);
  check_at_zero<select(x, x, 1.0 * (exp(x) - 1.0))>(1.0);  // ELU, alpha = 1
  check_at_zero<select(x, x, 0.5 * (exp(x) - 1.0))>(0.5);  // ELU, alpha = 0.5
  check_at_zero<elu(x)>(1.0);
  // The LeakyReLU layer: derived from x, and from its output (y = 0 at x = 0), the same slope.
  using L = nerve::LeakyReLU<0.2>;
  check_at_zero<L::function>(0.2);
  CHECK(apply(L::output_derivative, 0.0) == Approx(0.2).epsilon(1e-15));
}

TEST_CASE("kinks: away from 0 the piecewise functions keep their exact pieces", "[autodiff][kinks]") {
  for (double v : {-1.5, -0.25, 0.25, 1.5}) {
    CHECK(apply(leaky_relu(x, -0.5), v) == (v > 0 ? v : -0.5 * v));
    CHECK(apply(derivative(leaky_relu(x, 2.5)), v) == (v > 0 ? 1.0 : 2.5));
    CHECK(apply(elu(x, 0.5), v) == Approx(v > 0 ? v : 0.5 * (std::exp(v) - 1)).epsilon(1e-15));
  }
}

TEST_CASE("select: the branch not taken does not leak into the value or the derivative",
          "[autodiff][select]") {
  constexpr auto f = select(x, sqrt(x), 0.0);  // sqrt of a negative is NaN, and never chosen
  using B = xsimd::batch<double>;
  CHECK(apply(f, -4.0) == 0.0);
  CHECK(apply(f, B(-4.0)).get(0) == 0.0);
  CHECK(apply(derivative(f), B(-4.0)).get(0) == 0.0);
  CHECK(apply(derivative(f), B(4.0)).get(0) == Approx(0.25));
  STATIC_REQUIRE(std::is_same_v<decltype(derivative(select(x, Const{2.0}, Const{3.0}))), Zero>);
}
