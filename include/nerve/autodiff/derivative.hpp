// nerve/autodiff/derivative.hpp: d/dx of a function expression, by the chain rule, at compile
// time. derivative(x * sigmoid(x)) is an expression type like any other: it is evaluated by the
// same loops and fused the same way, and no one writes it by hand.
#pragma once

#include "nerve/expr/build.hpp"           // the builders (simplify zeros and ones)
#include "nerve/expr/node.hpp"            // nerve::expr::Var, Unary, Binary
#include "nerve/expr/ops/elementwise.hpp" // the ops' derivative rules

namespace nerve::expr {

template <Expr E>
constexpr auto derivative(E e) {
  if constexpr (std::is_same_v<E, Var>) {
    return One{};
  } else if constexpr (is_leaf<E>::value) {
    (void)e;
    return Zero{};  // constants, and tensor leaves: independent of x
  } else {
    return derivative_node(e);
  }
}

template <class Op, class A>
constexpr auto derivative_node(Unary<Op, A> e) {
  return Op::derivative(e.a) * derivative(e.a);
}
template <class Op, class A, class B>
constexpr auto derivative_node(Binary<Op, A, B> e) {
  return Op::partial_a(e.a, e.b) * derivative(e.a) + Op::partial_b(e.a, e.b) * derivative(e.b);
}

}  // namespace nerve::expr
