// nerve/eval/evaluate.hpp: the value of an expression, for a scalar or a SIMD batch V.
//
// A context says what the leaves are. Every symbol leaf is asked of it as
// ctx.template symbol<V>(leaf): function_context gives x, symbol_context gives variables,
// parameters, outputs and output gradients; the tensor context (eval/assign.hpp) loads tensor
// leaves at an index instead. Node evaluation is the same for all of them.
#pragma once

#include <array>
#include <cstddef>  // std::size_t
#include <type_traits>

#include "nerve/config.hpp"               // NERVE_INLINE
#include "nerve/expr/node.hpp"            // nerve::expr nodes, symbols
#include "nerve/expr/ops/elementwise.hpp" // op tags' eval
#include "nerve/expr/ops/math.hpp"        // nerve::math::splat, select, is_scalar

namespace nerve::expr {

// concept Context<V> { W symbol<W>(Symbol) const; W load<W>(const TensorLeaf&) const; }

// The context of a function of x alone (an activation): x = the value given.
template <class V>
struct function_context {
  V x;
  template <class W, class Leaf>
  NERVE_INLINE W symbol(Leaf) const {
    static_assert(std::is_same_v<Leaf, Var>,
                  "function_context gives x only; evaluate an expression of several variables, "
                  "parameters or outputs with symbol_context");
    return x;
  }
};

// The context of a function of several symbols: variables[i] is v_i (x = variables[0]),
// params[i] is p_i, outputs[k] is y_k and output_grads[k] is dy_k. An aggregate:
// symbol_context<V, 2, 1>{{x, v1}, {p0}}.
template <class V, std::size_t NV, std::size_t NP = 0, std::size_t NO = 0>
struct symbol_context {
  std::array<V, NV> variables;
  std::array<V, NP> params{};  // {} so that {{x, v1}} leaves the rest without a warning
  std::array<V, NO> outputs{};
  std::array<V, NO> output_grads{};

  template <class W, std::size_t I>
  NERVE_INLINE W symbol(Variable<I>) const {
    static_assert(I < NV, "the expression reads a variable beyond the context's NV");
    return variables[I];
  }
  template <class W, std::size_t I>
  NERVE_INLINE W symbol(Param<I>) const {
    static_assert(I < NP, "the expression reads a parameter beyond the context's NP");
    return params[I];
  }
  template <class W, std::size_t K>
  NERVE_INLINE W symbol(Output<K>) const {
    static_assert(K < NO, "the expression reads an output beyond the context's NO");
    return outputs[K];
  }
  template <class W, std::size_t K>
  NERVE_INLINE W symbol(OutputGrad<K>) const {
    static_assert(K < NO, "the expression reads an output gradient beyond the context's NO");
    return output_grads[K];
  }
};

template <class V, class E, class Ctx>
NERVE_INLINE V evaluate(const E& e, const Ctx& ctx) {
  if constexpr (Symbol<E>) {
    return ctx.template symbol<V>(e);
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
// A scalar computes only the branch taken; a batch computes both and blends them.
template <class V, class C, class A, class B, class Ctx>
NERVE_INLINE V evaluate_node(const Select<C, A, B>& e, const Ctx& ctx) {
  if constexpr (math::is_scalar<V>) {
    return evaluate<V>(e.c, ctx) > V(0) ? evaluate<V>(e.a, ctx) : evaluate<V>(e.b, ctx);
  } else {
    return math::select(evaluate<V>(e.c, ctx), evaluate<V>(e.a, ctx), evaluate<V>(e.b, ctx));
  }
}

// f(v) for a function expression f of x.
template <class V, class E>
NERVE_INLINE V apply(const E& f, V v) {
  return evaluate<V>(f, function_context<V>{v});
}

}  // namespace nerve::expr
