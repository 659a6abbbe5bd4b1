// nerve/loss/elementwise_loss.hpp: a loss that is a sum of one expression over every (output,
// target) pair, declared as that expression and nothing else:
//
//   struct MeanSquaredError : elementwise_loss<expr::square(loss_y - loss_t)> { ... };
//
// loss_y (expr::variable<0>) is the network's output (or the logits, for a loss fused with the
// last activation), loss_t (expr::variable<1>) the target. The gradient is derived from the
// expression (expr::partial, simplified), never written by hand. evaluate() makes one SIMD pass
// over each row (expr::for_each_lane with a symbol_context of y and t) that adds the loss and
// writes dL/dy; the loss is the mean over every element of the first `rows` rows (PyTorch's
// reduction='mean'), each row summed in registers and added in double.
#pragma once

#include <algorithm>  // std::fill
#include <cstddef>    // std::size_t

#include "nerve/config.hpp"               // xsimd
#include "nerve/autodiff/derivative.hpp"  // nerve::expr::partial
#include "nerve/eval/evaluate.hpp"        // nerve::expr::evaluate, symbol_context
#include "nerve/eval/lanes.hpp"           // nerve::expr::for_each_lane, load_lanes, store_lanes
#include "nerve/expr/build.hpp"           // the builders losses are written with
#include "nerve/expr/node.hpp"            // nerve::expr::variable
#include "nerve/expr/simplify.hpp"        // nerve::expr::simplify
#include "nerve/loss/loss.hpp"            // nerve::loss_input, loss_fusion

namespace nerve {

// The two symbols of a per-element loss: the output y (or logit z) and the target t.
inline constexpr expr::Variable<0> loss_y{};
inline constexpr expr::Variable<1> loss_t{};

namespace detail {

// Sum over rows [0, rows) of L(y, t), in double; grad = dL/dy * scale for all B rows (B rows
// ld apart, padding zeroed). y: B rows ld_y apart; t: B rows of N values.
template <auto L, auto G, std::size_t B, std::size_t N, class T>
double elementwise_loss_rows(const T* y, std::size_t ld_y, const T* t, T* grad, std::size_t ld,
                             std::size_t rows, T scale) {
  using Batch = xsimd::batch<T>;
  double total = 0;
  for (std::size_t i = 0; i < B; ++i) {
    const T* yi = y + i * ld_y;
    const T* ti = t + i * N;
    T* gi = grad + i * ld;
    const bool counted = i < rows;
    Batch row_sum(T(0));
    T tail_sum = 0;
    expr::for_each_lane<N, T>([&](std::size_t j, auto tag) {
      using V = typename decltype(tag)::type;
      const expr::symbol_context<V, 2> ctx{{expr::load_lanes<V>(yi + j), expr::load_lanes<V>(ti + j)}};
      if (counted) {
        if constexpr (math::is_scalar<V>) tail_sum += expr::evaluate<V>(L, ctx);
        else row_sum += expr::evaluate<V>(L, ctx);
      }
      expr::store_lanes(gi + j, expr::evaluate<V>(G, ctx) * V(scale));
    });
    if (counted)
      total += static_cast<double>(xsimd_compat::reduce_add(row_sum)) + static_cast<double>(tail_sum);
    std::fill(gi + N, gi + ld, T(0));
  }
  return total;
}

}  // namespace detail

// A loss whose value is the mean of PerElement(y, t) over every output of every sample.
// Provides the whole Loss contract (loss/loss.hpp) with no fusion; a loss that fuses (BCE after a
// sigmoid) overrides fusion, accepts_output and evaluate.
template <auto PerElement>
struct elementwise_loss {
  static_assert(expr::Expr<decltype(PerElement)>,
                "elementwise_loss<e> takes an expression of loss_y (the output) and loss_t (the "
                "target)");
  // The loss of one element, and its derivative with respect to the output: derived.
  static constexpr auto per_element = PerElement;
  static constexpr auto gradient = expr::simplify<expr::partial(PerElement, loss_y)>();

  template <class T>
  using target_of = T;
  template <AnyShape Out>
  static constexpr std::size_t targets_per_sample = Out::size;

  template <class Last, bool DenseThenLast>
  static constexpr loss_fusion fusion = loss_fusion::none;
  template <class Last>
  static constexpr bool accepts_output = true;
  template <class Last>
  struct rejects_output {};

  // The mean loss over the first `rows` rows of in.y against targets (B rows of N = Out::size);
  // dL/dy of the batch mean (divided by B N) into grad, B rows ld apart, padding zero.
  template <std::size_t B, AnyShape Out, class T, bool Fused = false>
  static T evaluate(const loss_input<T>& in, const T* targets, T* grad, std::size_t ld,
                    std::size_t rows = B) {
    constexpr std::size_t N = Out::size;
    const double total = detail::elementwise_loss_rows<per_element, gradient, B, N>(
        in.y, in.ld_y, targets, grad, ld, rows, T(1) / T(B * N));
    return static_cast<T>(total / static_cast<double>(rows * N));
  }
};

}  // namespace nerve
