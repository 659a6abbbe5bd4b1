// nerve/network/cost.hpp: the floating-point operations of a network per sample, at compile time.
// Layers with work of their own count it themselves (forward_flops, backward_flops); element-wise
// layers are expressions, so their cost is the number of operations in the expression and in its
// derived derivative.
#pragma once

#include <cstddef>  // std::size_t
#include <utility>  // std::index_sequence

#include "nerve/autodiff/derivative.hpp"  // nerve::expr::derivative
#include "nerve/expr/node.hpp"            // nerve::expr::Unary, Binary, is_leaf
#include "nerve/layers/layer.hpp"         // nerve::fusion_role
#include "nerve/meta/type_list.hpp"       // nerve::meta::at

namespace nerve::detail {

// Operations in an expression: one per node that is not a leaf.
template <class E>
constexpr std::size_t operation_count(const E&) {
  return expr::is_leaf<E>::value ? 0 : 1;
}
template <class Op, class A>
constexpr std::size_t operation_count(const expr::Unary<Op, A>& e) {
  return 1 + operation_count(e.a);
}
template <class Op, class A, class B>
constexpr std::size_t operation_count(const expr::Binary<Op, A, B>& e) {
  return 1 + operation_count(e.a) + operation_count(e.b);
}

template <class L, class In>
constexpr std::size_t entry_flops(bool with_backward) {
  if constexpr (L::role == fusion_role::elementwise) {
    constexpr std::size_t forward = operation_count(L::function);
    // dz = dy * f'(.): the derivative's operations and one product
    constexpr std::size_t backward = operation_count(expr::derivative(L::function)) + 1;
    return In::size * (forward + (with_backward ? backward : 0));
  } else if constexpr (L::role == fusion_role::contraction || L::role == fusion_role::general) {
    if constexpr (requires { L::identity_at_inference; }) {
      if (L::identity_at_inference && !with_backward) return 0;  // a view at inference (Dropout)
    }
    constexpr std::size_t forward = L::template forward_flops<In>;
    constexpr std::size_t backward = [] {
      if constexpr (requires { L::template backward_flops<In>; }) {
        return L::template backward_flops<In>;
      } else {
        return 2 * forward;  // dx, and about as much again for parameter gradients
      }
    }();
    return forward + (with_backward ? backward : 0);
  } else {
    return 0;  // input, reshape
  }
}

// Per sample, over every layer of a well-formed network's types (network/types.hpp).
template <class Types>
constexpr std::size_t flops_of(bool with_backward) {
  if constexpr (!Types::well_formed) {
    return 0;
  } else {
    using entries = typename Types::entries;
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (std::size_t{0} + ... +
              entry_flops<meta::at<I + 1, entries>, typename Types::template shape_after_t<I>>(
                  with_backward));
    }(std::make_index_sequence<entries::size - 1>{});
  }
}

}  // namespace nerve::detail
