// nerve/layers/global_avg_pool.hpp: GlobalAvgPool, the mean of each channel's plane: an image
// (channels, height, width) becomes a vector of its channels' means, (C). PyTorch's
// nn.AdaptiveAvgPool2d(1) followed by flatten (or x.mean(dim=(2, 3))), so a Dense can follow
// directly. Backward spreads dy / (H * W) over the plane. Nothing is kept.
#pragma once

#include <algorithm>  // std::fill_n
#include <cstddef>    // std::size_t
#include <string>
#include <type_traits>  // std::integral_constant

#include "nerve/eval/lanes.hpp"            // nerve::expr::lane_sum, load_lanes
#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/layers/pool_window.hpp"    // nerve::detail::got_shape
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape, AnyShape
#include "nerve/shape/window.hpp"          // nerve::is_image

namespace nerve {

struct GlobalAvgPool : layer {
  template <AnyShape In>
  static constexpr bool accepts = is_image<In>;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "GlobalAvgPool averages each channel of an image (channels, height, width), a "
                  "rank-3 input, and this one is not: put it after the convolutions, before "
                  "Flatten (it gives a vector itself, so no Flatten is needed after it)");
  };

  template <AnyShape In>
  using output_shape = Shape<In::dims[0]>;

  static std::string name() { return "GlobalAvgPool"; }

  // Per plane: H * W - 1 additions and a division, so about one operation per input value.
  template <AnyShape In>
  static constexpr std::size_t forward_flops = In::size;
  // Per plane: a division (the share is then stored H * W times: data movement, not counted).
  template <AnyShape In>
  static constexpr std::size_t backward_flops = In::dims[0];

  // The mean of one plane (H x W, rows RowStride apart) into *y: dense planes as one sum, others
  // row by row (inside a convolution's output pass at inference, network/execute.hpp).
  static constexpr bool pools_planes = true;
  template <class T, AnyShape In, std::size_t RowStride>
  static void pool_plane(const T* plane, T* y) noexcept {
    constexpr std::size_t H = In::dims[1], W = In::dims[2];
    auto sum = [](const T* from, auto n) {
      return expr::lane_sum<decltype(n)::value, T>([&](std::size_t j, auto tag) {
        using V = typename decltype(tag)::type;
        return expr::load_lanes<V>(from + j);
      });
    };
    T total = 0;
    if constexpr (RowStride == W) {
      total = sum(plane, std::integral_constant<std::size_t, H * W>{});
    } else {
      for (std::size_t h = 0; h < H; ++h)
        total += sum(plane + h * RowStride, std::integral_constant<std::size_t, W>{});
    }
    *y = total / static_cast<T>(H * W);
  }

  template <class Ctx>
  static void forward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    using In = typename Ctx::in_shape;
    constexpr std::size_t C = In::dims[0], N = In::dims[1] * In::dims[2];
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      const T* x = ctx.x + b * ctx.ldx;
      T* y = ctx.y + b * ctx.ldy;
      for (std::size_t c = 0; c < C; ++c) pool_plane<T, In, In::dims[2]>(x + c * N, y + c);
    }
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    using In = typename Ctx::in_shape;
    constexpr std::size_t C = In::dims[0], N = In::dims[1] * In::dims[2];
    if (ctx.dx == nullptr) return;
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      const T* dy = ctx.dy + b * ctx.ldy;
      T* dx = ctx.dx + b * ctx.ld_dx;
      for (std::size_t c = 0; c < C; ++c) std::fill_n(dx + c * N, N, dy[c] / static_cast<T>(N));
    }
  }
};

}  // namespace nerve
