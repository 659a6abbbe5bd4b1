// simplify<E>(), reuse<E, Outs...>() and shared_terms<Es...>: every folding rule, by the type and
// the constants of its result, at compile time; then simplified and original expressions agree in
// value at run time.
#include <catch2/catch.hpp>

#include <nerve/autodiff/derivative.hpp>  // nerve::expr::derivative, partial
#include <nerve/eval/evaluate.hpp>        // nerve::expr::apply, symbol_context
#include <nerve/expr/build.hpp>           // builders
#include <nerve/expr/functions.hpp>       // nerve::expr::functions, Functions
#include <nerve/expr/reuse.hpp>           // nerve::expr::reuse
#include <nerve/expr/shared_terms.hpp>    // nerve::expr::shared_terms
#include <nerve/expr/simplify.hpp>        // nerve::expr::simplify

#include <type_traits>

using namespace nerve::expr;

namespace {

template <auto E, class T>
inline constexpr bool is = std::is_same_v<std::remove_cvref_t<decltype(E)>, T>;

constexpr bool near(double a, double b) { return (a - b) < 1e-15 && (b - a) < 1e-15; }

using Sig = Unary<ops::Sigmoid, Var>;

}  // namespace

TEST_CASE("simplify: an op of constants is a constant", "[expr][simplify]") {
  STATIC_REQUIRE(is<simplify<Const{2.0} + Const{3.0}>(), Const>);
  STATIC_REQUIRE(simplify<Const{2.0} + Const{3.0}>().value == 5.0);
  STATIC_REQUIRE(simplify<Const{2.0} * Const{3.0} - Const{1.0}>().value == 5.0);
  STATIC_REQUIRE(simplify<max(Const{2.0}, Const{-3.0})>().value == 2.0);
  STATIC_REQUIRE(simplify<exp(Const{0.0})>().value == 1.0);
  STATIC_REQUIRE(near(simplify<tanh(Const{0.5})>().value, 0.46211715726000974));
  STATIC_REQUIRE(near(simplify<exp(Const{1.0})>().value, 2.718281828459045));
  STATIC_REQUIRE(near(simplify<log(Const{10.0})>().value, 2.302585092994046));
  STATIC_REQUIRE(near(simplify<sqrt(Const{2.0})>().value, 1.4142135623730951));
  STATIC_REQUIRE(near(simplify<sigmoid(Const{0.0})>().value, 0.5));
  STATIC_REQUIRE(simplify<-Const{2.0}>().value == -2.0);
  // Zero and One fold with Const: 1 - 1 is the constant 0.
  STATIC_REQUIRE(is<simplify<One{} - One{}>(), Const>);
  STATIC_REQUIRE(simplify<One{} - One{}>().value == 0.0);
  // inside a larger expression, bottom-up
  STATIC_REQUIRE(is<simplify<x * (Const{2.0} * Const{3.0})>(), Binary<ops::Mul, Var, Const>>);
  STATIC_REQUIRE(simplify<x * (Const{2.0} * Const{3.0})>().b.value == 6.0);
}

TEST_CASE("simplify: neutral and absorbing constants", "[expr][simplify]") {
  STATIC_REQUIRE(is<simplify<1.0 * x>(), Var>);
  STATIC_REQUIRE(is<simplify<x * 1.0>(), Var>);
  STATIC_REQUIRE(is<simplify<0.0 * x>(), Zero>);
  STATIC_REQUIRE(is<simplify<x * 0.0>(), Zero>);
  STATIC_REQUIRE(is<simplify<x + 0.0>(), Var>);
  STATIC_REQUIRE(is<simplify<0.0 + x>(), Var>);
  STATIC_REQUIRE(is<simplify<x - 0.0>(), Var>);
  STATIC_REQUIRE(is<simplify<0.0 - x>(), Unary<ops::Neg, Var>>);
  STATIC_REQUIRE(is<simplify<x / 1.0>(), Var>);
  STATIC_REQUIRE(is<simplify<0.0 / x>(), Zero>);
  STATIC_REQUIRE(is<simplify<-(-x)>(), Var>);
  STATIC_REQUIRE(is<simplify<0.0 - (-x)>(), Var>);  // 0 - e is -e, and -(-x) is x
  // only 0 and 1 vanish: 2 * x stays
  STATIC_REQUIRE(is<simplify<2.0 * x>(), Binary<ops::Mul, Const, Var>>);
  STATIC_REQUIRE(is<simplify<x + 1.0>(), Binary<ops::Add, Var, Const>>);
  // recursive: the folds happen at any depth
  STATIC_REQUIRE(is<simplify<sigmoid(1.0 * x) + 0.0>(), Sig>);
  STATIC_REQUIRE(is<simplify<tanh((x + 0.0) * (3.0 - 2.0))>(), Unary<ops::Tanh, Var>>);
}

TEST_CASE("simplify: constant factors merge", "[expr][simplify]") {
  constexpr auto six_x = simplify<2.0 * (3.0 * x)>();
  STATIC_REQUIRE(is<six_x, Binary<ops::Mul, Const, Var>>);
  STATIC_REQUIRE(six_x.a.value == 6.0);
  STATIC_REQUIRE(is<simplify<2.0 * (0.5 * x)>(), Var>);
  STATIC_REQUIRE(is<simplify<2.0 * (0.0 * x)>(), Zero>);
  constexpr auto nested = simplify<2.0 * (3.0 * (4.0 * sigmoid(x)))>();
  STATIC_REQUIRE(is<nested, Binary<ops::Mul, Const, Sig>>);
  STATIC_REQUIRE(nested.a.value == 24.0);
}

TEST_CASE("simplify: select of a constant condition, or of equal branches", "[expr][simplify]") {
  STATIC_REQUIRE(is<simplify<select(Const{1.0}, x, exp(x))>(), Var>);
  STATIC_REQUIRE(is<simplify<select(Const{0.0}, x, exp(x))>(), Unary<ops::Exp, Var>>);
  STATIC_REQUIRE(is<simplify<select(variable<1>, 1.0 * x, x)>(), Var>);
  STATIC_REQUIRE(is<simplify<select(x, 1.0, 2.0)>(), Select<Var, Const, Const>>);
  // the builders fold select(c, 0, 0) and select(c, 1, 1) already
  STATIC_REQUIRE(is<select(x, Zero{}, Zero{}), Zero>);
  STATIC_REQUIRE(is<derivative(select(x, x, x)), One>);
}

TEST_CASE("simplify: One and Zero as today; derivatives unchanged", "[expr][simplify]") {
  STATIC_REQUIRE(is<derivative(relu(x)), Unary<ops::Step, Var>>);
  STATIC_REQUIRE(is<simplify<derivative(relu(x))>(), Unary<ops::Step, Var>>);
  STATIC_REQUIRE(is<simplify<One{}>(), One>);
  STATIC_REQUIRE(is<simplify<Zero{}>(), Zero>);
  // ELU's derivative: the 1.0 * exp(x) the builders keep goes away here
  STATIC_REQUIRE(is<simplify<derivative(elu(x))>(), Select<Var, One, Unary<ops::Exp, Var>>>);
  STATIC_REQUIRE(is<derivative(leaky_relu(x, 0.1)), Select<Var, One, Const>>);
  STATIC_REQUIRE(derivative(leaky_relu(x, 0.1)).b.value == 0.1);
}

TEST_CASE("simplify: the result has the value of the original", "[expr][simplify]") {
  constexpr auto e = (2.0 * (0.5 * x) + 0.0) * exp(Const{0.0}) - 0.0 * tanh(x) + -(-sigmoid(x)) / 1.0;
  constexpr auto s = simplify<e>();
  STATIC_REQUIRE(is<s, Binary<ops::Add, Var, Sig>>);
  for (double v : {-2.0, -0.3, 0.0, 0.7, 3.0}) CHECK(apply(s, v) == Approx(apply(e, v)).epsilon(1e-15));
}

TEST_CASE("reuse: a value the forward pass computed is read, not recomputed", "[expr][reuse]") {
  // d sigmoid = sigmoid(x) (1 - sigmoid(x)) becomes y0 (1 - y0)
  constexpr auto d = reuse<derivative(sigmoid(x)), sigmoid(x)>();
  STATIC_REQUIRE(is<d, Binary<ops::Mul, Output<0>, Binary<ops::Sub, One, Output<0>>>>);
  // d tanh = 1 - tanh(x)^2 becomes 1 - y0^2
  STATIC_REQUIRE(is<reuse<derivative(tanh(x)), tanh(x)>(),
                    Binary<ops::Sub, One, Unary<ops::Square, Output<0>>>>);
  // the outermost match wins; outputs are numbered by position
  STATIC_REQUIRE(is<reuse<exp(tanh(sigmoid(x))), sigmoid(x), tanh(sigmoid(x))>(),
                    Unary<ops::Exp, Output<1>>>);
  STATIC_REQUIRE(is<reuse<sigmoid(x) * tanh(x), tanh(x), sigmoid(x)>(),
                    Binary<ops::Mul, Output<1>, Output<0>>>);
  // equal means equal constants too: x * 2 is not x * 3
  STATIC_REQUIRE(is<reuse<exp(x * 2.0), x * 2.0>(), Unary<ops::Exp, Output<0>>>);
  STATIC_REQUIRE(is<reuse<exp(x * 2.0), x * 3.0>(), Unary<ops::Exp, Binary<ops::Mul, Var, Const>>>);
  // a symbol is a different leaf from another index of the same kind
  STATIC_REQUIRE(is<reuse<variable<1> * x, variable<2>>(), Binary<ops::Mul, Variable<1>, Var>>);
  // nothing to reuse: unchanged, value and all
  STATIC_REQUIRE(same_expr(reuse<exp(x * 2.0) + 1.5>(), exp(x * 2.0) + 1.5));
  // and the result reads y0 where the original computed sigmoid(x)
  const double v = 0.8, y = 1 / (1 + std::exp(-v));
  CHECK(evaluate<double>(d, symbol_context<double, 1, 0, 1>{{v}, {}, {y}}) ==
        Approx(apply(derivative(sigmoid(x)), v)).epsilon(1e-15));
}

TEST_CASE("Functions: structural, several outputs", "[expr][functions]") {
  constexpr auto fs = functions(sigmoid(x), x * variable<1>, 2.0);
  STATIC_REQUIRE(decltype(fs)::size == 3);
  STATIC_REQUIRE(is<fs.get<0>(), Sig>);
  STATIC_REQUIRE(is<get<1>(fs), Binary<ops::Mul, Var, Variable<1>>>);
  STATIC_REQUIRE(fs.get<2>().value == 2.0);
  STATIC_REQUIRE(is<reuse<exp(sigmoid(x)), fs.get<0>()>(), Unary<ops::Exp, Output<0>>>);
  STATIC_REQUIRE(Symbol<Variable<3>> && Symbol<Param<0>> && Symbol<Output<1>> &&
                 Symbol<OutputGrad<2>> && Symbol<decltype(x)>);
  STATIC_REQUIRE(!Symbol<Const> && !Symbol<Zero> && !Symbol<Sig>);
  STATIC_REQUIRE(std::is_same_v<Var, Variable<0>>);
}

TEST_CASE("shared_terms: the costly terms of several expressions, once each, inner first",
          "[expr][shared-terms]") {
  using two = shared_terms<sigmoid(x) * tanh(variable<1>), exp(tanh(variable<1>)) + sigmoid(x)>;
  STATIC_REQUIRE(two::size == 3);  // sigmoid(x), tanh(v1), exp(tanh(v1)): no repeat
  STATIC_REQUIRE(is<nth_term<0>(two{}), Sig>);
  STATIC_REQUIRE(is<nth_term<1>(two{}), Unary<ops::Tanh, Variable<1>>>);
  STATIC_REQUIRE(is<nth_term<2>(two{}), Unary<ops::Exp, Unary<ops::Tanh, Variable<1>>>>);
  // equal means equal constants too: exp(x * 2) and exp(x * 3) are two terms
  STATIC_REQUIRE(shared_terms<exp(x * 2.0), exp(x * 3.0), exp(x * 2.0)>::size == 2);
  // cheap ops are not terms; a term under them is
  STATIC_REQUIRE(shared_terms<square(x) * x + 1.0>::size == 0);
  STATIC_REQUIRE(shared_terms<square(sigmoid(x)) - sigmoid(x)>::size == 1);
}
