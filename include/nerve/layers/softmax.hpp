// nerve/layers/softmax.hpp: Softmax, exp(x_i - max x) / sum_j exp(x_j - max x) over a vector.
// Before CrossEntropy it is fused into the loss (gradient p - onehot, loss/cross_entropy.hpp);
// anywhere else it is a pass of its own with the Jacobian-vector product as backward. On a
// sequence, (steps, classes), it normalises each step, as PyTorch's Softmax(dim=-1).
#pragma once

#include <cstddef>  // std::size_t
#include <string>

#include "nerve/config.hpp"  // xsimd (included there, with g++'s false warnings silenced)

#include "nerve/eval/lanes.hpp"            // nerve::expr::for_each_lane, lane_sum, load_lanes, store_lanes
#include "nerve/expr/ops/math.hpp"         // nerve::math::exp
#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false

namespace nerve {

namespace detail {

// The largest of x[0..N), a register at a time: a scalar loop is one chain of N dependent
// compares (about 90 ns for 64 classes, most of a softmax row's time). The maximum is exact, so
// the order does not change it; with a NaN among x the result is some value of x, and the NaN
// reaches the softmax (and the loss) through its own exponential.
template <std::size_t N, class T>
T row_max(const T* x) {
  xsimd::batch<T> wide(x[0]);
  T peak = x[0];
  expr::for_each_lane<N, T>([&](std::size_t i, auto tag) {
    using V = typename decltype(tag)::type;
    if constexpr (math::is_scalar<V>) peak = x[i] > peak ? x[i] : peak;
    else wide = xsimd::max(wide, V::load_unaligned(x + i));
  });
  if constexpr (N >= xsimd::batch<T>::size) {
    alignas(64) T lanes[xsimd::batch<T>::size];  // xsimd 8 has no reduce_max
    wide.store_aligned(lanes);
    for (const T w : lanes) peak = w > peak ? w : peak;
  }
  return peak;
}

// y = softmax(x) over N values; x and y may be the same memory.
template <std::size_t N, class T>
void softmax_row(const T* x, T* y) {
  const T peak = row_max<N>(x);
  const T total = expr::lane_sum<N, T>([&](std::size_t i, auto tag) {
    using V = typename decltype(tag)::type;
    const V e = math::exp(expr::load_lanes<V>(x + i) - V(peak));
    expr::store_lanes(y + i, e);
    return e;
  });
  const T inv = T(1) / total;
  for (std::size_t i = 0; i < N; ++i) y[i] *= inv;
}

}  // namespace detail

struct Softmax : layer {
  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1 || In::rank == 2;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "Softmax normalises a vector of scores (or each step of a sequence): insert "
                  "Flatten (and usually Dense<classes>) before this Softmax");
  };

  // The scores normalised together: the last dimension.
  template <AnyShape In>
  static constexpr std::size_t classes = In::dims[In::rank - 1];

  template <AnyShape In>
  using output_shape = In;

  static std::string name() { return "Softmax"; }

  // Its input is the logits: network.logits(x) returns them, CrossEntropy reads them.
  static constexpr bool turns_logits_into_probabilities = true;

  template <AnyShape In>  // a max, a subtraction, an exp, a sum and a product per element
  static constexpr std::size_t forward_flops = 5 * In::size;

  // y = softmax(x) for each of the B rows.
  template <class Ctx>
  static void forward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    constexpr std::size_t N = classes<In>;
    for (std::size_t i = 0; i < Ctx::batch; ++i) {
      for (std::size_t s = 0; s < In::size; s += N) {
        detail::softmax_row<N>(ctx.x + i * ctx.ldx + s, ctx.y + i * ctx.ldy + s);
      }
    }
  }

  // dx = y * (dy - <dy, y>), the softmax Jacobian (diag(y) - y y^T) applied to dy.
  template <class Ctx>
  static void backward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    if (ctx.dx == nullptr) return;
    constexpr std::size_t N = classes<In>;
    for (std::size_t i = 0; i < Ctx::batch; ++i) {
      for (std::size_t s = 0; s < In::size; s += N) {
        const T* y = ctx.y + i * ctx.ldy + s;
        const T* dy = ctx.dy + i * ctx.ldy + s;
        T* dx = ctx.dx + i * ctx.ld_dx + s;
        T inner = 0;
        for (std::size_t j = 0; j < N; ++j) inner += dy[j] * y[j];
        for (std::size_t j = 0; j < N; ++j) dx[j] = y[j] * (dy[j] - inner);
      }
    }
  }
};

}  // namespace nerve
