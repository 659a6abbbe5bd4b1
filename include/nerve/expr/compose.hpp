// nerve/expr/compose.hpp: compose(f, g) is f(g(x)): every x in f replaced by g. A chain of
// activation layers becomes one expression, evaluated in one pass and differentiated whole.
// Only x (Variable<0>) is substituted; other symbols (v1, parameters, outputs) stay as they are.
#pragma once

#include <type_traits>

#include "nerve/expr/node.hpp"  // nodes, Var

namespace nerve::expr {

template <Expr F, Expr G>
constexpr auto compose(F f, G g) {
  if constexpr (std::is_same_v<F, Var>) {
    (void)f;
    return g;
  } else if constexpr (is_leaf<F>::value) {
    (void)g;
    return f;
  } else {
    return compose_node(f, g);
  }
}
template <class Op, class A, Expr G>
constexpr auto compose_node(Unary<Op, A> f, G g) {
  auto a = compose(f.a, g);
  return Unary<Op, decltype(a)>{a};
}
template <class Op, class A, class B, Expr G>
constexpr auto compose_node(Binary<Op, A, B> f, G g) {
  auto a = compose(f.a, g);
  auto b = compose(f.b, g);
  return Binary<Op, decltype(a), decltype(b)>{a, b};
}
template <class C, class A, class B, Expr G>
constexpr auto compose_node(Select<C, A, B> f, G g) {
  auto c = compose(f.c, g);
  auto a = compose(f.a, g);
  auto b = compose(f.b, g);
  return Select<decltype(c), decltype(a), decltype(b)>{c, a, b};
}

}  // namespace nerve::expr
