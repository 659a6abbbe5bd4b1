// nerve/expr/functions.hpp: Functions<E...>, a function with several outputs, e.g. an LSTM
// cell's pointwise step (c, h) of five variables. A structural value like the expressions it
// holds, so it is a template argument too (autodiff/vjp.hpp: vjp<Fs, Sym>()).
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/expr/build.hpp"  // nerve::expr::Operand, as_expr
#include "nerve/expr/node.hpp"   // nerve::expr::Expr

namespace nerve::expr {

// Output K is get<K>(); the outputs are kept as a head and a tail (std::tuple is not structural).
template <class... E>
struct Functions;

template <>
struct Functions<> {
  static constexpr std::size_t size = 0;
  friend constexpr bool operator==(const Functions&, const Functions&) = default;
};

template <class E0, class... Es>
struct Functions<E0, Es...> {
  static_assert(Expr<E0>, "Functions<E...> holds expressions");
  static constexpr std::size_t size = 1 + sizeof...(Es);
  E0 head;
  Functions<Es...> tail;

  template <std::size_t K>
  constexpr auto get() const {
    static_assert(K < size, "Functions::get<K>(): no such output");
    if constexpr (K == 0) return head;
    else return tail.template get<K - 1>();
  }
  friend constexpr bool operator==(const Functions&, const Functions&) = default;
};

template <std::size_t K, class... E>
constexpr auto get(const Functions<E...>& fs) {
  return fs.template get<K>();
}

namespace detail {
constexpr Functions<> make_functions() { return {}; }
template <class E0, class... Es>
constexpr Functions<E0, Es...> make_functions(E0 e0, Es... es) {
  return {e0, make_functions(es...)};
}
}  // namespace detail

// functions(c, h): the function whose output 0 is c and output 1 is h.
template <Operand... E>
constexpr auto functions(const E&... e) {
  return detail::make_functions(as_expr(e)...);
}

}  // namespace nerve::expr
