// nerve/expr/build.hpp: the functions and operators that build expressions. Building computes
// nothing; it only makes a node. Exact zeros and ones fold away here, so derivatives come out
// as small as a person would write them (d(relu(x)) is step(x), not step(x) * 1 + 0).
#pragma once

#include <concepts>
#include <type_traits>

#include "nerve/expr/node.hpp"         // nerve::expr::Unary, Binary, Select, Const, Zero, One, Expr
#include "nerve/expr/tensor_expr.hpp"  // nerve::expr::TensorLike, ref

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

// What can stand in an expression: a node, or a tensor (which becomes a leaf reading it).
template <class T>
concept Node = Expr<T> || TensorLike<T>;
// An operand: a node, or a number that becomes a Const.
template <class T>
concept Operand = Node<T> || std::is_arithmetic_v<std::remove_cvref_t<T>>;

template <Operand T>
constexpr auto as_expr(const T& t) {
  if constexpr (Expr<T>) return t;
  else if constexpr (TensorLike<T>) return ref(t);
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
  requires(Node<A> || Node<B>)
constexpr auto operator+(const A& a_, const B& b_) {
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr (is_zero<decltype(a)>) return b;
  else if constexpr (is_zero<decltype(b)>) return a;
  else return make_binary<ops::Add>(a, b);
}

template <Node A>
constexpr auto operator-(const A& a) {
  if constexpr (is_zero<A>) return Zero{};
  else return make_unary<ops::Neg>(as_expr(a));
}

template <Operand A, Operand B>
  requires(Node<A> || Node<B>)
constexpr auto operator-(const A& a_, const B& b_) {
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr (is_zero<decltype(b)>) return a;
  else if constexpr (is_zero<decltype(a)>) return -b;
  else return make_binary<ops::Sub>(a, b);
}

template <Operand A, Operand B>
  requires(Node<A> || Node<B>)
constexpr auto operator*(const A& a_, const B& b_) {
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr (is_zero<decltype(a)> || is_zero<decltype(b)>) return Zero{};
  else if constexpr (is_one<decltype(a)>) return b;
  else if constexpr (is_one<decltype(b)>) return a;
  else return make_binary<ops::Mul>(a, b);
}

template <Operand A, Operand B>
  requires(Node<A> || Node<B>)
constexpr auto operator/(const A& a_, const B& b_) {
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr (is_zero<decltype(a)>) return Zero{};
  else if constexpr (is_one<decltype(b)>) return a;
  else return make_binary<ops::Div>(a, b);
}

template <Operand A, Operand B>
  requires(Node<A> || Node<B>)
constexpr auto max(const A& a, const B& b) {
  return make_binary<ops::Max>(as_expr(a), as_expr(b));
}
template <Operand A, Operand B>
  requires(Node<A> || Node<B>)
constexpr auto min(const A& a, const B& b) {
  return make_binary<ops::Min>(as_expr(a), as_expr(b));
}

template <Node A>
constexpr auto exp(const A& a) { return make_unary<ops::Exp>(as_expr(a)); }
template <Node A>
constexpr auto log(const A& a) { return make_unary<ops::Log>(as_expr(a)); }
template <Node A>
constexpr auto tanh(const A& a) { return make_unary<ops::Tanh>(as_expr(a)); }
template <Node A>
constexpr auto sigmoid(const A& a) { return make_unary<ops::Sigmoid>(as_expr(a)); }
template <Node A>
constexpr auto relu(const A& a) { return make_unary<ops::Relu>(as_expr(a)); }
template <Node A>
constexpr auto step(const A& a) {
  if constexpr (is_zero<A>) return Zero{};
  else return make_unary<ops::Step>(as_expr(a));
}
template <Node A>
constexpr auto square(const A& a) {
  if constexpr (is_zero<A>) return Zero{};
  else return make_unary<ops::Square>(as_expr(a));
}
template <Node A>
constexpr auto sqrt(const A& a) { return make_unary<ops::Sqrt>(as_expr(a)); }
template <Node A>
constexpr auto abs(const A& a) { return make_unary<ops::Abs>(as_expr(a)); }
template <Node A>
constexpr auto sign(const A& a) { return make_unary<ops::Sign>(as_expr(a)); }

// a where c > 0, else b; the branch not taken cannot leak an inf or NaN (unlike step(c) * a).
// select(c, 0, 0) and select(c, 1, 1) fold, so that derivatives stay small.
template <Operand C, Operand A, Operand B>
  requires(Node<C> || Node<A> || Node<B>)
constexpr auto select(const C& c_, const A& a_, const B& b_) {
  auto c = as_expr(c_);
  auto a = as_expr(a_);
  auto b = as_expr(b_);
  if constexpr ((is_zero<decltype(a)> && is_zero<decltype(b)>) ||
                (is_one<decltype(a)> && is_one<decltype(b)>)) {
    return a;
  } else {
    return Select<decltype(c), decltype(a), decltype(b)>{c, a, b};
  }
}

// a where a > 0, slope * a elsewhere, for any slope, as PyTorch: the derivative is
// select(a, 1, slope), so slope at 0 exactly (PyTorch's backward is a > 0 ? g : g * slope).
template <Node A>
constexpr auto leaky_relu(const A& a, double slope) {
  return select(as_expr(a), as_expr(a), slope * as_expr(a));
}

// a where a > 0, alpha (e^a - 1) elsewhere; derivative select(a, 1, alpha e^a): alpha at 0, as
// PyTorch.
template <Node A>
constexpr auto elu(const A& a, double alpha = 1.0) {
  return select(as_expr(a), as_expr(a), alpha * (exp(as_expr(a)) - 1.0));
}

}  // namespace nerve::expr

// Tensors live in namespace nerve: make the builders visible to argument-dependent lookup there,
// so that a + b, relu(a) and exp(a) work on tensors as they do on expressions.
namespace nerve {
using expr::operator+;
using expr::operator-;
using expr::operator*;
using expr::operator/;
using expr::abs;
using expr::elu;
using expr::exp;
using expr::leaky_relu;
using expr::log;
using expr::matmul;
using expr::matvec;
using expr::outer;
using expr::max;
using expr::min;
using expr::relu;
using expr::select;
using expr::sigmoid;
using expr::sqrt;
using expr::square;
using expr::tanh;
}  // namespace nerve
