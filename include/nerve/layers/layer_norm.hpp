// nerve/layers/layer_norm.hpp: LayerNorm<axes = 1, eps = 1e-5>, PyTorch's
// nn.LayerNorm(normalized_shape, eps) with its elementwise affine: each sample is normalised over
// its last `axes` axes (a group of N = the product of those dimensions; a sample has
// In::size / N groups), then scaled and shifted per element of the normalised shape:
//   xhat = (x - mean) / sqrt(var + eps)     mean, var over the group; var biased (divided by N)
//   y    = weight * xhat + bias             weight, bias of the normalised shape (1 and 0 at start)
// Training and inference compute the same thing (no running statistics).
//
// The affine part is per_feature<param<0> * x + param<1>, 2> (layers/per_feature.hpp): its
// backward pass (dxhat = dy * weight, dweight = sum dy * xhat, dbias = sum dy over every group of
// the batch) is derived from that expression. The normalisation's backward is a reduction over the
// group and is written here:
//   dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),   rstd = 1 / sqrt(var + eps).
// Forward keeps (mean, rstd) per group (2 values, B * groups * 2 in all); backward recomputes
// xhat = (x - mean) * rstd from x into scratch (the same operations as forward, so the same bits)
// rather than keeping it: B * In::size values of kept memory would live from the forward pass to
// the backward pass, while scratch is shared with every other layer, and recomputing costs two
// operations per element of a pass that reads x anyway.
#pragma once

#include <array>
#include <cmath>    // std::sqrt
#include <cstddef>  // std::size_t
#include <cstdio>   // std::snprintf
#include <string>
#include <type_traits>
#include <utility>  // std::index_sequence

#include "nerve/config.hpp"                // NERVE_INLINE; xsimd
#include "nerve/eval/lanes.hpp"            // nerve::expr::for_each_lane, lane_sum, load_lanes, store_lanes
#include "nerve/expr/build.hpp"            // operator*, operator+ on expressions
#include "nerve/expr/node.hpp"             // nerve::expr::x, param
#include "nerve/expr/ops/math.hpp"         // nerve::math::is_scalar
#include "nerve/layers/layer.hpp"          // nerve::layer, workspace_request, mode
#include "nerve/layers/per_feature.hpp"    // nerve::per_feature, weight_and_bias
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape, AnyShape

namespace nerve {

namespace detail {

// The shape of the last K axes of S: trailing_shape<Shape<3, 4, 5>, 2>::type is Shape<4, 5>.
template <AnyShape S, std::size_t K>
struct trailing_shape;
template <std::size_t... D, std::size_t K>
struct trailing_shape<Shape<D...>, K> {
  static constexpr std::array<std::size_t, sizeof...(D)> dims{D...};
  template <std::size_t... I>
  static auto make(std::index_sequence<I...>) -> Shape<dims[sizeof...(D) - K + I]...>;
  using type = decltype(make(std::make_index_sequence<K>{}));
};

// Mean and 1 / sqrt(biased variance + eps) of N values: two passes (mean, then squared
// deviations), so the variance is never negative and loses nothing to cancellation.
template <std::size_t N, class T>
NERVE_INLINE void group_moments(const T* x, T eps, T& mean, T& rstd) {
  const T m = expr::lane_sum<N, T>([&](std::size_t j, auto tag) {
                using V = typename decltype(tag)::type;
                return expr::load_lanes<V>(x + j);
              }) /
              T(N);
  const T var = expr::lane_sum<N, T>([&](std::size_t j, auto tag) {
                  using V = typename decltype(tag)::type;
                  const V d = expr::load_lanes<V>(x + j) - V(m);
                  return d * d;
                }) /
                T(N);
  mean = m;
  rstd = T(1) / std::sqrt(var + eps);
}

// xhat = (x - mean) * rstd over N values; x and xhat may be the same memory.
template <std::size_t N, class T>
NERVE_INLINE void normalize_group(const T* x, T mean, T rstd, T* xhat) {
  expr::for_each_lane<N, T>([&](std::size_t j, auto tag) {
    using V = typename decltype(tag)::type;
    expr::store_lanes(xhat + j, (expr::load_lanes<V>(x + j) - V(mean)) * V(rstd));
  });
}

// dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) over N values, in place on
// dxhat: the gradient through the mean and variance of one group.
template <std::size_t N, class T>
NERVE_INLINE void normalize_group_backward(const T* xhat, T rstd, T* dxhat) {
  const T mean_d = expr::lane_sum<N, T>([&](std::size_t j, auto tag) {
                     using V = typename decltype(tag)::type;
                     return expr::load_lanes<V>(dxhat + j);
                   }) /
                   T(N);
  const T mean_dx = expr::lane_sum<N, T>([&](std::size_t j, auto tag) {
                      using V = typename decltype(tag)::type;
                      return expr::load_lanes<V>(dxhat + j) * expr::load_lanes<V>(xhat + j);
                    }) /
                    T(N);
  expr::for_each_lane<N, T>([&](std::size_t j, auto tag) {
    using V = typename decltype(tag)::type;
    const V d = expr::load_lanes<V>(dxhat + j);
    const V h = expr::load_lanes<V>(xhat + j);
    expr::store_lanes(dxhat + j, V(rstd) * (d - V(mean_d) - h * V(mean_dx)));
  });
}

}  // namespace detail

// LayerNorm<> normalises over the last axis (a rank-1 input: the whole vector); LayerNorm<2> over
// the last two; LayerNorm<1, 1e-6> with another eps (a double, a float or an integer).
template <long Axes = 1, auto Eps = 1e-5>
struct LayerNorm : layer {
  static_assert(std::is_arithmetic_v<decltype(Eps)>,
                "LayerNorm<axes, eps> takes eps as a number, e.g. LayerNorm<1, 1e-6>");
  static constexpr std::size_t axes = Axes > 0 ? static_cast<std::size_t>(Axes) : 0;
  static constexpr double eps = static_cast<double>(Eps);

  static constexpr bool valid_parameters = Axes >= 1 && eps > 0.0;
  template <class At>
  struct rejects_parameters {
    static_assert(Axes >= 1 || meta::dependent_false<At>,
                  "LayerNorm<axes> normalises over the last axes of its input, at least 1 of "
                  "them: LayerNorm<1> (the default) normalises over the last axis");
    static_assert(Axes < 1 || eps > 0.0 || meta::dependent_false<At>,
                  "LayerNorm<axes, eps> needs eps > 0: it keeps 1 / sqrt(var + eps) finite where "
                  "a group's values are all equal");
  };

  template <AnyShape In>
  static constexpr bool accepts = In::rank >= axes;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "LayerNorm<axes> normalises over the last axes of its input, and this input has "
                  "fewer axes than that: use a smaller axes or an input of higher rank");
  };

  template <AnyShape In>
  using output_shape = In;

  // The shape weight and bias have, and the groups of a sample.
  template <AnyShape In>
  using normalized_shape = typename detail::trailing_shape<In, axes>::type;
  template <AnyShape In>
  static constexpr std::size_t group_size = normalized_shape<In>::size;
  template <AnyShape In>
  static constexpr std::size_t groups = In::size / group_size<In>;

  // y = weight * xhat + bias, its backward derived from the expression.
  static constexpr auto function = expr::param<0> * expr::x + expr::param<1>;
  using affine = per_feature<function, 2>;

  static std::string name() {
    if constexpr (Axes == 1 && eps == 1e-5) {
      return "LayerNorm";
    } else if constexpr (eps == 1e-5) {
      return "LayerNorm<" + std::to_string(Axes) + ">";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "LayerNorm<%ld, %g>", static_cast<long>(Axes), eps);
      return buf;
    }
  }

  template <class T, AnyShape In>
  using parameters = weight_and_bias<T, normalized_shape<In>>;  // start at 1 and 0

  // kept: (mean, rstd) of every group of the batch; scratch: xhat, recomputed by backward.
  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{
      .kept = M == mode::training ? B * groups<In> * 2 : 0,
      .scratch = M == mode::training ? B * In::size : 0};

  // Per element: the mean (1), the squared deviations (3), the normalisation (2), the affine (2).
  template <AnyShape In>
  static constexpr std::size_t forward_flops = 8 * In::size;
  // Per element: xhat again (2), dxhat (1), dweight and dbias (3), the two means (3), dx (4).
  template <AnyShape In>
  static constexpr std::size_t backward_flops = 13 * In::size;

  template <class Ctx>
  static void initialize(Ctx& ctx) {
    ctx.params.reset();
  }

  template <class Ctx>
  static void forward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    constexpr std::size_t N = group_size<In>;
    constexpr std::size_t G = groups<In>;
    const std::array<const T*, 2> p{ctx.params.weight.data(), ctx.params.bias.data()};
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      const T* x = ctx.x + b * ctx.ldx;
      T* y = ctx.y + b * ctx.ldy;
      for (std::size_t g = 0; g < G; ++g) {
        T mean, rstd;
        detail::group_moments<N>(x + g * N, static_cast<T>(eps), mean, rstd);
        detail::normalize_group<N>(x + g * N, mean, rstd, y + g * N);
        if (ctx.kept != nullptr) {  // a pass to be differentiated
          ctx.kept[2 * (b * G + g)] = mean;
          ctx.kept[2 * (b * G + g) + 1] = rstd;
        }
      }
      affine::template forward<N>(y, N, y, N, G, p);  // the sample's G groups are rows N apart
    }
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    constexpr std::size_t B = Ctx::batch;
    constexpr std::size_t N = group_size<In>;
    constexpr std::size_t G = groups<In>;
    const T* stats = ctx.kept;
    T* xhat = ctx.scratch;  // B rows of In::size, no padding
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t g = 0; g < G; ++g) {
        const std::size_t k = 2 * (b * G + g);
        detail::normalize_group<N>(ctx.x + b * ctx.ldx + g * N, stats[k], stats[k + 1],
                                   xhat + b * In::size + g * N);
      }
    }
    // The affine part: dxhat into dx (when there is one), dweight and dbias summed over every
    // group of the batch (written).
    const std::array<const T*, 2> p{ctx.params.weight.data(), ctx.params.bias.data()};
    const std::array<T*, 2> grads{ctx.grads.weight.data(), ctx.grads.bias.data()};
    if constexpr (G == 1) {  // a group per sample: the batch is B rows of it
      affine::template backward<N, /*Accumulate=*/false>(xhat, N, ctx.y, ctx.dy, ctx.ldy, ctx.dx,
                                                         ctx.ld_dx, B, p, grads);
    } else {  // G rows N apart per sample; the samples' sums added to the first one's
      for (std::size_t b = 0; b < B; ++b) {
        T* dx = ctx.dx != nullptr ? ctx.dx + b * ctx.ld_dx : nullptr;
        const T* x = xhat + b * In::size;
        const T* y = ctx.y + b * ctx.ldy;
        const T* dy = ctx.dy + b * ctx.ldy;
        if (b == 0) affine::template backward<N, false>(x, N, y, dy, N, dx, N, G, p, grads);
        else affine::template backward<N, true>(x, N, y, dy, N, dx, N, G, p, grads);
      }
    }
    if (ctx.dx == nullptr) return;
    // Through the mean and the variance, one group at a time.
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t g = 0; g < G; ++g) {
        detail::normalize_group_backward<N>(xhat + b * In::size + g * N, stats[2 * (b * G + g) + 1],
                                            ctx.dx + b * ctx.ld_dx + g * N);
      }
    }
  }
};

}  // namespace nerve
