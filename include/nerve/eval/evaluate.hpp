// nerve/eval/evaluate.hpp: the value of an expression, for a scalar or a SIMD batch V.
//
// A context says what the leaves are: a function context gives the value of x; a tensor context
// (eval/assign.hpp) gives the index at which leaves load. Node evaluation is the same for both.
#pragma once

#include <type_traits>

#include "nerve/config.hpp"               // NERVE_INLINE
#include "nerve/expr/node.hpp"            // nerve::expr nodes
#include "nerve/expr/ops/elementwise.hpp" // op tags' eval
#include "nerve/expr/ops/math.hpp"        // nerve::math::splat

namespace nerve::expr {

// concept Context<V> { V var() const; V load(const Leaf&) const; }

template <class V>
struct function_context {
  V x;
  template <class>
  NERVE_INLINE V var() const {
    return x;
  }
};

template <class V, class E, class Ctx>
NERVE_INLINE V evaluate(const E& e, const Ctx& ctx) {
  if constexpr (std::is_same_v<E, Var>) {
    return ctx.template var<V>();
  } else if constexpr (std::is_same_v<E, Const>) {
    return math::splat<V>(e.value);
  } else if constexpr (std::is_same_v<E, Zero>) {
    return V(0);
  } else if constexpr (std::is_same_v<E, One>) {
    return V(1);
  } else if constexpr (is_leaf<E>::value) {
    return ctx.template load<V>(e);
  } else {
    return evaluate_node<V>(e, ctx);
  }
}

template <class V, class Op, class A, class Ctx>
NERVE_INLINE V evaluate_node(const Unary<Op, A>& e, const Ctx& ctx) {
  return Op::eval(evaluate<V>(e.a, ctx));
}
template <class V, class Op, class A, class B, class Ctx>
NERVE_INLINE V evaluate_node(const Binary<Op, A, B>& e, const Ctx& ctx) {
  return Op::eval(evaluate<V>(e.a, ctx), evaluate<V>(e.b, ctx));
}

// f(v) for a function expression f of x.
template <class V, class E>
NERVE_INLINE V apply(const E& f, V v) {
  return evaluate<V>(f, function_context<V>{v});
}

}  // namespace nerve::expr
