// nerve/kernels/depthwise.hpp: the forward and backward passes of a convolution whose groups each
// read one input channel (PyTorch's depthwise Conv2d, groups = channels), for stride 1.
//
// Why its own kernel: conv.hpp's products put filters in a tile's rows and output positions in
// its registers, and share the operand rows of a tap among the filters. A depthwise group has one
// channel and (usually) one filter, so each operand row it builds (a column copy, an im2col row)
// serves a single multiply-add per element: building them cost as much as the products. Here the
// padded input plane is read in place, and a block of R output rows is computed at once: each
// input row, loaded at each kernel column's shift, serves every output row of the block it falls
// under (up to KH of them), so a block of R rows loads (R + KH - 1) KW rows for R KH KW rows of
// multiply-adds.
//
// Backward, per channel and filter: dZ from the activation's derivative (the prologue); the
// input gradient as the same forward kernel run on dZ placed in a zero margin of (KH - 1) dh rows
// and (KW - 1) dw columns, with the kernel flipped (a correlation that yields the padded input's
// gradient, whose interior is dX); the weight gradient as KH KW registers of sums over dZ's rows
// times the padded input's rows, added across their lanes at the end; the bias gradient as dZ's
// sum.
//
// Layout as conv.hpp's: input C x H x W per sample, output F x OH x OW with F = groups * k (filter
// g k + m reads channel g), weights F x 1 x KH x KW (PyTorch's [out, in / groups, kh, kw]).
#pragma once

#include <algorithm>  // std::fill_n, std::fill, std::min
#include <cstddef>    // std::size_t
#include <type_traits>  // std::is_same_v

#include "nerve/config.hpp"            // NERVE_INLINE, NERVE_RESTRICT; xsimd
#include "nerve/kernels/conv.hpp"      // conv_geometry, detail::copy_row
#include "nerve/kernels/epilogue.hpp"  // CopyPlanes
#include "nerve/kernels/layout.hpp"    // lanes, round_up
#include "nerve/kernels/simd.hpp"      // simd, width, vector_registers, unrolled_for

namespace nerve::kernels {

// Whether a group's geometry G (one group: G.channels input channels, G.filters outputs) can run
// on this kernel: one channel a group, stride 1. (A column stride would make each loaded row a
// gather; those shapes keep conv.hpp's im2col.)
constexpr bool depthwise_applies(const conv_geometry& g) noexcept {
  return g.channels == 1 && g.unit_stride();
}

// Whether it pays, against running conv.hpp's kernels once per group (bench/conv_algorithms.cpp;
// docs/design.md, "Depthwise convolution"): where output rows are wider than half a cache line
// of floats. There the forward pass measured 1.6-3.1x faster with one filter a channel, 1.3-1.6x
// with two or four, and the backward pass 1.2-1.7x. Narrower rows leave half of each register or
// more idle here, where conv.hpp's one run of registers over the whole plane does not: 8 x 8
// planes ran 1.15-1.4x slower here (7 x 7 planes 1.12-1.2x faster; the rule keeps conv.hpp for
// both).
constexpr bool depthwise_pays(const conv_geometry& g) noexcept {
  return depthwise_applies(g) && 2 * g.out_w() > 16;
}

// The scratch of depthwise_forward, elements of T, every region 64-byte aligned: one padded input
// plane with the zeros its last rows' registers read past it, then an output plane and a
// pre-activation plane of OH rows of `row` values.
template <conv_geometry G, class T>
struct depthwise_plan {
  static constexpr std::size_t L = lanes<T>;
  static constexpr std::size_t row = round_up(G.out_w(), L);  // a plane's rows, whole registers
  static constexpr std::size_t source = round_up(G.plane() + row + G.dw * (G.kw - 1) + L, L);
  static constexpr std::size_t plane = G.out_h() * row;
  static constexpr std::size_t scratch = source + 2 * plane;
};

namespace detail {

// The interior of one input channel's padded plane: x (H x W) into src at row pt, column pl. The
// borders and the tail are left as they are (zeros, written once by the caller).
template <conv_geometry G, class T>
NERVE_INLINE void pad_plane_interior(const T* NERVE_RESTRICT x, T* NERVE_RESTRICT src) noexcept {
  if constexpr (G.pl + G.pr == 0) {
    std::copy_n(x, G.height * G.width, src + G.pt * G.wp());
  } else {
    for (std::size_t i = 0; i < G.height; ++i)
      copy_row<G.width>(x + i * G.width, src + (i + G.pt) * G.wp() + G.pl);
  }
}

// R output rows from oh0, V registers from column v0 W of each: acc[r][v] = bias + sum over taps
// (i, j) of w[i KW + j] src[(oh0 + r + i dh) Wp + v0 W + v W + j dw]. Input row hh of the block
// (from oh0) is loaded once per kernel column and feeds output rows r = hh - i dh; the test on
// (hh, r) is a constant once the loops are unrolled.
template <conv_geometry G, std::size_t R, std::size_t V, class Arch, class T>
NERVE_INLINE void depthwise_rows(const T* NERVE_RESTRICT src, const T* NERVE_RESTRICT w, T bias,
                                 simd<T, Arch> (&acc)[R][V]) noexcept {
  constexpr std::size_t W = width<T, Arch>, span = R + (G.kh - 1) * G.dh;
  unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
    unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA { acc[r][v] = simd<T, Arch>(bias); });
  });
  unrolled_for<span>([&](std::size_t hh) NERVE_TILE_LAMBDA {
    unrolled_for<G.kw>([&](std::size_t j) NERVE_TILE_LAMBDA {
      simd<T, Arch> in[V];
      unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA {
        in[v] = load_unaligned<Arch>(src + hh * G.wp() + j * G.dw + v * W);
        keep_in_register<T, Arch>(in[v]);  // one load, used by up to KH rows
      });
      unrolled_for<R>([&](std::size_t r) NERVE_TILE_LAMBDA {
        if (hh < r || (hh - r) % G.dh != 0 || (hh - r) / G.dh >= G.kh) return;
        const auto wv = broadcast<Arch>(w[(hh - r) / G.dh * G.kw + j]);
        unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA { acc[r][v] = xsimd::fma(wv, in[v], acc[r][v]); });
      });
    });
  });
}

// One output plane of one filter from its padded input plane: each finished register z = conv +
// bias (output row oh, columns col to col + W) goes to store(oh, col, z).
template <conv_geometry G, class Arch, class T, class Store>
NERVE_INLINE void depthwise_plane(const T* src, const T* w, T bias, const Store& store) noexcept {
  constexpr std::size_t W = width<T, Arch>, NV = depthwise_plan<G, T>::row / W;
  // The register tile: R output rows of V registers. The registers hold R V accumulators, V
  // loaded rows, the kernel's weights where it is small (g++ keeps their broadcasts in registers
  // across the blocks) and one spare. V is the widest column block up to 4 registers that leaves
  // room for at least 2 rows (at 3x3, AVX-512's 32 registers: V = 2, R = 10; AVX2's 16: V = 2,
  // R = 2, where 4 registers a row would leave room for one row and a load per multiply-add).
  // An input row's loads serve (R + KH - 1) / (R KH) of a multiply-add's operands whatever V is:
  // one register a row (R = 5 on AVX2) measured within 10% of this, on both targets.
  constexpr std::size_t regs = vector_registers<Arch>;
  constexpr std::size_t held = G.kh * G.kw <= 12 ? G.kh * G.kw : 1;
  constexpr std::size_t V = [] {
    for (std::size_t v = NV < 4 ? NV : 4; v > 1; --v)
      if (regs > v + 1 + held && (regs - v - 1 - held) / v >= 2) return v;
    return std::size_t{1};
  }();
  constexpr std::size_t fit = regs > V + 1 + held ? (regs - V - 1 - held) / V : 1;
  // ... and at most about 256 multiply-adds in the unrolled body (kernels of 5 x 5 and more)
  constexpr std::size_t bounded = std::max<std::size_t>(1, 256 / (G.kh * G.kw * V));
  constexpr std::size_t R = std::max<std::size_t>(1, std::min({fit, bounded, G.out_h()}));
  auto block = [&]<std::size_t RR, std::size_t VV>(std::size_t oh0, std::size_t v0) NERVE_TILE_LAMBDA {
    simd<T, Arch> acc[RR][VV];
    depthwise_rows<G, RR, VV, Arch>(src + oh0 * G.wp() + v0 * W, w, bias, acc);
    unrolled_for<RR>([&](auto r) NERVE_TILE_LAMBDA {
      unrolled_for<VV>([&](auto v) NERVE_TILE_LAMBDA { store(oh0 + r, (v0 + v) * W, acc[r][v]); });
    });
  };
  auto rows = [&]<std::size_t RR>(std::size_t oh0) NERVE_TILE_LAMBDA {
    for (std::size_t v0 = 0; v0 < NV / V * V; v0 += V) block.template operator()<RR, V>(oh0, v0);
    if constexpr (NV % V != 0) block.template operator()<RR, NV % V>(oh0, NV / V * V);
  };
  constexpr std::size_t OH = G.out_h();
  for (std::size_t oh0 = 0; oh0 < OH / R * R; oh0 += R) rows.template operator()<R>(oh0);
  if constexpr (OH % R != 0) rows.template operator()<OH % R>(OH / R * R);
}

}  // namespace detail

// Forward of a grouped convolution with one channel a group (depthwise_applies<G>), B samples:
//   G: one group's geometry (channels 1, filters k = F / groups); Groups: the group count (the
//   input's channels).
//   X: B rows ldx apart (Groups x H x W each); Y, Z: B rows ldy apart (F x OH x OW each, F =
//   Groups k); Z written when not null.
//   Wt: F x KH KW; bias: F values or null.
//   scratch: depthwise_plan<G, T>::scratch elements, 64-byte aligned.
//   planes: as conv_forward's (a pooling layer fused after it; then Z must be null).
template <conv_geometry G, std::size_t Groups, std::size_t B, class T,
          class Arch = xsimd::default_arch, class Epilogue, class Planes = CopyPlanes>
void depthwise_forward(const T* X, std::size_t ldx, const T* Wt, const T* bias, T* Z, T* Y,
                       std::size_t ldy, T* scratch, const Epilogue& f,
                       const Planes& planes = {}) noexcept {
  static_assert(depthwise_applies(G), "depthwise_forward: one channel a group, stride 1");
  using plan = depthwise_plan<G, T>;
  constexpr std::size_t k = G.filters, taps = G.kh * G.kw, P = G.outputs(), OW = G.out_w();
  constexpr std::size_t W = width<T, Arch>;
  T* src = scratch;
  T* yp = scratch + plan::source;
  T* zp = yp + plan::plane;
  // The padding and the tail are zeros for every channel: written once, then only the interior.
  std::fill_n(src, plan::source, T(0));
  for (std::size_t n = 0; n < B; ++n) {
    T* y = Y + n * ldy;
    T* z = Z ? Z + n * ldy : nullptr;
    for (std::size_t g = 0; g < Groups; ++g) {
      detail::pad_plane_interior<G>(X + n * ldx + g * G.height * G.width, src);
      for (std::size_t m = 0; m < k; ++m) {
        const std::size_t c = g * k + m;  // the output channel
        const T* w = Wt + c * taps;
        const T b = bias ? bias[c] : T(0);
        if constexpr (std::is_same_v<Planes, CopyPlanes> && detail::has_lane_masks<T, Arch>) {
          // Straight into the output rows: a row's last register stores its leading lanes only.
          T* yc = y + c * P;
          T* zc = z ? z + c * P : nullptr;
          detail::depthwise_plane<G, Arch>(
              src, w, b, [&](std::size_t oh, std::size_t col, const simd<T, Arch>& acc) NERVE_TILE_LAMBDA {
                if (col >= OW) return;
                const std::size_t at = oh * OW + col;
                if (col + W <= OW) {
                  if (zc) acc.store_unaligned(zc + at);
                  f(acc).store_unaligned(yc + at);
                } else {
                  if (zc) detail::store_leading_lanes<Arch>(zc + at, acc, unsigned(OW - col));
                  detail::store_leading_lanes<Arch>(yc + at, f(acc), unsigned(OW - col));
                }
              });
        } else {
          // Into the scratch planes (rows plan::row apart), then copied out or pooled.
          detail::depthwise_plane<G, Arch>(
              src, w, b, [&](std::size_t oh, std::size_t col, const simd<T, Arch>& acc) NERVE_TILE_LAMBDA {
                const std::size_t at = oh * plan::row + col;
                if (z) acc.store_aligned(zp + at);
                f(acc).store_aligned(yp + at);
              });
          if constexpr (!std::is_same_v<Planes, CopyPlanes>) {
            planes.template plane<plan::row>(static_cast<const T*>(yp), c, y);
          } else {
            for (std::size_t oh = 0; oh < G.out_h(); ++oh) {
              detail::copy_row<OW>(yp + oh * plan::row, y + c * P + oh * OW);
              if (z) detail::copy_row<OW>(zp + oh * plan::row, z + c * P + oh * OW);
            }
          }
        }
      }
    }
  }
}

// The scratch of depthwise_backward, elements of T, every region 64-byte aligned: the padded
// input plane (as the forward's), dZ's rows (OH rows of `row`, zeros past OW, in a margin of zero
// rows), dZ dense (P
// values), dZ placed in its margin (the padded plane of `margin_geometry`), and the padded
// input's gradient (Hp rows of margin_plan::row).
template <conv_geometry G, class T>
struct depthwise_backward_plan {
  using forward = depthwise_plan<G, T>;
  // The correlation that gives the input gradient: dZ (OH x OW) with (KH - 1) dh rows and (KW - 1)
  // dw columns of zeros on each side, read by the flipped kernel; its output is Hp x Wp.
  static constexpr conv_geometry margin_geometry = {
      1, G.out_h(), G.out_w(), 1, G.kh, G.kw, 1, 1, G.dh, G.dw,
      (G.kh - 1) * G.dh, (G.kw - 1) * G.dw, (G.kh - 1) * G.dh, (G.kw - 1) * G.dw};
  using margin_plan = depthwise_plan<margin_geometry, T>;
  static_assert(margin_geometry.out_h() == G.hp() && margin_geometry.out_w() == G.wp());
  static constexpr std::size_t L = lanes<T>;
  // dZ's rows between (KH - 1) dh zero rows on either side (depthwise_weight_sums)
  static constexpr std::size_t dz_margin = (G.kh - 1) * G.dh;
  static constexpr std::size_t dz_rows = (G.out_h() + 2 * dz_margin) * forward::row;
  static constexpr std::size_t dz_dense = round_up(G.outputs(), L);
  static constexpr std::size_t scratch =
      forward::source + dz_rows + dz_dense + margin_plan::source + margin_plan::plane;
};

namespace detail {

// acc[i KW + j] += sum over the plane of dz[oh][ow] src[(oh + i dh) Wp + ow + j dw], a register of
// partial sums per tap. dz's rows are whole registers with zeros past OW, so the lanes past a row
// add nothing, and they sit between `dz_margin` zero rows on either side. Walked by input row h,
// as the forward pass is: h's register at each kernel column is loaded once and meets dz's rows
// h - i dh for every kernel row i (rows of the margin add zeros), so a tap's product costs
// (KH + KW) / (KH KW) loads instead of one.
template <conv_geometry G, class Arch, class T>
NERVE_INLINE void depthwise_weight_sums(const T* NERVE_RESTRICT src, const T* NERVE_RESTRICT dz,
                                        simd<T, Arch>* acc) noexcept {
  constexpr std::size_t W = width<T, Arch>, row = depthwise_plan<G, T>::row, NV = row / W;
  constexpr std::size_t margin = depthwise_backward_plan<G, T>::dz_margin;
  for (std::size_t h = 0; h < G.hp(); ++h) {
    for (std::size_t v = 0; v < NV; ++v) {
      simd<T, Arch> d[G.kh];
      unrolled_for<G.kh>([&](std::size_t i) NERVE_TILE_LAMBDA {
        d[i] = load_aligned<Arch>(dz + (h + margin - i * G.dh) * row + v * W);
      });
      unrolled_for<G.kw>([&](std::size_t j) NERVE_TILE_LAMBDA {
        auto in = load_unaligned<Arch>(src + h * G.wp() + j * G.dw + v * W);
        keep_in_register<T, Arch>(in);
        unrolled_for<G.kh>([&](std::size_t i) NERVE_TILE_LAMBDA {
          acc[i * G.kw + j] = xsimd::fma(d[i], in, acc[i * G.kw + j]);
        });
      });
    }
  }
}

}  // namespace detail

// Backward of depthwise_forward, B samples: from dY, the weight gradient dW (F x KH KW, written),
// the bias gradient db (F, written; null: no bias) and dX (B rows ld_dx apart, written; null: not
// wanted). dZ = p(dY, Y, Z) is the derivative of the fused function (epilogue.hpp); Z may be Y.
//   scratch: depthwise_backward_plan<G, T>::scratch elements, 64-byte aligned.
template <conv_geometry G, std::size_t Groups, std::size_t B, class T,
          class Arch = xsimd::default_arch, class Prologue>
void depthwise_backward(const T* X, std::size_t ldx, const T* Wt, const T* dY, const T* Y,
                        const T* Z, std::size_t ldy, const Prologue& p, T* dW, T* db, T* dX,
                        std::size_t ld_dx, T* scratch) noexcept {
  static_assert(depthwise_applies(G), "depthwise_backward: one channel a group, stride 1");
  using plan = depthwise_backward_plan<G, T>;
  using forward = typename plan::forward;
  using margin = typename plan::margin_plan;
  constexpr conv_geometry M = plan::margin_geometry;
  constexpr std::size_t k = G.filters, taps = G.kh * G.kw, OH = G.out_h(), OW = G.out_w();
  constexpr std::size_t H = G.height, Wd = G.width;
  T* src = scratch;
  T* dzr = src + forward::source;
  T* dzd = dzr + plan::dz_rows;
  T* grid = dzd + plan::dz_dense;
  T* dxp = grid + margin::source;
  // Zeros that stay: the input's padding, dZ's margin, and the rows' tails past OW.
  std::fill_n(scratch, plan::scratch, T(0));
  for (std::size_t g = 0; g < Groups; ++g) {
    for (std::size_t m = 0; m < k; ++m) {
      const std::size_t c = g * k + m;  // the output channel
      const T* w = Wt + c * taps;
      T flipped[taps];
      for (std::size_t t = 0; t < taps; ++t) flipped[t] = w[taps - 1 - t];
      simd<T, Arch> acc[taps];
      for (auto& a : acc) a = simd<T, Arch>(T(0));
      T bias_sum = 0;
      for (std::size_t n = 0; n < B; ++n) {
        detail::pad_plane_interior<G>(X + n * ldx + g * H * Wd, src);
        bias_sum += detail::output_gradient_plane<G>(dY + n * ldy, Y + n * ldy, Z + n * ldy, p, c, dzd);
        for (std::size_t oh = 0; oh < OH; ++oh)
          detail::copy_row<OW>(dzd + oh * OW, dzr + (oh + plan::dz_margin) * forward::row);
        detail::depthwise_weight_sums<G, Arch>(src, dzr, acc);
        if (!dX) continue;
        // The padded input's gradient, then its interior into dX (the first filter of a channel
        // writes it, the others add to it).
        detail::pad_plane_interior<M>(dzd, grid);
        detail::depthwise_plane<M, Arch>(
            grid, flipped, T(0), [&](std::size_t h, std::size_t col, const simd<T, Arch>& v) NERVE_TILE_LAMBDA {
              v.store_aligned(dxp + h * margin::row + col);
            });
        T* dx = dX + n * ld_dx + g * H * Wd;
        for (std::size_t h = 0; h < H; ++h) {
          const T* from = dxp + (h + G.pt) * margin::row + G.pl;
          if (m == 0) detail::copy_row<Wd>(from, dx + h * Wd);
          else for (std::size_t x = 0; x < Wd; ++x) dx[h * Wd + x] += from[x];
        }
      }
      for (std::size_t t = 0; t < taps; ++t) dW[c * taps + t] = xsimd_compat::reduce_add(acc[t]);
      if (db) db[c] = bias_sum;
    }
  }
}

}  // namespace nerve::kernels
