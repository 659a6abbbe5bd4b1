// nerve/layers/per_feature.hpp: layers whose output is an element-wise function of the input and
// of per-feature parameters, y = F(x, p0, p1, ...), with p_k[j] shared by every row. The layer
// writes F as an expression of x and expr::param<k>; the backward pass is derived from it:
//   dx    = vjp(F, x)  evaluated per element,
//   dp_k  = sum over rows of vjp(F, param<k>),
// with F's output read back where the derivative contains it (so a * x + b keeps nothing extra).
//
// per_feature<F, P>::forward / backward run over `rows` rows of `features` elements, rows `ld`
// apart, with P parameter arrays of `features` elements; a layer calls them from its own
// forward(ctx) / backward(ctx) (layers/affine.hpp is the plain case, layers/layer_norm.hpp applies
// it after normalising).
#pragma once

#include <array>
#include <tuple>    // std::tie
#include <cstddef>  // std::size_t
#include <type_traits>
#include <utility>  // std::index_sequence

#include "nerve/config.hpp"         // NERVE_INLINE; xsimd
#include "nerve/eval/evaluate.hpp"  // nerve::expr::evaluate, symbol_context
#include "nerve/eval/pointwise.hpp" // nerve::expr::pointwise
#include "nerve/layers/weight_and_bias.hpp"  // nerve::weight_and_bias_arrays
#include "nerve/eval/lanes.hpp"     // nerve::expr::for_each_lane, load_lanes, store_lanes
#include "nerve/expr/functions.hpp" // nerve::expr::functions
#include "nerve/expr/node.hpp"      // nerve::expr::Var, Param
#include "nerve/shape/shape.hpp"    // nerve::AnyShape
#include "nerve/tensor/tensor.hpp"  // nerve::Tensor

namespace nerve {

// The (weight, bias) pair of an element-wise affine part, each of shape S, named as PyTorch names
// them; weight starts at 1 and bias at 0 (reset()), as PyTorch's normalisation layers start.
template <class T, AnyShape S>
struct weight_and_bias : weight_and_bias_arrays<T, S, S> {
  void reset() noexcept {
    this->weight.fill(1);
    this->bias.fill(0);
  }
};

template <auto F, std::size_t P>
struct per_feature {
  static constexpr auto function = F;
  // F as a one-output function of one variable and P parameters (eval/pointwise.hpp), which
  // derives the gradients and runs the forward pass of each row.
  using cell = expr::pointwise<expr::functions(F), 1, P>;
  // dL/dx and dL/dp_k as expressions of x, the parameters, y (Output<0>) and dy (OutputGrad<0>).
  static constexpr auto input_gradient = cell::template variable_gradient<0>;
  template <std::size_t K>
  static constexpr auto parameter_gradient = cell::template parameter_gradient<K>;

  template <class V, class T>
  NERVE_INLINE static expr::symbol_context<V, 1, P, 1> context(V x, const std::array<const T*, P>& p,
                                                                std::size_t j, V y, V dy) {
    expr::symbol_context<V, 1, P, 1> c{};
    c.variables[0] = x;
    for (std::size_t k = 0; k < P; ++k) c.params[k] = expr::load_lanes<V>(p[k] + j);
    c.outputs[0] = y;
    c.output_grads[0] = dy;
    return c;
  }

  // y = F(x, p) for `rows` rows of Features elements; x and y may be the same memory.
  template <std::size_t Features, class T>
  static void forward(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows,
                      const std::array<const T*, P>& p) {
    for (std::size_t r = 0; r < rows; ++r) {
      cell::template forward<Features, T>({x + r * ldx}, p, {y + r * ldy});
    }
  }

  // dx = vjp(F, x) (when dx is not null) and dp_k = sum over rows of vjp(F, p_k), added to
  // grads[k] when Accumulate, else written. (Its own loop, not cell::backward: the parameter
  // gradients are summed over the rows in registers.)
  template <std::size_t Features, bool Accumulate, class T>
  static void backward(const T* x, std::size_t ldx, const T* y, const T* dy, std::size_t ldy,
                       T* dx, std::size_t ld_dx, std::size_t rows,
                       const std::array<const T*, P>& p, const std::array<T*, P>& grads) {
    expr::for_each_lane<Features, T>([&](std::size_t j, auto tag) {
      using V = typename decltype(tag)::type;
      std::array<V, P> sums;
      sums.fill(V(0));
      for (std::size_t r = 0; r < rows; ++r) {
        const auto c = context<V, T>(expr::load_lanes<V>(x + r * ldx + j), p, j,
                                     expr::load_lanes<V>(y + r * ldy + j),
                                     expr::load_lanes<V>(dy + r * ldy + j));
        if (dx != nullptr) expr::store_lanes(dx + r * ld_dx + j, expr::evaluate<V>(input_gradient, c));
        [&]<std::size_t... K>(std::index_sequence<K...>) {
          ((sums[K] = sums[K] + expr::evaluate<V>(parameter_gradient<K>, c)), ...);
        }(std::make_index_sequence<P>{});
      }
      for (std::size_t k = 0; k < P; ++k) {
        if constexpr (Accumulate) sums[k] = sums[k] + expr::load_lanes<V>(grads[k] + j);
        expr::store_lanes(grads[k] + j, sums[k]);
      }
    });
  }
};

}  // namespace nerve
