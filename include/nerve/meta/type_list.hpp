// nerve/meta/type_list.hpp: a list of types and the few operations the network fold needs.
#pragma once

#include <cstddef>  // std::size_t
#include <type_traits>

#include <boost/hana/type.hpp>  // hana::type_c, hana::basic_type

namespace nerve::meta {

template <class... Ts>
struct type_list {
  static constexpr std::size_t size = sizeof...(Ts);
};

namespace detail {
// Indexing by pack expansion over a base of overloads: constant depth, unlike recursion,
// which keeps compile time flat for 40-layer networks.
template <std::size_t I, class T>
struct indexed {
  static boost::hana::basic_type<T> get(std::integral_constant<std::size_t, I>);
};
template <class Seq, class... Ts>
struct indexer;
template <std::size_t... Is, class... Ts>
struct indexer<std::index_sequence<Is...>, Ts...> : indexed<Is, Ts>... {
  using indexed<Is, Ts>::get...;
};
}  // namespace detail

template <std::size_t I, class List>
struct at_impl;
template <std::size_t I, class... Ts>
struct at_impl<I, type_list<Ts...>> {
  static_assert(I < sizeof...(Ts), "nerve::meta::at: index out of range");
  using type = typename decltype(detail::indexer<std::index_sequence_for<Ts...>, Ts...>::get(
      std::integral_constant<std::size_t, I>{}))::type;
};

// at<I, type_list<Ts...>>: the I-th type.
template <std::size_t I, class List>
using at = typename at_impl<I, List>::type;

}  // namespace nerve::meta
