// nerve/autodiff/vjp.hpp: the backward expression of a function with several outputs, with
// respect to one symbol: vjp<Fs, Sym>() = sum_k dy_k * d F_k / d Sym, reading every value the
// forward pass already holds (the outputs y_k) rather than recomputing it, then folded. It is an
// ordinary expression: symbol_context and for_each_lane evaluate it like the forward one.
#pragma once

#include <cstddef>  // std::size_t
#include <type_traits>
#include <utility>  // std::index_sequence

#include "nerve/autodiff/derivative.hpp"  // nerve::expr::partial
#include "nerve/expr/build.hpp"           // operator+, operator* (they fold Zero and One)
#include "nerve/expr/functions.hpp"       // nerve::expr::Functions
#include "nerve/expr/node.hpp"            // nerve::expr::OutputGrad, Symbol
#include "nerve/expr/reuse.hpp"           // nerve::expr::reuse
#include "nerve/expr/simplify.hpp"        // nerve::expr::simplify

namespace nerve::expr {

namespace detail {
template <auto Fs, class Sym, std::size_t... K>
constexpr auto vjp_sum(std::index_sequence<K...>) {
  return (Zero{} + ... + (OutputGrad<K>{} * partial(Fs.template get<K>(), Sym{})));
}
template <auto E, auto Fs, std::size_t... K>
constexpr auto reuse_outputs(std::index_sequence<K...>) {
  return reuse<E, Fs.template get<K>()...>();
}
}  // namespace detail

template <auto Fs, class Sym>
constexpr auto vjp() {
  using S = std::remove_cvref_t<Sym>;
  static_assert(Symbol<S>, "vjp<Fs, Sym>(): Sym is a symbol type (Variable<I>, Param<I>, ...)");
  using K = std::make_index_sequence<std::remove_cvref_t<decltype(Fs)>::size>;
  constexpr auto sum = detail::vjp_sum<Fs, S>(K{});
  constexpr auto read = detail::reuse_outputs<sum, Fs>(K{});
  return simplify<read>();
}

}  // namespace nerve::expr
