// nerve/expr/shared_terms.hpp: the costly subexpressions (exp, log, tanh, sigmoid, sqrt) that
// several expressions have in common, each listed once, so that a pass computing all of them
// evaluates each such term once and reads it back after.
//
// A cell's backward pass is one derived expression per variable (autodiff/vjp.hpp), and they
// repeat the same gate activations: an LSTM's four gate gradients and its dc_{t-1} read
// sigmoid(a_i + r_i) nine times between them, five distinct terms in all, which g++ does not
// merge across the expressions (20 exponentials per element instead of 5).
//
//   shared_terms<E0, E1, ...>()   node_list of the distinct costly Unary nodes of E0, E1, ...,
//                                 inner terms before the terms that contain them
// and with reuse<E, ...>() (expr/reuse.hpp) an expression reads them back as Output<k>.
#pragma once

#include <cstddef>      // std::size_t
#include <tuple>        // std::get
#include <type_traits>

#include "nerve/expr/node.hpp"          // nodes, same_expr, is_leaf
#include "nerve/expr/ops/elementwise.hpp"  // the op tags

namespace nerve::expr {

// Expression values as a list of template arguments.
template <auto... Es>
struct node_list {
  static constexpr std::size_t size = sizeof...(Es);
};

namespace detail {

template <class Op>
inline constexpr bool costly_op = std::is_same_v<Op, ops::Exp> || std::is_same_v<Op, ops::Log> ||
                                  std::is_same_v<Op, ops::Tanh> || std::is_same_v<Op, ops::Sigmoid> ||
                                  std::is_same_v<Op, ops::Sqrt>;

template <auto E, auto... Found>
constexpr auto append_if_new(node_list<Found...>) {
  if constexpr ((same_expr(E, Found) || ...)) return node_list<Found...>{};
  else return node_list<Found..., E>{};
}

template <auto E, class List>
constexpr auto collect_terms(List);

template <auto E, class List, class Op, class A>
constexpr auto collect_node(List, std::type_identity<Unary<Op, A>>) {
  constexpr auto inner = collect_terms<E.a>(List{});
  if constexpr (costly_op<Op>) return append_if_new<E>(inner);
  else return inner;
}
template <auto E, class List, class Op, class A, class B>
constexpr auto collect_node(List, std::type_identity<Binary<Op, A, B>>) {
  return collect_terms<E.b>(collect_terms<E.a>(List{}));
}
template <auto E, class List, class C, class A, class B>
constexpr auto collect_node(List, std::type_identity<Select<C, A, B>>) {
  return collect_terms<E.b>(collect_terms<E.a>(collect_terms<E.c>(List{})));
}

template <auto E, class List>
constexpr auto collect_terms(List) {
  using T = std::remove_cvref_t<decltype(E)>;
  if constexpr (is_leaf<T>::value) return List{};
  else return collect_node<E, List>(List{}, std::type_identity<T>{});
}

template <class List, auto... Es>
struct collect_all;
template <class List>
struct collect_all<List> {
  using type = List;
};
template <class List, auto E, auto... Es>
struct collect_all<List, E, Es...> {
  using type = typename collect_all<decltype(collect_terms<E>(List{})), Es...>::type;
};

}  // namespace detail

// The distinct costly terms of Es, inner ones first.
template <auto... Es>
using shared_terms = typename detail::collect_all<node_list<>, Es...>::type;

// Term k of a list.
template <std::size_t k, auto... Es>
constexpr auto nth_term(node_list<Es...>) {
  static_assert(k < sizeof...(Es));
  return std::get<k>(std::tuple{Es...});
}

}  // namespace nerve::expr
