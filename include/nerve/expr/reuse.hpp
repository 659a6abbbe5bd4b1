// nerve/expr/reuse.hpp: reuse<E, Outs...>(): E with every subexpression equal to Outs[k] read
// as Output<k>. The forward pass has already computed those values; a backward expression that
// reads them does not compute them again (d sigmoid(x) becomes y0 (1 - y0)). occurs(e, sub):
// whether e has a subexpression equal to sub (what reads what, once terms are read back).
#pragma once

#include <cstddef>  // std::size_t
#include <type_traits>

#include "nerve/expr/node.hpp"  // nodes, Output, same_expr

namespace nerve::expr {

namespace detail {

// The first k with e structurally equal to outs[k] (same type, same constants), else the count.
template <class E, class... O>
constexpr std::size_t match_index(const E& e, const O&... outs) {
  const bool equal[] = {same_expr(e, outs)..., false};
  for (std::size_t k = 0; k < sizeof...(O); ++k) {
    if (equal[k]) return k;
  }
  return sizeof...(O);
}

}  // namespace detail

template <auto E, auto... Outs>
constexpr auto reuse();

template <class E, class S>
constexpr bool occurs(const E& e, const S& sub);

namespace detail {
template <class E, class S>
constexpr bool occurs_below(const E&, const S&) {  // a leaf
  return false;
}
template <class Op, class A, class S>
constexpr bool occurs_below(const Unary<Op, A>& e, const S& sub) {
  return occurs(e.a, sub);
}
template <class Op, class A, class B, class S>
constexpr bool occurs_below(const Binary<Op, A, B>& e, const S& sub) {
  return occurs(e.a, sub) || occurs(e.b, sub);
}
template <class C, class A, class B, class S>
constexpr bool occurs_below(const Select<C, A, B>& e, const S& sub) {
  return occurs(e.c, sub) || occurs(e.a, sub) || occurs(e.b, sub);
}
}  // namespace detail

// Whether e is sub or has a subexpression structurally equal to it.
template <class E, class S>
constexpr bool occurs(const E& e, const S& sub) {
  return same_expr(e, sub) || detail::occurs_below(e, sub);
}

namespace detail {
template <auto E, auto... Outs, class Op, class A>
constexpr auto reuse_node(std::type_identity<Unary<Op, A>>) {
  constexpr auto a = reuse<E.a, Outs...>();
  return Unary<Op, std::remove_const_t<decltype(a)>>{a};
}
template <auto E, auto... Outs, class Op, class A, class B>
constexpr auto reuse_node(std::type_identity<Binary<Op, A, B>>) {
  constexpr auto a = reuse<E.a, Outs...>();
  constexpr auto b = reuse<E.b, Outs...>();
  return Binary<Op, std::remove_const_t<decltype(a)>, std::remove_const_t<decltype(b)>>{a, b};
}
template <auto E, auto... Outs, class C, class A, class B>
constexpr auto reuse_node(std::type_identity<Select<C, A, B>>) {
  constexpr auto c = reuse<E.c, Outs...>();
  constexpr auto a = reuse<E.a, Outs...>();
  constexpr auto b = reuse<E.b, Outs...>();
  return Select<std::remove_const_t<decltype(c)>, std::remove_const_t<decltype(a)>,
                std::remove_const_t<decltype(b)>>{c, a, b};
}
}  // namespace detail

// Outermost matches win: a subexpression replaced by Output<k> is not searched further.
template <auto E, auto... Outs>
constexpr auto reuse() {
  using T = std::remove_cvref_t<decltype(E)>;
  static_assert(Expr<T>, "reuse<E, Outs...>() takes an expression");
  constexpr std::size_t k = detail::match_index(E, Outs...);
  if constexpr (k < sizeof...(Outs)) return Output<k>{};
  else if constexpr (is_leaf<T>::value) return E;
  else return detail::reuse_node<E, Outs...>(std::type_identity<T>{});
}

}  // namespace nerve::expr
