// nerve/autodiff/derivative.hpp: partial derivatives of an expression, by the chain rule, at
// compile time. partial(a * x + b, param<0>) and derivative(x * sigmoid(x)) are expression types
// like any other: evaluated by the same loops and fused the same way; no one writes them by hand.
#pragma once

#include <type_traits>

#include "nerve/expr/build.hpp"           // the builders (they fold zeros and ones)
#include "nerve/expr/node.hpp"            // nerve::expr::Symbol, Var, Unary, Binary, Select
#include "nerve/expr/ops/elementwise.hpp" // the ops' derivative rules

namespace nerve::expr {

// d e / d sym. Every other symbol is a constant, as are Const and tensor leaves.
template <Expr E, Symbol S>
constexpr auto partial(E e, S sym) {
  if constexpr (std::is_same_v<E, S>) {
    return One{};
  } else if constexpr (is_leaf<E>::value) {
    (void)e, (void)sym;
    return Zero{};
  } else {
    return partial_node(e, sym);
  }
}

template <class Op, class A, class S>
constexpr auto partial_node(Unary<Op, A> e, S sym) {
  return Op::derivative(e.a) * partial(e.a, sym);
}
template <class Op, class A, class B, class S>
constexpr auto partial_node(Binary<Op, A, B> e, S sym) {
  return Op::partial_a(e.a, e.b) * partial(e.a, sym) + Op::partial_b(e.a, e.b) * partial(e.b, sym);
}
// The condition is piecewise constant: it contributes nothing, and each piece differentiates on
// its own side (so leaky_relu'(0) is the slope, as in PyTorch).
template <class C, class A, class B, class S>
constexpr auto partial_node(Select<C, A, B> e, S sym) {
  return select(e.c, partial(e.a, sym), partial(e.b, sym));
}

// d/dx: the derivative of a function of x, e.g. an activation.
template <Expr E>
constexpr auto derivative(E e) {
  return partial(e, x);
}

}  // namespace nerve::expr
