// nerve/expr/simplify.hpp: constant folding of a finished expression, given as a template
// argument: simplify<E>(). The builders already drop exact Zero and One while building; this
// pass also folds what needs the constants' values, which only a template argument can branch on
// (Const{1} * e is e, but Const{2} * e is not, and both are the same type).
//
// Rules, applied bottom-up: an op of constants is a Const (exp(Const) too: the ops' eval is
// constexpr on scalars); 1 * e, e * 1, e + 0, 0 + e, e - 0, e / 1 are e; 0 * e and 0 / e are Zero;
// 0 - e is -e; -(-e) is e; c1 * (c2 * e) is (c1 c2) * e; select of a constant condition is its
// branch, select(c, e, e) is e. Zero, One and Const{0}, Const{1} count alike.
#pragma once

#include <type_traits>

#include "nerve/expr/node.hpp"            // nodes, same_expr
#include "nerve/expr/ops/elementwise.hpp" // ops::Add, Sub, Mul, Div, Neg and their constexpr eval

namespace nerve::expr {

namespace detail {

template <class T>
inline constexpr bool is_constant =
    std::is_same_v<T, Const> || std::is_same_v<T, Zero> || std::is_same_v<T, One>;

constexpr double value_of(Const c) { return c.value; }
constexpr double value_of(Zero) { return 0.0; }
constexpr double value_of(One) { return 1.0; }

// e is a constant equal to v (false, not an error, for any other node).
template <class E>
constexpr bool has_value(const E& e, double v) {
  if constexpr (is_constant<E>) return value_of(e) == v;
  else return false;
}

template <class T>
struct is_mul_by_const : std::false_type {};
template <class B>
struct is_mul_by_const<Binary<ops::Mul, Const, B>> : std::true_type {};

template <class T>
struct is_neg : std::false_type {};
template <class A>
struct is_neg<Unary<ops::Neg, A>> : std::true_type {};

template <class T>
using bare = std::remove_cvref_t<T>;

// Op applied to operands already simplified.
template <class Op, auto A>
constexpr auto fold_unary() {
  using TA = bare<decltype(A)>;
  if constexpr (is_constant<TA>) return Const{Op::eval(value_of(A))};
  else if constexpr (std::is_same_v<Op, ops::Neg> && is_neg<TA>::value) return A.a;
  else return Unary<Op, TA>{A};
}

// The neutral and absorbing rules come first, so that 0 * 2 is Zero rather than Const{0}.
template <class Op, auto A, auto B>
constexpr auto fold_binary() {
  using TA = bare<decltype(A)>;
  using TB = bare<decltype(B)>;
  constexpr bool mul = std::is_same_v<Op, ops::Mul>, add = std::is_same_v<Op, ops::Add>;
  constexpr bool sub = std::is_same_v<Op, ops::Sub>, div = std::is_same_v<Op, ops::Div>;
  if constexpr (mul && (has_value(A, 0.0) || has_value(B, 0.0))) return Zero{};
  else if constexpr (mul && has_value(A, 1.0)) return B;
  else if constexpr ((mul || div) && has_value(B, 1.0)) return A;
  else if constexpr (div && has_value(A, 0.0)) return Zero{};
  else if constexpr (add && has_value(A, 0.0)) return B;
  else if constexpr ((add || sub) && has_value(B, 0.0)) return A;
  else if constexpr (sub && has_value(A, 0.0)) return fold_unary<ops::Neg, B>();
  else if constexpr (is_constant<TA> && is_constant<TB>)
    return Const{Op::eval(value_of(A), value_of(B))};
  else if constexpr (mul && std::is_same_v<TA, Const> && is_mul_by_const<TB>::value)
    return fold_binary<ops::Mul, Const{A.value * B.a.value}, B.b>();
  else return Binary<Op, TA, TB>{A, B};
}

template <auto C, auto A, auto B>
constexpr auto fold_select() {
  if constexpr (is_constant<bare<decltype(C)>>) {
    if constexpr (value_of(C) > 0) return A;
    else return B;
  } else if constexpr (same_expr(A, B)) {
    return A;
  } else {
    return Select<bare<decltype(C)>, bare<decltype(A)>, bare<decltype(B)>>{C, A, B};
  }
}

}  // namespace detail

template <auto E>
constexpr auto simplify();

namespace detail {
template <auto E, class Op, class A>
constexpr auto simplify_node(std::type_identity<Unary<Op, A>>) {
  constexpr auto a = simplify<E.a>();
  return fold_unary<Op, a>();
}
template <auto E, class Op, class A, class B>
constexpr auto simplify_node(std::type_identity<Binary<Op, A, B>>) {
  constexpr auto a = simplify<E.a>();
  constexpr auto b = simplify<E.b>();
  return fold_binary<Op, a, b>();
}
template <auto E, class C, class A, class B>
constexpr auto simplify_node(std::type_identity<Select<C, A, B>>) {
  constexpr auto c = simplify<E.c>();
  constexpr auto a = simplify<E.a>();
  constexpr auto b = simplify<E.b>();
  return fold_select<c, a, b>();
}
}  // namespace detail

// E with its constants folded; equivalent to E (up to the rounding of folded constants).
template <auto E>
constexpr auto simplify() {
  using T = std::remove_cvref_t<decltype(E)>;
  static_assert(Expr<T>, "simplify<E>() takes an expression");
  if constexpr (is_leaf<T>::value) return E;
  else return detail::simplify_node<E>(std::type_identity<T>{});
}

}  // namespace nerve::expr
