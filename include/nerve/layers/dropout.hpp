// nerve/layers/dropout.hpp: Dropout<rate>, PyTorch's nn.Dropout(p) (inverted dropout). In training
// each element is zeroed with probability p and the survivors are scaled by 1 / (1 - p), so that
// the expected output is the input; at inference it is the identity, and the network treats it as
// a view that costs nothing (identity_at_inference, network/execute.hpp).
//
// The mask comes from ctx.random(): the stream of (network seed, this layer's position, training
// step), so a seed gives the same masks on every run, and the forward and backward passes of one
// step (and any loss evaluation in between) see the same mask. Forward keeps the mask in the
// layer's kept memory as the factor of each element (0 or 1 / (1 - p)); backward is dx = dy * mask.
//
// Drawing the mask: one 64-bit draw of the stream gives four 16-bit uniform integers u, taken from
// the low bits up; an element is dropped where u < round(p * 2^16). The drop probability is p
// rounded to a multiple of 2^-16, within 7.7e-6 of p (a rate below 2^-17 is treated as 0; one
// within 2^-17 of 1 keeps 1 element in 65536); the survivors' factor is the exact 1 / (1 - p), as
// in PyTorch. Elements are drawn in row-major order over the batch, sample after sample.
#pragma once

#include <algorithm>  // std::copy_n
#include <cstddef>    // std::size_t
#include <cstdint>    // std::uint64_t
#include <cstdio>     // std::snprintf
#include <string>
#include <type_traits>

#include "nerve/config.hpp"                // NERVE_INLINE; xsimd
#include "nerve/eval/lanes.hpp"            // nerve::expr::for_each_lane, load_lanes, store_lanes
#include "nerve/init/random.hpp"           // nerve::Random
#include "nerve/layers/layer.hpp"          // nerve::layer, workspace_request, mode
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::AnyShape

namespace nerve {

namespace detail {

// out[i] = a[i] * b[i] over N values, SIMD with a scalar tail.
template <std::size_t N, class T>
NERVE_INLINE void multiply_row(const T* a, const T* b, T* out) {
  expr::for_each_lane<N, T>([&](std::size_t j, auto tag) {
    using V = typename decltype(tag)::type;
    expr::store_lanes(out + j, expr::load_lanes<V>(a + j) * expr::load_lanes<V>(b + j));
  });
}

}  // namespace detail

// The rate may be written as a double, a float or an integer: Dropout<0.5>, Dropout<0.1f>,
// Dropout<0>. PyTorch's default is 0.5.
template <auto Rate = 0.5>
struct Dropout : layer {
  static_assert(std::is_arithmetic_v<decltype(Rate)>,
                "Dropout<rate> takes a number, e.g. Dropout<0.5>");
  static constexpr double rate = static_cast<double>(Rate);

  static constexpr bool valid_parameters = rate >= 0.0 && rate < 1.0;
  template <class At>
  struct rejects_parameters {
    static_assert(meta::dependent_false<At>,
                  "Dropout<rate> needs a rate in [0, 1), the probability of zeroing an element: 0 "
                  "keeps every element and 1 would zero them all");
  };

  // At inference the output is the input: the network passes the rows on without a call.
  static constexpr bool identity_at_inference = true;

  // The factor of a survivor, 1 / (1 - p) (0 for a rate the network refuses anyway).
  static constexpr double scale = valid_parameters ? 1.0 / (1.0 - rate) : 0.0;
  // 16-bit uniforms below this are dropped: p * 2^16, rounded, at most 2^16 - 1.
  static constexpr std::uint64_t threshold = [] {
    const double t = rate * 65536.0 + 0.5;
    if (!(t >= 0.0)) return std::uint64_t{0};
    return t >= 65535.0 ? std::uint64_t{65535} : static_cast<std::uint64_t>(t);
  }();
  // A rate of 0 (or one that rounds to it) draws nothing and keeps nothing: y = x.
  static constexpr bool drops = valid_parameters && threshold > 0;

  template <AnyShape In>
  using output_shape = In;

  static std::string name() {
    char buf[48];
    std::snprintf(buf, sizeof buf, "Dropout<%g>", rate);
    return buf;
  }

  // The mask, one factor per element of the batch, kept from forward to backward in training.
  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{
      .kept = M == mode::training && drops ? B * In::size : 0};

  template <AnyShape In>  // the product by the mask (drawing it is not counted)
  static constexpr std::size_t forward_flops = In::size;
  template <AnyShape In>  // dx = dy * mask
  static constexpr std::size_t backward_flops = In::size;

  // N factors into mask: 0 where dropped, 1 / (1 - p) elsewhere; four elements per 64-bit draw.
  template <std::size_t N, class T>
  static void draw_mask(Random rng, T* mask) noexcept {
    const T keep = static_cast<T>(scale);
    auto factor = [&](std::uint64_t bits) { return (bits & 0xFFFFu) < threshold ? T(0) : keep; };
    std::size_t e = 0;
    for (; e + 4 <= N; e += 4) {
      const std::uint64_t bits = rng.next();
      mask[e] = factor(bits);
      mask[e + 1] = factor(bits >> 16);
      mask[e + 2] = factor(bits >> 32);
      mask[e + 3] = factor(bits >> 48);
    }
    if constexpr (N % 4 != 0) {  // the first N % 4 uniforms of one more draw
      std::uint64_t bits = rng.next();
      for (; e < N; ++e, bits >>= 16) mask[e] = factor(bits);
    }
  }

  // Training: draw the mask into kept, y = x * mask. Inference (when called at all): y = x.
  template <class Ctx>
  static void forward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    constexpr std::size_t B = Ctx::batch;
    if constexpr (drops) {
      if (ctx.training() && ctx.kept != nullptr) {
        draw_mask<B * In::size>(ctx.random(), ctx.kept);
        for (std::size_t i = 0; i < B; ++i) {
          detail::multiply_row<In::size>(ctx.x + i * ctx.ldx, ctx.kept + i * In::size,
                                         ctx.y + i * ctx.ldy);
        }
        return;
      }
    }
    for (std::size_t i = 0; i < B; ++i) {
      std::copy_n(ctx.x + i * ctx.ldx, In::size, ctx.y + i * ctx.ldy);
    }
  }

  // Training: dx = dy * mask. Inference (the gradient of an input, network.hpp): dx = dy.
  template <class Ctx>
  static void backward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    constexpr std::size_t B = Ctx::batch;
    if (ctx.dx == nullptr) return;
    if constexpr (drops) {
      if (ctx.training()) {
        for (std::size_t i = 0; i < B; ++i) {
          detail::multiply_row<In::size>(ctx.dy + i * ctx.ldy, ctx.kept + i * In::size,
                                         ctx.dx + i * ctx.ld_dx);
        }
        return;
      }
    }
    for (std::size_t i = 0; i < B; ++i) {
      std::copy_n(ctx.dy + i * ctx.ldy, In::size, ctx.dx + i * ctx.ld_dx);
    }
  }
};

}  // namespace nerve
