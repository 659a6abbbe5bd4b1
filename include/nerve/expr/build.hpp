// nerve/expr/build.hpp: the functions and operators that build expressions. Building computes
// nothing; it only makes a node. Exact zeros and ones fold away here, so derivatives come out
// as small as a person would write them (d(relu(x)) is step(x), not step(x) * 1 + 0).
#pragma once

#include <concepts>
#include <type_traits>

#include "nerve/expr/node.hpp"  // nerve::expr::Unary, Binary, Var, Const, Zero, One, Expr

namespace nerve::expr {

namespace ops {
struct Add;
struct Sub;
struct Mul;
struct Div;
struct Max;
struct Min;
struct Neg;
struct Exp;
struct Log;
struct Tanh;
struct Sigmoid;
struct Relu;
struct Step;
struct Square;
struct Sqrt;
struct Abs;
struct Sign;
}  // namespace ops

// An operand: an expression, or a number that becomes a Const.
template <class T>
concept Operand = Expr<T> || std::is_arithmetic_v<std::remove_cvref_t<T>>;

template <Operand T>
constexpr auto as_expr(T t) {
  if constexpr (Expr<T>) return t;
  else return Const{static_cast<double>(t)};
}

template <class Op, Expr A>
constexpr Unary<Op, A> make_unary(A a) {
  return {a};
}
template <class Op, Expr A, Expr B>
constexpr Binary<Op, A, B> make_binary(A a, B b) {
  return {a, b};
}

template <Operand A, Operand B>
  requires(Expr<A> || Expr<B>)
constexpr auto operator+(A a_, B b_) {
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr (is_zero<decltype(a)>) return b;
  else if constexpr (is_zero<decltype(b)>) return a;
  else return make_binary<ops::Add>(a, b);
}

template <Expr A>
constexpr auto operator-(A a) {
  if constexpr (is_zero<A>) return Zero{};
  else return make_unary<ops::Neg>(a);
}

template <Operand A, Operand B>
  requires(Expr<A> || Expr<B>)
constexpr auto operator-(A a_, B b_) {
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr (is_zero<decltype(b)>) return a;
  else if constexpr (is_zero<decltype(a)>) return -b;
  else return make_binary<ops::Sub>(a, b);
}

template <Operand A, Operand B>
  requires(Expr<A> || Expr<B>)
constexpr auto operator*(A a_, B b_) {
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr (is_zero<decltype(a)> || is_zero<decltype(b)>) return Zero{};
  else if constexpr (is_one<decltype(a)>) return b;
  else if constexpr (is_one<decltype(b)>) return a;
  else return make_binary<ops::Mul>(a, b);
}

template <Operand A, Operand B>
  requires(Expr<A> || Expr<B>)
constexpr auto operator/(A a_, B b_) {
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr (is_zero<decltype(a)>) return Zero{};
  else if constexpr (is_one<decltype(b)>) return a;
  else return make_binary<ops::Div>(a, b);
}

template <Operand A, Operand B>
  requires(Expr<A> || Expr<B>)
constexpr auto max(A a, B b) {
  return make_binary<ops::Max>(as_expr(a), as_expr(b));
}
template <Operand A, Operand B>
  requires(Expr<A> || Expr<B>)
constexpr auto min(A a, B b) {
  return make_binary<ops::Min>(as_expr(a), as_expr(b));
}

template <Expr A>
constexpr auto exp(A a) { return make_unary<ops::Exp>(a); }
template <Expr A>
constexpr auto log(A a) { return make_unary<ops::Log>(a); }
template <Expr A>
constexpr auto tanh(A a) { return make_unary<ops::Tanh>(a); }
template <Expr A>
constexpr auto sigmoid(A a) { return make_unary<ops::Sigmoid>(a); }
template <Expr A>
constexpr auto relu(A a) { return make_unary<ops::Relu>(a); }
template <Expr A>
constexpr auto step(A a) {
  if constexpr (is_zero<A>) return Zero{};
  else return make_unary<ops::Step>(a);
}
template <Expr A>
constexpr auto square(A a) {
  if constexpr (is_zero<A>) return Zero{};
  else return make_unary<ops::Square>(a);
}
template <Expr A>
constexpr auto sqrt(A a) { return make_unary<ops::Sqrt>(a); }
template <Expr A>
constexpr auto abs(A a) { return make_unary<ops::Abs>(a); }
template <Expr A>
constexpr auto sign(A a) { return make_unary<ops::Sign>(a); }

// max(a, slope * a) for 0 <= slope <= 1.
template <Expr A>
constexpr auto leaky_relu(A a, double slope) {
  return max(a, slope * a);
}

}  // namespace nerve::expr
