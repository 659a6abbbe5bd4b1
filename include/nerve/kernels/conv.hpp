// nerve/kernels/conv.hpp: 2-D convolution (cross-correlation, as PyTorch's Conv2d) forward and
// backward for a batch of CHW images, with the element-wise function after it fused into the
// forward epilogue and its derivative into the backward prologue.
//
// Every product here is one register-blocked tile, offset_tile: acc[r][v] = sum_s a(r, s) *
// b(s)[v-th register], where the rows of the loaded operand b(s) are found through a table of
// offsets. A convolution's operand rows are shifted views of the input, so the same tile serves:
//   forward, direct   b(s) = the padded input shifted by tap s (stride 1: no copy per tap)
//   forward, im2col   b(s) = row s of the im2col matrix (strides > 1)
//   input gradient    b(s) = the output gradient on the input grid, shifted back by tap s
// and one dot-product tile serves the weight gradient. Sizes are compile-time (conv_geometry), so
// every table, loop bound and tile shape is a constant.
//
// The "wide" trick of the direct path: with stride 1, output (oh, ow) reads the padded input at
// (oh + kh dh) Wp + ow + kw dw = q + offset(tap), q = oh Wp + ow. Computing every q < OH * Wp
// (ow up to Wp, not OW) turns each tap into one contiguous row; the Wp - OW extra columns per row
// are computed and dropped when the result is copied out.
//
// Memory layout (per sample): input C x H x W, output F x OH x OW, both dense row-major (the
// sample's row of the network); weights F x C x KH x KW, PyTorch's [out, in, kh, kw]; bias F.
#pragma once

#include <algorithm>  // std::fill_n, std::copy_n
#include <array>
#include <cstddef>    // std::size_t
#include <cstdint>    // std::uint32_t
#include <cstring>    // std::memcpy
#include <type_traits>  // std::is_same_v

#include "nerve/config.hpp"            // NERVE_INLINE, NERVE_RESTRICT; xsimd
#include "nerve/eval/lanes.hpp"        // nerve::expr::for_each_lane, load_lanes, store_lanes
#include "nerve/kernels/epilogue.hpp"  // nerve::kernels::CopyPlanes
#include "nerve/kernels/layout.hpp"    // nerve::kernels::lanes, round_up
#include "nerve/kernels/simd.hpp"      // nerve::kernels::simd, width, vector_registers, unrolled_for
#include "nerve/kernels/tiling.hpp"    // detail::choose_outer_tile

namespace nerve::kernels {

// How the forward pass forms its operand rows.
enum class conv_algorithm {
  direct,         // shifted rows of the padded input (stride 1 along both axes); OW / Wp of the
                  // work is kept
  column_copies,  // one copy of the input per kernel column, cut to the output's width (stride
                  // 1): C KW Hp OW values written first, no work dropped
  im2col          // an im2col matrix of every output's taps (any stride): K x P values written
};

// How the backward pass forms the input gradient.
enum class conv_input_gradient {
  grid,    // a correlation of the output gradient, placed on the padded input grid, with the
           // flipped kernel: no scatter, but every grid position times every tap
  columns  // dcol = W^T dZ (taps x outputs, exactly the products needed), then col2im adds each
           // column back under its taps: a scalar scatter of K values per output
};

// A convolution's sizes and its algorithms, all known at compile time (a structural type: a
// template argument).
struct conv_geometry {
  std::size_t channels, height, width;  // input C, H, W
  std::size_t filters;                  // F
  std::size_t kh, kw;                   // kernel
  std::size_t sh, sw;                   // stride
  std::size_t dh, dw;                   // dilation
  std::size_t pt, pl, pb, pr;           // padding: top, left, bottom, right
  conv_algorithm algorithm = conv_algorithm::im2col;
  conv_input_gradient input_gradient = conv_input_gradient::grid;

  constexpr std::size_t hp() const { return height + pt + pb; }  // padded input
  constexpr std::size_t wp() const { return width + pl + pr; }
  constexpr std::size_t out_h() const { return (hp() - dh * (kh - 1) - 1) / sh + 1; }
  constexpr std::size_t out_w() const { return (wp() - dw * (kw - 1) - 1) / sw + 1; }
  constexpr std::size_t taps() const { return channels * kh * kw; }     // K: one filter's size
  constexpr std::size_t plane() const { return hp() * wp(); }           // a padded input plane
  constexpr std::size_t outputs() const { return out_h() * out_w(); }   // P: one output plane
  constexpr bool unit_stride() const { return sh == 1 && sw == 1; }
  constexpr bool padded() const { return pt + pl + pb + pr > 0; }
};

// The algorithm a shape gets. Direct needs stride 1; it computes OH * Wp outputs per plane instead
// of OH * OW (the extra Wp - OW columns of each row are dropped) but writes nothing per tap. The
// column copies compute exactly the OH * OW outputs after writing C KW Hp OW values; im2col too,
// after writing K P values (KH OH / Hp times as many: it is left for strides above 1). Measured
// on the examples' shapes (docs/design.md, "Convolution"; bench/conv_algorithms.cpp):
// - the column copies beat direct where a plane takes fewer registers without the dropped columns
//   (LeNet's second layer, 14 wide for 10 outputs: 1.05-1.3x; its first, 32 for 28:
//   1.03-1.24x), as long as the copies stay in L1 (budget: half of a 48 KB L1, counted in
//   floats, as the backward's blocks); out of it they gain nothing (the deeper CNN's second
//   layer, 32 channels, 86 KB of copies: level with direct to 7% slower);
// - otherwise direct while few columns are dropped (up to 40%: 1.2x to 2.2x faster than im2col),
//   and im2col past half (level there: the valid LeNet's second layer, 12 for 8).
//
// The input gradient: the grid form multiplies every padded input position by every tap (F KH KW
// C Hp Wp multiply-adds), the columns form only the products the forward pass made (F K P) but
// then scatters K P values one at a time (counted here as 8 multiply-adds each). Where the planes
// are small against the kernel (LeNet's second layer: 144 grid positions for 64 outputs), the
// columns win; on large planes the grid does.
constexpr conv_geometry with_chosen_algorithm(conv_geometry g) {
  const bool few_dropped = 2 * (g.wp() - g.out_w()) < g.out_w();
  const std::size_t L = 16;  // a cache line of floats: the rounding every form pays
  const std::size_t copies = g.channels * g.kw * (g.hp() * g.out_w() + L);
  const bool fewer_registers = round_up(g.outputs(), L) < round_up(g.out_h() * g.wp(), L);
  // Stride 1 along columns too: with a stride there, g++ 12 at -O3 vectorized the column copies'
  // strided row loop into wrong values (the same loop in im2col is right); im2col takes those.
  const bool copies_pay = g.unit_stride() && copies <= 24 * 1024 / 4 && fewer_registers;
  g.algorithm = copies_pay ? conv_algorithm::column_copies
                : g.unit_stride() && few_dropped ? conv_algorithm::direct
                                                 : conv_algorithm::im2col;
  const std::size_t grid_cost = g.filters * g.kh * g.kw * g.channels * ((g.plane() + L - 1) / L * L);
  const std::size_t column_cost =
      g.filters * g.taps() * ((g.outputs() + L - 1) / L * L) + 8 * g.taps() * g.outputs();
  g.input_gradient =
      column_cost < grid_cost ? conv_input_gradient::columns : conv_input_gradient::grid;
  return g;
}

template <conv_geometry G, class T>
struct conv_plan;

namespace detail {

// ---- the tiles ------------------------------------------------------------------------------

// acc[r][v] = sum_{s < S} a[r * lda + aoff[s]] * b[boff[s] + v * W]; b is read unaligned.
template <std::size_t R, std::size_t V, std::size_t S, class Arch, class T>
NERVE_INLINE void offset_tile(const T* NERVE_RESTRICT a, std::size_t lda,
                              const std::uint32_t* aoff, const T* NERVE_RESTRICT b,
                              const std::uint32_t* boff, simd<T, Arch> (&acc)[R][V]) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
    unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA { acc[r][v] = simd<T, Arch>(T(0)); });
  });
  for (std::size_t s = 0; s < S; ++s) {
    const T* row = b + boff[s];
    const T* col = a + aoff[s];
    simd<T, Arch> bv[V];
    unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA { bv[v] = load_unaligned<Arch>(row + v * W); });
    unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
      const auto ar = broadcast<Arch>(col[r * lda]);
      unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA { acc[r][v] = xsimd::fma(ar, bv[v], acc[r][v]); });
    });
  }
}

// out(r, v) for every tile of an Rows x NV product, tiles chosen at compile time: f(r0, v0, acc)
// receives each finished tile (its R rows from r0, its V registers from v0).
template <std::size_t Rows, std::size_t NV, std::size_t S, class Arch, class T, class Out>
NERVE_INLINE void offset_product(const T* a, std::size_t lda, const std::uint32_t* aoff,
                                 const T* b, const std::uint32_t* boff, Out&& out) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  // With 16 registers (AVX2), a tile that filled all of them made g++ 12 spill a broadcast to
  // the stack inside this loop (an FMA reading its operand from memory at every tap; W4b32 5%
  // slower): one is kept spare. Dense's tiles fill all 16 without a spill (W6 was 3% slower
  // with a spare there too).
  constexpr std::size_t registers = vector_registers<Arch> - (vector_registers<Arch> < 32 ? 1 : 0);
  constexpr TileShape tile = choose_outer_tile(Rows, NV, S, registers);
  constexpr std::size_t R = tile.rows, V = tile.vecs;
  auto rows = [&]<std::size_t RR>(std::size_t r0) NERVE_TILE_LAMBDA {
    auto cols = [&]<std::size_t VV>(std::size_t v0) NERVE_TILE_LAMBDA {
      simd<T, Arch> acc[RR][VV];
      offset_tile<RR, VV, S, Arch>(a + r0 * lda, lda, aoff, b + v0 * W, boff, acc);
      out(r0, v0, acc);
    };
    for (std::size_t v0 = 0; v0 < NV / V * V; v0 += V) cols.template operator()<V>(v0);
    if constexpr (NV % V != 0) cols.template operator()<NV % V>(NV / V * V);
  };
  for (std::size_t r0 = 0; r0 < Rows / R * R; r0 += R) rows.template operator()<R>(r0);
  if constexpr (Rows % R != 0) rows.template operator()<Rows % R>(Rows / R * R);
}

// ---- operand rows -----------------------------------------------------------------------------

// Tap s of a filter, s = (c KH + i) KW + j: input channel (or, for the input gradient's tables,
// filter) c, kernel row i, kernel column j.
struct tap_index {
  std::size_t c, i, j;
};
template <conv_geometry G>
constexpr tap_index tap_of(std::size_t s) noexcept {
  return {s / (G.kh * G.kw), s / G.kw % G.kh, s % G.kw};
}

// For kernel column j: output column ow reads input column ow sw + shift, inside the row for
// ow in [lo, hi) and in the padding elsewhere. im2col and col2im walk the same spans.
struct column_span {
  long lo, hi, shift;
};
template <conv_geometry G>
constexpr column_span column_span_of(std::size_t j) noexcept {
  constexpr long sw = static_cast<long>(G.sw), outputs = static_cast<long>(G.out_w());
  const auto ceil_div = [](long a, long b) { return a <= 0 ? 0 : (a + b - 1) / b; };
  const long shift = static_cast<long>(j * G.dw) - static_cast<long>(G.pl);
  const long lo = std::min(ceil_div(-shift, sw), outputs);
  const long hi = std::max(lo, std::min(ceil_div(static_cast<long>(G.width) - shift, sw), outputs));
  return {lo, hi, shift};
}

// The tile consumer that stores each finished tile of offset_product as it is: row r, register v
// at out + r * stride + v * width.
template <class Arch, class T>
NERVE_INLINE auto store_tiles(T* out, std::size_t stride) noexcept {
  return [=]<std::size_t R, std::size_t V>(std::size_t r0, std::size_t v0,
                                           simd<T, Arch>(&acc)[R][V]) NERVE_TILE_LAMBDA {
    unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
      unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA {
        acc[r][v].store_aligned(out + (r0 + r) * stride + (v0 + v) * width<T, Arch>);
      });
    });
  };
}

// Offsets of the forward product: tap s = (c, i, j) of filter row f is w[f * K + s]; its operand
// row starts at (direct) c * plane + i dh Wp + j dw in the padded input, (column copies) row
// i dh of copy (c, j), or (im2col) s * Pv.
template <conv_geometry G, class T, conv_algorithm A>
inline constexpr auto forward_offsets = [] {
  constexpr std::size_t K = G.taps();
  struct tables {
    std::array<std::uint32_t, K> a{}, b{};
  } t;
  for (std::size_t s = 0; s < K; ++s) {
    const auto [c, i, j] = tap_of<G>(s);
    t.a[s] = static_cast<std::uint32_t>(s);
    std::size_t b = s * round_up(G.outputs(), lanes<T>);
    if (A == conv_algorithm::direct) b = c * G.plane() + i * G.dh * G.wp() + j * G.dw;
    if (A == conv_algorithm::column_copies)
      b = (c * G.kw + j) * conv_plan<G, T>::copy_stride + i * G.dh * G.out_w();
    t.b[s] = static_cast<std::uint32_t>(b);
  }
  return t;
}();

// Offsets of the weight gradient's taps in the padded input (any stride: the grid form).
template <conv_geometry G>
inline constexpr auto tap_offsets = [] {
  std::array<std::uint32_t, G.taps()> b{};
  for (std::size_t s = 0; s < G.taps(); ++s) {
    const auto [c, i, j] = tap_of<G>(s);
    b[s] = static_cast<std::uint32_t>(c * G.plane() + i * G.dh * G.wp() + j * G.dw);
  }
  return b;
}();

}  // namespace detail

// The scratch layout of one convolution (elements of T, every region 64-byte aligned).
template <conv_geometry G, class T>
struct conv_plan {
  static_assert(G.algorithm != conv_algorithm::direct || G.unit_stride(),
                "the direct convolution needs stride 1");
  static_assert(G.algorithm != conv_algorithm::column_copies || G.unit_stride(),
                "the column-copies convolution needs stride 1");
  static constexpr std::size_t L = lanes<T>;
  static constexpr conv_algorithm algorithm = G.algorithm;
  static constexpr std::size_t K = G.taps();
  static constexpr std::size_t P = G.outputs();

  // The padded input, plus the columns the last wide row reads past its plane, plus a register.
  static constexpr std::size_t source = round_up(G.channels * G.plane() + G.dw * (G.kw - 1) + L, L);
  // Forward positions per output plane: wide rows (direct) or exact outputs (the others).
  static constexpr std::size_t forward_positions =
      algorithm == conv_algorithm::direct ? G.out_h() * G.wp() : P;
  static constexpr std::size_t forward_stride = round_up(forward_positions, L);  // Pv
  // A column copy: Hp rows of OW values, then zeros up to where the operand row of the last
  // kernel row's taps (Pv values from row (KH - 1) dh) ends.
  static constexpr std::size_t copy_stride = round_up(G.hp() * G.out_w() + round_up(P, L) - P, L);
  static constexpr std::size_t operand =
      algorithm == conv_algorithm::direct          ? source
      : algorithm == conv_algorithm::column_copies ? G.channels * G.kw * copy_stride
                                                   : K * round_up(P, L);
  // Forward: operand rows, then the product's output and pre-activation planes (one sample).
  static constexpr std::size_t forward_scratch = operand + 2 * G.filters * forward_stride;

  // Backward grid: dZ placed at its output's input position (oh sh, ow sw) on the padded input
  // grid, zeros elsewhere, with `margin` zeros before (taps shifted back read there) and a
  // register of zeros after.
  static constexpr std::size_t margin = round_up(G.dh * (G.kh - 1) * G.wp() + G.dw * (G.kw - 1), L);
  static constexpr std::size_t grid_stride = round_up(margin + G.plane() + L, L);
  // Grid positions the weight gradient sums over: up to the last row holding an output.
  static constexpr std::size_t grid_rows = (G.out_h() - 1) * G.sh + 1;
  static constexpr std::size_t grid_positions = round_up(grid_rows * G.wp(), L);
  static constexpr std::size_t plane_stride = round_up(G.plane(), L);
  // Backward, a block of samples at a time: their padded inputs and dZ grids, sized to stay in
  // L1 (at least one sample); the weight gradient's partial sums, a register per (filter, tap),
  // carried from block to block; then one sample's input gradient: on the padded grid, or dZ in
  // exact layout and the taps x outputs columns of W^T dZ.
  // With the column copies (exact_backward), a sample brings its column copies and dZ in exact
  // layout (F rows Pv apart) instead: the weight gradient then sums over the P outputs, not over
  // the grid's wide rows (LeNet's second layer: 112 positions a product instead of 144; its
  // first: 784 instead of 896). The columns form of the input gradient reads dZ as it is; the
  // grid form places it on a grid of its own first.
  static constexpr bool exact_backward = algorithm == conv_algorithm::column_copies;
  static constexpr std::size_t output_stride = round_up(P, L);  // Pv
  static constexpr std::size_t sample_input = exact_backward ? operand : source;
  static constexpr std::size_t sample_row = exact_backward ? output_stride : grid_stride;
  // Where a filter's dZ starts in its row, and the positions the weight gradient sums over.
  static constexpr std::size_t sample_first = exact_backward ? 0 : margin;
  static constexpr std::size_t sample_positions = exact_backward ? output_stride : grid_positions;
  static constexpr std::size_t sample_backward = sample_input + G.filters * sample_row;
  static constexpr std::size_t block_budget = 24 * 1024 / sizeof(T);  // half of a 48 KB L1
  template <std::size_t B>
  static constexpr std::size_t block =
      std::max<std::size_t>(1, std::min(B, block_budget / sample_backward));
  static constexpr std::size_t partial_sums = G.filters * K * L;
  static constexpr std::size_t input_gradient_scratch =
      G.input_gradient == conv_input_gradient::grid
          ? G.channels * plane_stride + (exact_backward ? G.filters * grid_stride : 0)
          : (G.filters + K) * output_stride;
  // ... which first holds one plane of dZ, dense, while the grids are written
  static_assert(input_gradient_scratch >= output_stride);
  template <std::size_t B>
  static constexpr std::size_t backward_scratch =
      block<B> * sample_backward + partial_sums + input_gradient_scratch;
};

namespace detail {

// N values from `from` to `to` (not overlapping) by a memcpy of constant length, which g++
// inlines as a few vector moves; std::copy_n of the same row became a call to memmove, and the
// row copies of a LeNet step made about 5% of its time in memmove.
template <std::size_t N, class T>
NERVE_INLINE void copy_row(const T* NERVE_RESTRICT from, T* NERVE_RESTRICT to) noexcept {
  std::memcpy(to, from, N * sizeof(T));
}

// The padded input of one sample: x (C x H x W, dense) into src with zero borders and tail.
template <conv_geometry G, class T>
NERVE_INLINE void pad_input(const T* NERVE_RESTRICT x, T* NERVE_RESTRICT src) noexcept {
  using plan = conv_plan<G, T>;
  if constexpr (!G.padded()) {
    std::copy_n(x, G.channels * G.plane(), src);
  } else {
    std::fill_n(src, G.channels * G.plane(), T(0));
    for (std::size_t c = 0; c < G.channels; ++c)
      for (std::size_t i = 0; i < G.height; ++i)
        copy_row<G.width>(x + (c * G.height + i) * G.width,
                          src + c * G.plane() + (i + G.pt) * G.wp() + G.pl);
  }
  std::fill(src + G.channels * G.plane(), src + plan::source, T(0));
}

// Kernel column j's part of one input row: out[ow] = in[ow sw + shift] for ow in the span, 0 in
// the padding either side (OW values). im2col and the column copies are made of these rows.
template <conv_geometry G, std::size_t J, class T>
NERVE_INLINE void copy_span(const T* NERVE_RESTRICT in, T* NERVE_RESTRICT out) noexcept {
  // The in-row span copied, the rest zeroed: branch-free (g++ 12 at -O3 mis-vectorized the loop
  // with the bounds test inside).
  constexpr column_span span = column_span_of<G>(J);
  constexpr long sw = static_cast<long>(G.sw);
  std::fill(out, out + span.lo, T(0));
  if constexpr (sw == 1) {
    // A memcpy of constant length: a few vector moves, inlined. (A loop over ow with these
    // constant bounds was mis-vectorized by g++ 12 at -O3, wrong values with padding; and
    // std::copy_n became a call to memmove per span.)
    std::memcpy(out + span.lo, in + (span.lo + span.shift),
                static_cast<std::size_t>(span.hi - span.lo) * sizeof(T));
  } else {
    for (long ow = span.lo; ow < span.hi; ++ow) out[ow] = in[ow * sw + span.shift];
  }
  std::fill(out + span.hi, out + G.out_w(), T(0));
}

// Row ih of input channel c (ih counted in the padded input), kernel column J's part: copy_span,
// or OW zeros in the padding rows.
template <conv_geometry G, std::size_t J, class T>
NERVE_INLINE void copy_padded_row(const T* NERVE_RESTRICT x, std::size_t c, std::size_t ih,
                                  T* NERVE_RESTRICT out) noexcept {
  if (ih < G.pt || ih >= G.pt + G.height) {
    std::fill_n(out, G.out_w(), T(0));
    return;
  }
  copy_span<G, J>(x + (c * G.height + (ih - G.pt)) * G.width, out);
}

// The im2col matrix of one sample: row s = (c, i, j), column p = (oh, ow): the input under tap
// s of output p, or 0 in the padding. Rows Pv apart; columns P..Pv zero.
template <conv_geometry G, class T>
NERVE_INLINE void im2col(const T* NERVE_RESTRICT x, T* NERVE_RESTRICT col) noexcept {
  constexpr std::size_t Pv = round_up(G.outputs(), lanes<T>);
  for (std::size_t ci = 0; ci < G.channels * G.kh; ++ci) {
    const std::size_t c = ci / G.kh, i = ci % G.kh;
    // Kernel columns unrolled: each span's bounds are constants, so its copy is a few vector
    // moves, not a call to memmove per span (g++ made one per row and tap from a runtime length:
    // about a quarter of the LeNet's batch-1 time, docs/benchmarks.md).
    static_for<G.kw>([&](auto jc) NERVE_TILE_LAMBDA {
      constexpr std::size_t j = decltype(jc)::value;
      T* row = col + (ci * G.kw + j) * Pv;
      for (std::size_t oh = 0; oh < G.out_h(); ++oh)
        copy_padded_row<G, j>(x, c, oh * G.sh + i * G.dh, row + oh * G.out_w());
      std::fill(row + G.outputs(), row + Pv, T(0));
    });
  }
}

// The column copies of one sample (stride 1): copy (c, j) holds, for each of the Hp
// padded rows h, the OW inputs kernel column j reads in that row (copy_padded_row), then zeros.
// Output (oh, ow) under tap (c, i, j) is at (oh + i dh) OW + ow in copy (c, j): each tap's operand
// is one contiguous run of P values from row i dh, as with im2col, from C KW Hp OW values written
// instead of K P.
template <conv_geometry G, class T>
NERVE_INLINE void column_copies(const T* NERVE_RESTRICT x, T* NERVE_RESTRICT copies) noexcept {
  constexpr std::size_t stride = conv_plan<G, T>::copy_stride;
  for (std::size_t c = 0; c < G.channels; ++c) {
    static_for<G.kw>([&](auto jc) NERVE_TILE_LAMBDA {
      constexpr std::size_t j = decltype(jc)::value;
      T* copy = copies + (c * G.kw + j) * stride;
      for (std::size_t h = 0; h < G.hp(); ++h) copy_padded_row<G, j>(x, c, h, copy + h * G.out_w());
      std::fill(copy + G.hp() * G.out_w(), copy + stride, T(0));
    });
  }
}

}  // namespace detail

// Forward, B samples: Y = f(conv(X, W) + b), Z = conv(X, W) + b when Z is not null.
//   X: B rows ldx apart (C x H x W each); Y, Z: B rows ldy apart (F x OH x OW each).
//   Wt: F x K (PyTorch's [out, in, kh, kw]); bias: F values or null.
//   scratch: conv_plan<G, T>::forward_scratch elements, 64-byte aligned.
//   G.algorithm: how (with_chosen_algorithm picks it per shape; bench/ compares both).
//   planes: what becomes of each output plane (epilogue.hpp): copied into Y (CopyPlanes), or
//   handed, still in the scratch, to a writer that reduces it into Y (a pooling layer fused
//   after the convolution: Y's rows then hold the pooled planes; Z must be null).
template <conv_geometry G, std::size_t B, class T, class Arch = xsimd::default_arch,
          class Epilogue, class Planes = CopyPlanes>
void conv_forward(const T* X, std::size_t ldx, const T* Wt, const T* bias, T* Z, T* Y,
                  std::size_t ldy, T* scratch, const Epilogue& f,
                  const Planes& planes = {}) noexcept {
  using plan = conv_plan<G, T>;
  constexpr std::size_t W = width<T, Arch>;
  constexpr std::size_t K = plan::K, Pv = plan::forward_stride, NV = Pv / W;
  constexpr auto& offsets = detail::forward_offsets<G, T, plan::algorithm>;
  T* operand = scratch;
  T* ywide = scratch + plan::operand;
  T* zwide = ywide + G.filters * Pv;
  for (std::size_t n = 0; n < B; ++n) {
    if constexpr (plan::algorithm == conv_algorithm::direct) detail::pad_input<G>(X + n * ldx, operand);
    else if constexpr (plan::algorithm == conv_algorithm::column_copies)
      detail::column_copies<G>(X + n * ldx, operand);
    else detail::im2col<G>(X + n * ldx, operand);
    T* z_out = Z ? zwide : nullptr;
    detail::offset_product<G.filters, NV, K, Arch>(
        Wt, K, offsets.a.data(), operand, offsets.b.data(),
        [&]<std::size_t R, std::size_t V>(std::size_t r0, std::size_t v0,
                                          simd<T, Arch>(&acc)[R][V]) NERVE_TILE_LAMBDA {
          detail::unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
            const auto b = simd<T, Arch>(bias ? bias[r0 + r] : T(0));
            detail::unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA {
              const std::size_t at = (r0 + r) * Pv + (v0 + v) * W;
              const auto z = acc[r][v] + b;
              if (z_out) z.store_aligned(z_out + at);
              f(z).store_aligned(ywide + at);
            });
          });
        });
    T* y = Y + n * ldy;
    if constexpr (!std::is_same_v<Planes, CopyPlanes>) {
      // The planes stay where they are, rows Wp (direct: OW kept of each) or OW apart.
      constexpr std::size_t row_stride =
          plan::algorithm == conv_algorithm::direct ? G.wp() : G.out_w();
      for (std::size_t c = 0; c < G.filters; ++c)
        planes.template plane<row_stride>(static_cast<const T*>(ywide + c * Pv), c, y);
    } else {
      // Copy the kept outputs into the sample's row: whole planes (im2col, column copies) or OW
      // of each wide row (direct).
      T* z = Z ? Z + n * ldy : nullptr;
      for (std::size_t c = 0; c < G.filters; ++c) {
        if constexpr (plan::algorithm == conv_algorithm::direct) {
          for (std::size_t oh = 0; oh < G.out_h(); ++oh) {
            const std::size_t from = c * Pv + oh * G.wp(), to = (c * G.out_h() + oh) * G.out_w();
            detail::copy_row<G.out_w()>(ywide + from, y + to);
            if (z) detail::copy_row<G.out_w()>(zwide + from, z + to);
          }
        } else {
          std::copy_n(ywide + c * Pv, plan::P, y + c * plan::P);
          if (z) std::copy_n(zwide + c * Pv, plan::P, z + c * plan::P);
        }
      }
    }
  }
}

namespace detail {

// dZ = p(dY, Y, Z) of filter c's plane of one sample into `to` (P values, whole registers and
// a tail); returns the plane's sum.
template <conv_geometry G, class T, class Prologue>
NERVE_INLINE T output_gradient_plane(const T* dy, const T* y, const T* z, const Prologue& p,
                                     std::size_t c, T* NERVE_RESTRICT to) noexcept {
  constexpr std::size_t P = G.outputs();
  const std::size_t o = c * P;
  return expr::lane_sum<P, T>([&](std::size_t i, auto tag) {
    using V = typename decltype(tag)::type;
    const V d = p(expr::load_lanes<V>(dy + o + i), expr::load_lanes<V>(y + o + i),
                  expr::load_lanes<V>(z + o + i));
    expr::store_lanes(to + i, d);
    return d;
  });
}

// dZ of one sample in exact layout (exact_backward): filter c's P values at dz + c Pv, zeros up
// to Pv (the products read whole registers); adds each filter's sum of dZ to db_sum.
template <conv_geometry G, class T, class Prologue>
NERVE_INLINE void output_gradient_exact(const T* dy, const T* y, const T* z, const Prologue& p,
                                        T* dz, T* db_sum) noexcept {
  constexpr std::size_t P = G.outputs(), Pv = conv_plan<G, T>::output_stride;
  for (std::size_t c = 0; c < G.filters; ++c) {
    db_sum[c] += output_gradient_plane<G>(dy, y, z, p, c, dz + c * Pv);
    std::fill(dz + c * Pv + P, dz + (c + 1) * Pv, T(0));
  }
}

// One filter's dZ plane (dense, OH x OW) placed on its grid g: margin zeros, then output (oh, ow)
// at (oh sh) Wp + ow sw, every other element up to plan::grid_stride written 0.
template <conv_geometry G, class T>
NERVE_INLINE void place_plane_on_grid(const T* NERVE_RESTRICT dz, T* NERVE_RESTRICT g) noexcept {
  using plan = conv_plan<G, T>;
  constexpr std::size_t OW = G.out_w(), OH = G.out_h(), Wp = G.wp();
  constexpr std::size_t row_step = G.sh * Wp;  // from one output row to the next on the grid
  constexpr std::size_t end = plan::grid_stride - plan::margin;  // the grid after the margin
  std::fill_n(g, plan::margin, T(0));
  g += plan::margin;
  std::size_t written = 0;  // g[0, written) holds this plane's rows and the zeros between
  for (std::size_t oh = 0; oh < OH; ++oh) {
    T* NERVE_RESTRICT row = g + oh * row_step;
    const T* from = dz + oh * OW;
    if constexpr (G.sw == 1) {
      copy_row<OW>(from, row);
      written = oh * row_step + OW;
    } else {
      const std::size_t span = std::min(row_step, end - oh * row_step);
      std::fill_n(row, span, T(0));
      for (std::size_t ow = 0; ow < OW; ++ow) row[ow * G.sw] = from[ow];
      written = oh * row_step + span;
    }
    if (oh + 1 < OH) std::fill(g + written, g + (oh + 1) * row_step, T(0));
  }
  std::fill(g + written, g + end, T(0));
}

// dZ = p(dY, Y, Z) of one sample, placed on its grid (plan::grid_stride apart per filter, after
// the margin) at (oh sh) Wp + ow sw, every other element of the grid written 0; adds each filter's
// sum of dZ to db_sum. dZ is first computed over the whole plane into dz (plan::output_stride
// elements): whole registers and one horizontal sum per plane. Row by row, an output row that is
// not a multiple of the register width (LeNet's 28, 10) left most of the work to a scalar tail and
// a horizontal sum per row: half of the first LeNet layer's backward pass.
template <conv_geometry G, class T, class Prologue>
NERVE_INLINE void place_output_gradient_by_plane(const T* dy, const T* y, const T* z,
                                                 const Prologue& p, T* grid, T* NERVE_RESTRICT dz,
                                                 T* db_sum) noexcept {
  using plan = conv_plan<G, T>;
  for (std::size_t c = 0; c < G.filters; ++c) {
    db_sum[c] += output_gradient_plane<G>(dy, y, z, p, c, dz);
    place_plane_on_grid<G>(dz, grid + c * plan::grid_stride);
  }
}

// dZ in exact layout (F rows Pv apart; output_gradient_exact) placed on the grids, for the grid
// form of the input gradient where the weight gradient read it exact.
template <conv_geometry G, class T>
NERVE_INLINE void place_exact_on_grid(const T* dz, T* grid) noexcept {
  using plan = conv_plan<G, T>;
  for (std::size_t c = 0; c < G.filters; ++c)
    place_plane_on_grid<G>(dz + c * plan::output_stride, grid + c * plan::grid_stride);
}

// place_output_gradient_by_plane's result, row by row, where the stride along rows is 1 and the
// registers have lane masks: each grid row is written as whole registers, dZ of the row's
// outputs in the first OW lanes (the last register's loads masked) and zeros after them up to
// the next row, so that no dense plane is written and read back. (Read back, each row straddled
// the registers of the stores just made, and the loads waited for them: a tenth of the first
// LeNet layer's backward pass.) A row's last register may spill zeros into the next row's first
// lanes, which that row then overwrites, or into the grid's register of slack after the plane.
template <conv_geometry G, class Arch, class T, class Prologue>
NERVE_INLINE void place_output_gradient_by_rows(const T* dy, const T* y, const T* z,
                                                const Prologue& p, T* grid, T* db_sum) noexcept {
  using plan = conv_plan<G, T>;
  using V = simd<T, Arch>;
  constexpr std::size_t W = width<T, Arch>;
  constexpr std::size_t OW = G.out_w(), OH = G.out_h(), P = G.outputs(), Wp = G.wp();
  constexpr std::size_t row_step = G.sh * Wp;  // from one output row to the next on the grid
  constexpr std::size_t end = plan::grid_stride - plan::margin;  // the grid after the margin
  constexpr std::size_t full = OW / W, part = OW % W;  // whole registers of outputs, the rest
  constexpr std::size_t row_registers = (row_step + W - 1) / W;  // a row and the zeros after it
  static_assert((OH - 1) * row_step + row_registers * W <= end, "the grid's slack");
  const V zero(T(0));
  for (std::size_t c = 0; c < G.filters; ++c) {
    T* g = grid + c * plan::grid_stride;
    std::fill_n(g, plan::margin, T(0));
    g += plan::margin;
    V sum(T(0));
    for (std::size_t oh = 0; oh < OH; ++oh) {
      const std::size_t o = c * P + oh * OW;
      T* row = g + oh * row_step;
      for (std::size_t v = 0; v < full; ++v) {
        const V d = p(load_unaligned<Arch>(dy + o + v * W), load_unaligned<Arch>(y + o + v * W),
                      load_unaligned<Arch>(z + o + v * W));
        d.store_unaligned(row + v * W);
        sum += d;
      }
      if constexpr (part != 0) {
        constexpr auto n = static_cast<unsigned>(part);
        const std::size_t at = o + full * W;
        // the dead lanes load as 0; whatever the prologue makes of them, they are set to 0
        const V d = xsimd::select(leading_lanes<Arch, T>(part),
                                  p(lanes_between<Arch>(dy + at, 0, n), lanes_between<Arch>(y + at, 0, n),
                                    lanes_between<Arch>(z + at, 0, n)),
                                  zero);
        d.store_unaligned(row + full * W);
        sum += d;
      }
      for (std::size_t v = (OW + W - 1) / W; v < row_registers; ++v) zero.store_unaligned(row + v * W);
    }
    std::fill(g + (OH - 1) * row_step + row_registers * W, g + end, T(0));
    db_sum[c] += xsimd_compat::reduce_add(sum);
  }
}

// dZ of one sample placed on its grid, by whichever of the two forms above the target has;
// dz: one plane of scratch, for the dense form.
template <conv_geometry G, class Arch, class T, class Prologue>
NERVE_INLINE void place_output_gradient(const T* dy, const T* y, const T* z, const Prologue& p,
                                        T* grid, T* dz, T* db_sum) noexcept {
  if constexpr (G.sw == 1 && has_lane_masks<T, Arch>) {
    place_output_gradient_by_rows<G, Arch>(dy, y, z, p, grid, db_sum);
  } else {
    place_output_gradient_by_plane<G>(dy, y, z, p, grid, dz, db_sum);
  }
}

// The operands the weight gradient reads (conv_plan::exact_backward): per sample the padded
// input and the dZ grid (rows of dZ from the margin, summed over the grid's positions: any
// stride), or the column copies and dZ in exact layout (summed over the Pv outputs); tap s's
// operand at taps[s].
template <conv_geometry G, class T>
inline constexpr auto weight_gradient_taps = [] {
  if constexpr (conv_plan<G, T>::exact_backward)
    return forward_offsets<G, T, conv_algorithm::column_copies>.b;
  else
    return tap_offsets<G>;
}();

// The weight gradient's partial sums over `count` samples (a block): for R filters x C taps,
// acc[r][c] += grid[f][q] * src[offset(s) + q] over the samples and grid positions q, the R x C
// registers loaded from `partial` (a register per (filter, tap), F x K of them) before and stored
// after. The block's grids and inputs are in L1; the partial sums (9.6 KB at LeNet's first layer)
// too, or in L2. Before, each tile summed the whole batch in registers, and its grids (0.9 MB at
// LeNet's first layer, batch 32) were written to and read back from L2 once per tile.
template <conv_geometry G, std::size_t R, std::size_t C, class Arch, class T>
NERVE_INLINE void weight_gradient_tile(const T* src, const T* grid, std::size_t count,
                                       std::size_t f0, std::size_t s0, T* partial) noexcept {
  using plan = conv_plan<G, T>;
  constexpr std::size_t W = width<T, Arch>;
  constexpr auto& taps = weight_gradient_taps<G, T>;
  constexpr std::size_t row = plan::sample_row;
  simd<T, Arch> acc[R][C];
  unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
    unrolled_for<C>([&](auto c) NERVE_TILE_LAMBDA {
      acc[r][c] = load_aligned<Arch>(partial + ((f0 + r) * plan::K + s0 + c) * W);
    });
  });
  for (std::size_t n = 0; n < count; ++n) {
    const T* g = grid + n * G.filters * row + f0 * row + plan::sample_first;
    const T* s = src + n * plan::sample_input;
    for (std::size_t q = 0; q < plan::sample_positions; q += W) {
      simd<T, Arch> d[R];
      unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
        d[r] = load_aligned<Arch>(g + r * row + q);
        keep_in_register(d[r]);  // read C times below: one load, not C
      });
      unrolled_for<C>([&](auto c) NERVE_TILE_LAMBDA {
        auto x = load_unaligned<Arch>(s + taps[s0 + c] + q);
        keep_in_register(x);  // read R times
        unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA { acc[r][c] = xsimd::fma(d[r], x, acc[r][c]); });
      });
    }
  }
  unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
    unrolled_for<C>([&](auto c) NERVE_TILE_LAMBDA {
      acc[r][c].store_aligned(partial + ((f0 + r) * plan::K + s0 + c) * W);
    });
  });
}

template <conv_geometry G, class Arch, class T>
NERVE_INLINE void weight_gradient(const T* src, const T* grid, std::size_t count,
                                  T* partial) noexcept {
  constexpr std::size_t F = G.filters, K = G.taps();
  // R filters x C taps: R * C accumulators, R + C operands, within the register budget.
  constexpr std::size_t C = vector_registers<Arch> >= 32 ? 4 : 3;
  constexpr std::size_t R = F < C ? F : C;
  auto taps = [&]<std::size_t RR>(std::size_t f0) NERVE_TILE_LAMBDA {
    for (std::size_t s0 = 0; s0 < K / C * C; s0 += C)
      weight_gradient_tile<G, RR, C, Arch>(src, grid, count, f0, s0, partial);
    if constexpr (K % C != 0)
      weight_gradient_tile<G, RR, K % C, Arch>(src, grid, count, f0, K / C * C, partial);
  };
  for (std::size_t f0 = 0; f0 < F / R * R; f0 += R) taps.template operator()<R>(f0);
  if constexpr (F % R != 0) taps.template operator()<F % R>(F / R * R);
}

// Offsets of the input gradient: input channel c (a row) sums, over s = (f, i, j), the weight
// w[f][c][i][j] = w[c * KH KW + f K + i KW + j] times the grid of filter f shifted back by tap
// (i, j): grid[f][t - i dh Wp - j dw].
template <conv_geometry G, class T>
inline constexpr auto input_gradient_offsets = [] {
  using plan = conv_plan<G, T>;
  constexpr std::size_t S = G.filters * G.kh * G.kw;
  struct tables {
    std::array<std::uint32_t, S> a{}, b{};
  } t;
  for (std::size_t s = 0; s < S; ++s) {
    const auto [f, i, j] = tap_of<G>(s);
    t.a[s] = static_cast<std::uint32_t>(f * G.taps() + i * G.kw + j);
    t.b[s] = static_cast<std::uint32_t>(f * plan::grid_stride + plan::margin - i * G.dh * G.wp() -
                                        j * G.dw);
  }
  return t;
}();

// dx of one sample (dense C x H x W) from its dZ grid g, by the grid form: every padded input
// position t of channel c sums w[f][c][i][j] g_f[t - i dh Wp - j dw]; then the interior is copied
// out. dxp: C x plane_stride scratch.
template <conv_geometry G, class Arch, class T>
NERVE_INLINE void input_gradient_on_grid(const T* Wt, const T* g, T* dxp, T* dx) noexcept {
  using plan = conv_plan<G, T>;
  constexpr std::size_t W = width<T, Arch>;
  constexpr std::size_t S = G.filters * G.kh * G.kw;
  constexpr std::size_t NV = plan::plane_stride / W;
  constexpr auto& offsets = input_gradient_offsets<G, T>;
  offset_product<G.channels, NV, S, Arch>(Wt, G.kh * G.kw, offsets.a.data(), g, offsets.b.data(),
                                          store_tiles<Arch>(dxp, plan::plane_stride));
  for (std::size_t c = 0; c < G.channels; ++c)
    for (std::size_t i = 0; i < G.height; ++i)
      copy_row<G.width>(dxp + c * plan::plane_stride + (i + G.pt) * G.wp() + G.pl,
                        dx + (c * G.height + i) * G.width);
}

// Offsets of the columns form: row k of dcol = W^T dZ sums, over filters f, w[f][k] times row f
// of dZ (exact layout, Pv apart).
template <conv_geometry G, class T>
inline constexpr auto column_offsets = [] {
  using plan = conv_plan<G, T>;
  struct tables {
    std::array<std::uint32_t, G.filters> a{}, b{};
  } t;
  for (std::size_t f = 0; f < G.filters; ++f) {
    t.a[f] = static_cast<std::uint32_t>(f * G.taps());
    t.b[f] = static_cast<std::uint32_t>(f * plan::output_stride);
  }
  return t;
}();

// col2im by input rows (stride 1 along rows, registers with lane masks): input row (c, ih) sums,
// over the kernel rows i whose output row oh = (ih + pt - i dh) / sh exists and the kernel
// columns j, row oh of column (c, i, j) shifted to the input columns it came from, loaded into
// those lanes by a masked load (zeros in the others). A register per W input columns, one store,
// and dx needs no zeroing first. The scalar scatter below took 15% of the LeNet's second
// layer's backward pass. dcol: rows Pv apart, with at least a register of readable memory before
// it (the dZ rows) for the shifted loads' addresses.
template <conv_geometry G, class Arch, class T>
NERVE_INLINE void col2im_by_rows(const T* dcol, T* dx) noexcept {
  using plan = conv_plan<G, T>;
  constexpr std::size_t W = width<T, Arch>, Pv = plan::output_stride, OW = G.out_w();
  for (std::size_t c = 0; c < G.channels; ++c) {
    for (std::size_t ih = 0; ih < G.height; ++ih) {
      T* row = dx + (c * G.height + ih) * G.width;
      for (std::size_t k0 = 0; k0 < G.width; k0 += W) {
        simd<T, Arch> acc(T(0));
        for (std::size_t i = 0; i < G.kh; ++i) {
          const long t = static_cast<long>(ih + G.pt) - static_cast<long>(i * G.dh);
          if (t < 0 || t % static_cast<long>(G.sh) != 0) continue;
          const auto oh = static_cast<std::size_t>(t) / G.sh;
          if (oh >= G.out_h()) continue;
          const T* cols = dcol + (c * G.kh + i) * G.kw * Pv + oh * OW;
          static_for<G.kw>([&](auto jc) NERVE_TILE_LAMBDA {
            constexpr std::size_t j = decltype(jc)::value;
            constexpr column_span span = column_span_of<G>(j);  // ow in [lo, hi): iw = ow + shift
            // lane l is input column k0 + l, output column k0 + l - shift
            const long k = static_cast<long>(k0);
            const long lo = std::max(span.lo + span.shift - k, 0L);
            const long hi = std::min(span.hi + span.shift - k, static_cast<long>(W));
            if (lo < hi) {
              acc += lanes_between<Arch>(cols + j * Pv + (k - span.shift),
                                         static_cast<unsigned>(lo), static_cast<unsigned>(hi));
            }
          });
        }
        const std::size_t n = std::min(W, G.width - k0);
        if (n == W) acc.store_unaligned(row + k0);
        else store_leading_lanes<Arch>(row + k0, acc, static_cast<unsigned>(n));
      }
    }
  }
}

// dx of one sample from its dZ in exact layout (F rows Pv apart, zeros after P): dcol = W^T dZ,
// then col2im. dcol: K x Pv scratch, with a register of readable memory before it.
template <conv_geometry G, class Arch, class T>
NERVE_INLINE void input_gradient_from_exact(const T* Wt, const T* dz, T* dcol, T* dx) noexcept {
  using plan = conv_plan<G, T>;
  constexpr std::size_t W = width<T, Arch>;
  constexpr std::size_t Pv = plan::output_stride, OW = G.out_w();
  constexpr auto& offsets = column_offsets<G, T>;
  offset_product<G.taps(), Pv / W, G.filters, Arch>(Wt, 1, offsets.a.data(), dz, offsets.b.data(),
                                                    store_tiles<Arch>(dcol, Pv));
  if constexpr (G.sw == 1 && has_lane_masks<T, Arch>) {
    col2im_by_rows<G, Arch>(dcol, dx);
    return;
  }
  std::fill_n(dx, G.channels * G.height * G.width, T(0));
  constexpr long sw = static_cast<long>(G.sw);
  for (std::size_t ci = 0; ci < G.channels * G.kh; ++ci) {
    const std::size_t c = ci / G.kh, i = ci % G.kh;
    // Kernel columns unrolled, as in im2col: constant spans, so each row's adds are vectorized.
    static_for<G.kw>([&](auto jc) NERVE_TILE_LAMBDA {
      constexpr std::size_t j = decltype(jc)::value;
      constexpr column_span span = column_span_of<G>(j);
      for (std::size_t oh = 0; oh < G.out_h(); ++oh) {
        const long ih = static_cast<long>(oh * G.sh + i * G.dh) - static_cast<long>(G.pt);
        if (ih < 0 || ih >= static_cast<long>(G.height)) continue;
        T* NERVE_RESTRICT row = dx + (c * G.height + static_cast<std::size_t>(ih)) * G.width;
        const T* NERVE_RESTRICT col = dcol + ((ci * G.kw + j) * Pv + oh * OW);
        for (long ow = span.lo; ow < span.hi; ++ow) row[ow * sw + span.shift] += col[ow];
      }
    });
  }
}

// dx of one sample by the columns form: dZ gathered from the grid into exact layout, dcol =
// W^T dZ (one tile product, K rows), then col2im: each column value added to the input under its
// tap (the adjoint of im2col, with the same in-row spans). scratch: (F + K) x Pv.
template <conv_geometry G, class Arch, class T>
NERVE_INLINE void input_gradient_by_columns(const T* Wt, const T* g, T* scratch, T* dx) noexcept {
  using plan = conv_plan<G, T>;
  constexpr std::size_t Pv = plan::output_stride, OW = G.out_w();
  T* dz = scratch;
  for (std::size_t f = 0; f < G.filters; ++f) {
    const T* from = g + f * plan::grid_stride + plan::margin;
    T* to = dz + f * Pv;
    for (std::size_t oh = 0; oh < G.out_h(); ++oh) {
      if constexpr (G.sw == 1) {
        copy_row<OW>(from + oh * G.sh * G.wp(), to + oh * OW);
      } else {
        for (std::size_t ow = 0; ow < OW; ++ow) to[oh * OW + ow] = from[oh * G.sh * G.wp() + ow * G.sw];
      }
    }
    std::fill(to + plan::P, to + Pv, T(0));
  }
  input_gradient_from_exact<G, Arch>(Wt, dz, scratch + G.filters * Pv, dx);
}

}  // namespace detail

// Backward, B samples: from dY, the weight gradient dW (F x K, written), the bias gradient db (F,
// written; null: no bias) and dX (B rows ld_dx apart, written; null: not wanted).
//   dZ = p(dY, Y, Z) is the derivative of the fused function (epilogue.hpp); Z may be Y.
//   scratch: conv_plan<G, T>::backward_scratch<B> elements, 64-byte aligned.
template <conv_geometry G, std::size_t B, class T, class Arch = xsimd::default_arch,
          class Prologue>
void conv_backward(const T* X, std::size_t ldx, const T* Wt, const T* dY, const T* Y, const T* Z,
                   std::size_t ldy, const Prologue& p, T* dW, T* db, T* dX, std::size_t ld_dx,
                   T* scratch) noexcept {
  using plan = conv_plan<G, T>;
  constexpr std::size_t W = width<T, Arch>, block = plan::template block<B>;
  // Per sample of a block: its padded input (or column copies) and its dZ (grid or exact).
  T* src = scratch;
  T* grid = src + block * plan::sample_input;
  T* partial = grid + block * G.filters * plan::sample_row;
  T* dxs = partial + plan::partial_sums;  // the input gradient's scratch
  std::fill_n(partial, G.filters * plan::K * W, T(0));
  T db_sum[G.filters] = {};
  for (std::size_t n0 = 0; n0 < B; n0 += block) {
    const std::size_t count = std::min(block, B - n0);
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t n = n0 + k;
      T* dz = grid + k * G.filters * plan::sample_row;
      if constexpr (plan::exact_backward) {
        detail::column_copies<G>(X + n * ldx, src + k * plan::sample_input);
        detail::output_gradient_exact<G>(dY + n * ldy, Y + n * ldy, Z + n * ldy, p, dz, db_sum);
      } else {
        detail::pad_input<G>(X + n * ldx, src + k * plan::sample_input);
        // dxs: the input gradient's scratch, free until the block's grids are written
        detail::place_output_gradient<G, Arch>(dY + n * ldy, Y + n * ldy, Z + n * ldy, p, dz,
                                               dxs, db_sum);
      }
    }
    detail::weight_gradient<G, Arch>(src, grid, count, partial);
    if (!dX) continue;
    for (std::size_t k = 0; k < count; ++k) {
      const T* g = grid + k * G.filters * plan::sample_row;
      T* dx = dX + (n0 + k) * ld_dx;
      if constexpr (plan::exact_backward && G.input_gradient == conv_input_gradient::columns) {
        // dcol after the room of a dZ: col2im's shifted loads read a register before it
        detail::input_gradient_from_exact<G, Arch>(Wt, g, dxs + G.filters * plan::output_stride, dx);
      } else if constexpr (plan::exact_backward) {
        T* on_grid = dxs + G.channels * plan::plane_stride;  // after the padded dx planes
        detail::place_exact_on_grid<G>(g, on_grid);
        detail::input_gradient_on_grid<G, Arch>(Wt, on_grid, dxs, dx);
      } else if constexpr (G.input_gradient == conv_input_gradient::grid) {
        detail::input_gradient_on_grid<G, Arch>(Wt, g, dxs, dx);
      } else {
        detail::input_gradient_by_columns<G, Arch>(Wt, g, dxs, dx);
      }
    }
  }
  // Each weight's register of partial sums added across its lanes: W weights at a time by one
  // transposing reduction (as Dense's backward does), the rest one by one.
  constexpr std::size_t weights = G.filters * plan::K, whole = weights / W * W;
  for (std::size_t i = 0; i < whole; i += W) {
    simd<T, Arch> rows[W];
    for (std::size_t r = 0; r < W; ++r) rows[r] = detail::load_aligned<Arch>(partial + (i + r) * W);
    detail::transpose_sum<Arch>(rows).store_unaligned(dW + i);
  }
  if constexpr (whole < weights) {  // a tail only where there is one (g++ warns otherwise)
    for (std::size_t i = whole; i < weights; ++i)
      dW[i] = xsimd_compat::reduce_add(detail::load_aligned<Arch>(partial + i * W));
  }
  if (db) std::copy_n(db_sum, G.filters, db);
}

}  // namespace nerve::kernels
