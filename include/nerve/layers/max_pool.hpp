// nerve/layers/max_pool.hpp: MaxPool<K, S = K, Padding = Valid, Rounding = FloorMode>, PyTorch's
// nn.MaxPool2d(kernel_size, stride, padding, ceil_mode), on images (channels, height, width): each
// channel's plane is cut into windows of K values, and the output is the largest value of each
// window.
//   MaxPool<2>                          2x2 windows, stride 2 (PyTorch: stride = kernel_size)
//   MaxPool<3, Stride<2>>               3x3 windows every 2 rows and columns (they overlap)
//   MaxPool<3, Stride<1>, Pad<1>>       padded by 1 on every side (at most half the kernel)
//   MaxPool<Kernel<3, 2>{}, Stride<1>>  3 rows by 2 columns (a Kernel value, with braces)
//   MaxPool<3, Stride<2>, Valid, CeilMode>   ceil_mode=True: a last, partial window
// Output (channels, OH, OW), OH = (H + pad_top + pad_bottom - KH) / SH + 1, the same for OW.
// CeilMode rounds that division up, then drops a last window that would start past the image
// and its leading padding (layers/pool_window.hpp); a last window reaching past the padded plane
// takes the maximum of what it holds.
//
// As in PyTorch, padding stands for -infinity (it never wins); ties go to the first maximum in
// window order (row by row), and a NaN wins (the last one, as in PyTorch's CPU kernel).
//
// Forward, when the pass will be differentiated (ctx.kept is not null), keeps for each output the
// position of its maximum within the sample, c * H * W + h * W + w, stored as a value of the
// network's scalar type: exact for every position below 2^24 in float (2^53 in double), which a
// static_assert checks. Backward: dx = 0, then dy of each output added at the kept position
// (windows overlap when the stride is smaller than the kernel, so an input may collect several);
// windows that tile the plane write dx once instead (max_pool_gradient_by_tiles).
// At inference with no kept memory, no positions are written.
#pragma once

#include <algorithm>  // std::fill_n, std::min
#include <array>
#include <cstddef>    // std::size_t
#include <cstdint>    // std::int32_t, std::int64_t
#include <limits>
#include <string>
#include <type_traits>

#include "nerve/config.hpp"                // NERVE_INLINE, NERVE_TILE_LAMBDA; xsimd
#include "nerve/kernels/simd.hpp"          // kernels::detail::lane_index, permute_lanes, ...
#include "nerve/layers/layer.hpp"          // nerve::layer, workspace_request, mode
#include "nerve/layers/pool_window.hpp"    // nerve::detail::pool_window, pool_kernel, got_shape
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape, AnyShape
#include "nerve/shape/window.hpp"          // nerve::Kernel, Stride, Valid, Same, Pad, is_image

namespace nerve {

namespace detail {

// Positions below this are exact as values of T (2^24 in float, 2^53 in double).
template <class T>
inline constexpr std::size_t exact_positions = std::size_t{1}
                                               << std::numeric_limits<T>::digits;

// The rule both forms below apply to each value v of a window, in window order (row by row),
// for one output or for a register of them: strictly larger wins, so the first maximum stays;
// a NaN wins, so the last NaN stays (PyTorch's CPU kernel). Selects, not a branch: which value
// wins is data, and a mispredicted branch per value cost more than the comparisons.
template <class V, class P>
NERVE_INLINE void take_larger(const V& v, const P& p, V& best, P& where) noexcept {
  const auto take = (v > best) | xsimd::isnan(v);  // (v != v is an ordered compare: false on NaN)
  best = xsimd::select(take, v, best);
  where = xsimd::select(take, p, where);
}
template <class T>
NERVE_INLINE void take_larger(T v, std::size_t p, T& best, std::size_t& where) noexcept {
  const bool take = (v > best) | (v != v);
  best = take ? v : best;
  where = take ? p : where;
}

// The widest register of T with at most N lanes that the build has: the default one, else (if
// Narrower) AVX's or SSE2's on x86 (LeNet's second pool, 9 row positions: AVX's 8 floats); void
// if none.
template <class T, std::size_t N, bool Narrower>
consteval auto register_within() {
  if constexpr (xsimd::batch<T>::size <= N) return std::type_identity<xsimd::batch<T>>{};
  else if constexpr (!Narrower) return std::type_identity<void>{};
#if XSIMD_WITH_AVX
  else if constexpr (xsimd::batch<T, xsimd::avx>::size <= N)
    return std::type_identity<xsimd::batch<T, xsimd::avx>>{};
#endif
#if XSIMD_WITH_SSE2
  else if constexpr (xsimd::batch<T, xsimd::sse2>::size <= N)
    return std::type_identity<xsimd::batch<T, xsimd::sse2>>{};
#endif
  else return std::type_identity<void>{};
}

// The larger of v and best by take_larger's rule when neither is NaN: MAXPS (x86) gives v only
// when v > best, so ties keep best, as take_larger does; elsewhere a select.
template <class V>
NERVE_INLINE V strictly_larger(const V& v, const V& best) noexcept {
#if XSIMD_WITH_SSE2
  return xsimd::max(v, best);
#else
  return xsimd::select(v > best, v, best);
#endif
}

// Lanes where a or b is NaN: one unordered comparison of the two registers on x86, two elsewhere.
template <class T, class A>
NERVE_INLINE xsimd::batch_bool<T, A> either_nan(const xsimd::batch<T, A>& a,
                                                const xsimd::batch<T, A>& b) noexcept {
  [[maybe_unused]] constexpr bool single = std::is_same_v<T, float>;
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {
    if constexpr (single) return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q);
    else return _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q);
  }
#endif
#if XSIMD_WITH_AVX
  if constexpr (std::is_base_of_v<xsimd::avx, A>) {
    if constexpr (single) return _mm256_cmp_ps(a, b, _CMP_UNORD_Q);
    else return _mm256_cmp_pd(a, b, _CMP_UNORD_Q);
  }
#endif
#if XSIMD_WITH_SSE2
  if constexpr (std::is_base_of_v<xsimd::sse2, A>) {
    if constexpr (single) return _mm_cmpunord_ps(a, b);
    else return _mm_cmpunord_pd(a, b);
  }
#endif
  return xsimd::isnan(a) | xsimd::isnan(b);
}

// Unpadded windows, a register of lanes at a time: lane l of a register starting at position c
// of a run of window corners (row-major, rows Ld apart) is the window whose top-left value is at
// c + l, so each window position is one unaligned load; the lanes of the outputs' corners are
// kept. run_maxima stores each corner's maximum (and, if Keep, its position base + p) for the
// `span` corners from `run`, every load inside [run, last value of the last window]: a run
// shorter than a register is not allowed, its last register starting earlier instead
// (overlapping the one before).
// With positions, each value is a take_larger (two comparisons and two selects). Without, a value
// is one MAXPS and half an unordered comparison (one per pair of values): at LeNet's first pool,
// a fifth of its fused convolution's pass went to the comparisons. A register whose windows hold
// a NaN is rare: it is redone by take_larger, so that every form gives the same values.
template <class V, std::size_t KH, std::size_t KW, std::size_t Ld, std::size_t span, bool Keep,
          class T>
NERVE_INLINE void run_maxima(const T* run, T first_position, T* best_of, T* where_of) noexcept {
  constexpr std::size_t L = V::size, n = KH * KW;
  static_assert(span >= L, "a run of window corners shorter than a register");
  const V first = V(first_position) + V::load_aligned(kernels::detail::lane_index<T, L>.v);
  auto exact = [&](std::size_t c) NERVE_TILE_LAMBDA {
    V best = V::load_unaligned(run + c);
    V where = first + V(static_cast<T>(c));
    for (std::size_t i = 0; i < KH; ++i) {
      for (std::size_t j = i == 0 ? 1 : 0; j < KW; ++j) {
        const std::size_t p = c + i * Ld + j;
        take_larger(V::load_unaligned(run + p), first + V(static_cast<T>(p)), best, where);
      }
    }
    best.store_unaligned(best_of + c);
    if constexpr (Keep) where.store_unaligned(where_of + c);
  };
  auto maxima = [&](std::size_t c) NERVE_TILE_LAMBDA {
    if constexpr (Keep) {
      exact(c);
    } else {
      V v[n];
      for (std::size_t k = 0; k < n; ++k) v[k] = V::load_unaligned(run + c + k / KW * Ld + k % KW);
      V best = v[0];
      for (std::size_t k = 1; k < n; ++k) best = strictly_larger(v[k], best);
      auto nan = either_nan(v[0], v[n > 1 ? 1 : 0]);  // by pairs (the last alone if n is odd)
      for (std::size_t k = 2; k < n; k += 2) nan = nan | either_nan(v[k], v[k + 1 < n ? k + 1 : k]);
      if (xsimd::any(nan)) [[unlikely]] exact(c);
      else best.store_unaligned(best_of + c);
    }
  };
  for (std::size_t c = 0; c + L <= span; c += L) maxima(c);
  if constexpr (span % L != 0) maxima(span - L);
}

// Row by row: a run per row of outputs, its (OW - 1) SW + 1 corners. The register is the widest
// within that span: SW times the comparisons of the outputs, but whole registers (at LeNet's
// first pool, SW = 2, about 4x faster than a window at a time). Registers narrower than the
// default one only where the positions are kept (Keep): without them a window at a time was as
// fast at LeNet's second pool (W4 9.15 against 9.29 us with AVX's registers; W4b32, which keeps
// them, 1004 against 969 us).
template <class Win, std::size_t OW, class T, bool Keep>
using max_pool_register = typename decltype(register_within<
    T, (OW - 1) * static_cast<std::size_t>(Win::stride_width) + 1, Keep>())::type;
template <class Win, std::size_t OW, class T, bool Keep>
inline constexpr bool max_pool_by_registers =
    Win::unpadded && !std::is_void_v<max_pool_register<Win, OW, T, Keep>>;

// The whole plane as one run, where a row is too short for the register (LeNet's second pool:
// 9 corners a row, 89 in the plane): the corners between the rows' spans are computed and
// dropped. Up to 1024 corners (the maxima are kept on the stack).
template <class Win, std::size_t OH, std::size_t OW, std::size_t Ld>
inline constexpr std::size_t plane_corners =
    (OH - 1) * static_cast<std::size_t>(Win::stride_height) * Ld +
    (OW - 1) * static_cast<std::size_t>(Win::stride_width) + 1;
template <class Win, std::size_t OH, std::size_t OW, std::size_t Ld, class T>
inline constexpr bool max_pool_by_plane =
    Win::unpadded && plane_corners<Win, OH, OW, Ld> >= xsimd::batch<T>::size &&
    plane_corners<Win, OH, OW, Ld> <= 1024;

template <class Win, std::size_t H, std::size_t W, std::size_t OH, std::size_t OW, std::size_t Ld,
          bool Keep, class T>
NERVE_INLINE void max_pool_plane_by_registers(const T* x, T* y, T* at, std::size_t base) noexcept {
  constexpr auto KH = static_cast<std::size_t>(Win::kernel_height);
  constexpr auto KW = static_cast<std::size_t>(Win::kernel_width);
  constexpr auto SH = static_cast<std::size_t>(Win::stride_height);
  constexpr auto SW = static_cast<std::size_t>(Win::stride_width);
  // Positions within the sample, counted in T from the run's first value (exact below 2^24 in
  // float, which MaxPool's static_assert checks): kept as they are, with no conversion per output.
  if constexpr (max_pool_by_registers<Win, OW, T, Keep>) {
    using V = max_pool_register<Win, OW, T, Keep>;
    constexpr std::size_t span = (OW - 1) * SW + 1;
    alignas(64) T best_of[span + V::size];  // per corner: its window's maximum, its position
    alignas(64) T where_of[Keep ? span + V::size : 1];
    for (std::size_t oh = 0; oh < OH; ++oh) {
      run_maxima<V, KH, KW, Ld, span, Keep>(x + oh * SH * Ld, static_cast<T>(base + oh * SH * Ld),
                                            best_of, where_of);
      T* yo = y + oh * OW;
      for (std::size_t ow = 0; ow < OW; ++ow) yo[ow] = best_of[ow * SW];
      if constexpr (Keep) {
        for (std::size_t ow = 0; ow < OW; ++ow) at[oh * OW + ow] = where_of[ow * SW];
      }
    }
  } else {
    using V = xsimd::batch<T>;
    constexpr std::size_t span = plane_corners<Win, OH, OW, Ld>;
    alignas(64) T best_of[span + V::size];
    alignas(64) T where_of[Keep ? span + V::size : 1];
    run_maxima<V, KH, KW, Ld, span, Keep>(x, static_cast<T>(base), best_of, where_of);
    for (std::size_t oh = 0; oh < OH; ++oh) {
      for (std::size_t ow = 0; ow < OW; ++ow) y[oh * OW + ow] = best_of[oh * SH * Ld + ow * SW];
      if constexpr (Keep) {
        for (std::size_t ow = 0; ow < OW; ++ow) at[oh * OW + ow] = where_of[oh * SH * Ld + ow * SW];
      }
    }
  }
}

// One plane (H x W, rows Ld apart) of one sample: y (OH x OW) the maximum of each window; if
// Keep, at[o] = base + the position (h * Ld + w) of that maximum.
template <class Win, std::size_t H, std::size_t W, std::size_t OH, std::size_t OW, std::size_t Ld,
          bool Keep, class T>
inline void max_pool_plane(const T* x, T* y, T* at, std::size_t base) noexcept {
  // Registers read whole windows: not where a last window is cut short (ceil mode).
  if constexpr (Win::template windows_inside<H, W, OH, OW> &&
                (max_pool_by_registers<Win, OW, T, Keep> || max_pool_by_plane<Win, OH, OW, Ld, T>)) {
    max_pool_plane_by_registers<Win, H, W, OH, OW, Ld, Keep>(x, y, at, base);
  } else {
    for (std::size_t oh = 0; oh < OH; ++oh) {
      const auto rows = Win::rows_of(oh, H);
      for (std::size_t ow = 0; ow < OW; ++ow) {
        const auto cols = Win::cols_of(ow, W);
        T best = -std::numeric_limits<T>::infinity();
        std::size_t where = rows.begin * Ld + cols.begin;  // the first value, if all are -inf
        Win::template for_each_position<Ld>(
            rows, cols, [&](std::size_t p) { take_larger(x[p], p, best, where); });
        y[oh * OW + ow] = best;
        if constexpr (Keep) at[oh * OW + ow] = static_cast<T>(base + where);
      }
    }
  }
}

// Whether the windows cut a plane into tiles: the stride is the kernel, there is no padding and
// no row or column is left over (MaxPool<2> on 28 x 28). Every input is then in one window.
template <class Win, std::size_t H, std::size_t W, std::size_t OH, std::size_t OW>
inline constexpr bool windows_tile =
    Win::unpadded && Win::stride_height == Win::kernel_height &&
    Win::stride_width == Win::kernel_width &&
    H == OH * static_cast<std::size_t>(Win::kernel_height) &&
    W == OW * static_cast<std::size_t>(Win::kernel_width);

// For the register of row columns [k L, k L + L): lane l reads window (k L + l) / KW, counted
// from the register's first window (0 past the row's end, a lane that is not stored).
// Lane numbers as permute_lanes takes them: int32 for float, int64 for double.
template <class T>
using lane_number = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
template <class T, std::size_t L, std::size_t W, std::size_t KW>
inline constexpr auto window_of_lane = [] {
  std::array<kernels::detail::LaneIndex<lane_number<T>, L>, (W + L - 1) / L> r{};
  for (std::size_t k = 0; k < r.size(); ++k) {
    for (std::size_t l = 0; l < L; ++l) {
      const std::size_t col = k * L + l;
      r[k].v[l] = col < W ? static_cast<lane_number<T>>(col / KW - k * L / KW) : 0;
    }
  }
  return r;
}();

// dx of one plane whose windows tile it (windows_tile), rows of W: input w of row h gets dy of
// its window where that window kept the position base + h W + w, else 0. Each dx value is
// written once, a register at a time: no zeroing pass before, no scatter after. Per window row,
// dy and the kept positions are loaded once and spread over the KW lanes of each window (one
// lane permutation each), then compared with the positions of each of the KH input rows.
template <std::size_t H, std::size_t W, std::size_t KH, std::size_t KW, class Arch, class T>
NERVE_INLINE void max_pool_gradient_by_tiles(const T* dy, const T* at, T* dx,
                                             std::size_t base) noexcept {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t L = V::size, OW = W / KW;
  const V lanes = V::load_aligned(kernels::detail::lane_index<T, L>.v);
  for (std::size_t oh = 0; oh < H / KH; ++oh) {
    kernels::detail::static_for<(W + L - 1) / L>([&](auto k) NERVE_TILE_LAMBDA {
      constexpr std::size_t column = decltype(k)::value * L, n = std::min(L, W - column);
      constexpr std::size_t first = column / KW, windows = (column + n - 1) / KW - first + 1;
      const auto* spread = window_of_lane<T, L, W, KW>[decltype(k)::value].v;
      const std::size_t o = oh * OW + first;
      const V g = kernels::detail::permute_lanes<Arch>(
          kernels::detail::lanes_between<Arch>(dy + o, 0, windows), spread);
      const V kept = kernels::detail::permute_lanes<Arch>(
          kernels::detail::lanes_between<Arch>(at + o, 0, windows), spread);
      for (std::size_t i = 0; i < KH; ++i) {
        const std::size_t h = oh * KH + i;
        const V mine = lanes + V(static_cast<T>(base + h * W + column));
        const V v = xsimd::select(kept == mine, g, V(T(0)));
        if constexpr (n == L) v.store_unaligned(dx + h * W + column);
        else kernels::detail::store_leading_lanes<Arch>(dx + h * W + column, v, unsigned{n});
      }
    });
  }
}

}  // namespace detail

template <auto K, class S = typename detail::pool_kernel<K>::default_stride, class Padding = Valid,
          class... Options>
struct MaxPool : layer {
  using options = detail::pool_options<Options...>;
  using window = detail::pool_window<K, S, Padding, options::ceil>;

  static constexpr bool valid_parameters =
      window::valid && options::known && options::counts == 0 && options::divisors == 0 &&
      options::once;
  // Wrong kinds of arguments (a padding where the stride goes) first, then wrong values
  // (layer.hpp); pool_window holds the stand-ins.
  template <class At>
  struct rejects_parameters {
    static_assert(detail::pool_kernel<K>::well_typed || meta::dependent_false<At>,
                  "the first argument of MaxPool is its window: an integer for a square one "
                  "(MaxPool<2>) or a Kernel value (MaxPool<Kernel<3, 2>{}>)");
    static_assert(is_stride<S> || meta::dependent_false<At>,
                  "the second argument of MaxPool is its stride: Stride<S> or Stride<SH, SW> (by "
                  "default the kernel, as in PyTorch), e.g. MaxPool<3, Stride<2>>");
    static_assert(is_padding<Padding> || meta::dependent_false<At>,
                  "the third argument of MaxPool is its padding: Valid (the default), Pad<P>, "
                  "Pad<PH, PW>, Pad<top, left, bottom, right> or Same, e.g. MaxPool<3, Stride<1>, "
                  "Pad<1>>");
    static_assert((options::known && options::counts == 0 && options::divisors == 0) ||
                      meta::dependent_false<At>,
                  "MaxPool's argument after its padding is how windows are counted: FloorMode "
                  "(the default, PyTorch's ceil_mode=False) or CeilMode (ceil_mode=True), e.g. "
                  "MaxPool<3, Stride<2>, Valid, CeilMode>; IncludePad, ExcludePad and Divisor<N> "
                  "are AvgPool's");
    static_assert(!options::known || options::counts != 0 || options::divisors != 0 ||
                      options::once || meta::dependent_false<At>,
                  "MaxPool takes one of FloorMode and CeilMode, once");
    static_assert(!window::well_typed || window::positive || meta::dependent_false<At>,
                  "MaxPool needs a kernel and a stride of at least 1 in each direction: a zero or "
                  "negative size makes no window (write e.g. MaxPool<2> or MaxPool<3, Stride<2>>)");
    static_assert(!window::well_typed || !window::positive || window::padding_within_half ||
                      meta::dependent_false<At>,
                  "MaxPool's padding must be at least 0 and at most half its kernel on each side "
                  "(PyTorch's rule, pad <= kernel / 2), so that every window holds a value of the "
                  "input: reduce the padding or enlarge the kernel");
    static_assert(!window::well_typed || !window::positive || !window::padding_within_half ||
                      window::same_at_stride_one || meta::dependent_false<At>,
                  "MaxPool with Same padding needs stride 1 (only then does the output keep the "
                  "input's size): write MaxPool<K, Stride<1>, Same>, or Pad<P> with a stride");
  };

  template <AnyShape In>
  static constexpr bool accepts = window::template fits<In>;

  template <class Got, class At>
  struct rejects_input {
    using In = typename detail::got_shape<Got>::type;
    static_assert(is_image<In> || meta::dependent_false<Got>,
                  "MaxPool takes an image (channels, height, width), a rank-3 input, and this one "
                  "is not: start the network with Input<C, H, W> (e.g. Input<1, 28, 28>) and pool "
                  "before Flatten");
    static_assert(!is_image<In> || meta::dependent_false<Got>,
                  "MaxPool's window does not fit its input: the kernel is larger than the "
                  "height or width of the (padded) image named in the 'In instantiation of' "
                  "line: use a smaller kernel, pad the image, or pool an earlier, larger map");
  };

  template <AnyShape In>
  using output_shape = typename window::template output_shape<In>;

  static std::string name() {
    return "MaxPool<" + window::arguments(options::ceil ? ", CeilMode" : "") + ">";
  }

  // The position of each output's maximum, kept from forward to backward.
  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{
      .kept = M == mode::training ? B * output_shape<In>::size : 0};

  // A comparison per value of each window after the first (the padding is never compared; this
  // counts every window whole, an upper bound at the borders).
  template <AnyShape In>
  static constexpr std::size_t forward_flops = output_shape<In>::size * (window::area - 1);
  template <AnyShape In>  // dy added at each kept position
  static constexpr std::size_t backward_flops = output_shape<In>::size;

  template <class Ctx>
  static void forward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    using In = typename Ctx::in_shape;
    using Out = output_shape<In>;
    static_assert(In::size <= detail::exact_positions<T>,
                  "MaxPool keeps each maximum's position as a value of the network's scalar "
                  "type, exact below 2^24 in float: this image has more values per sample: use "
                  "BasicNetwork<double, ...> or a smaller image");
    constexpr std::size_t C = In::dims[0], H = In::dims[1], W = In::dims[2];
    constexpr std::size_t OH = Out::dims[1], OW = Out::dims[2];
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      const T* x = ctx.x + b * ctx.ldx;
      T* y = ctx.y + b * ctx.ldy;
      for (std::size_t c = 0; c < C; ++c) {
        if (ctx.kept != nullptr) {
          detail::max_pool_plane<window, H, W, OH, OW, W, true>(
              x + c * H * W, y + c * OH * OW, ctx.kept + b * Out::size + c * OH * OW, c * H * W);
        } else {
          detail::max_pool_plane<window, H, W, OH, OW, W, false>(
              x + c * H * W, y + c * OH * OW, static_cast<T*>(nullptr), 0);
        }
      }
    }
  }

  // One plane of In, rows RowStride apart, into its OH x OW outputs: how a layer that makes
  // planes (Conv2D) runs this one inside its output pass at inference (network/execute.hpp).
  static constexpr bool pools_planes = true;
  template <class T, AnyShape In, std::size_t RowStride>
  static void pool_plane(const T* x, T* y) noexcept {
    using Out = output_shape<In>;
    detail::max_pool_plane<window, In::dims[1], In::dims[2], Out::dims[1], Out::dims[2], RowStride,
                           false>(x, y, static_cast<T*>(nullptr), 0);
  }

  // Whether no input is in two windows (the stride at least the kernel, both ways).
  static constexpr bool windows_apart = window::stride_height >= window::kernel_height &&
                                        window::stride_width >= window::kernel_width;

  // Windows that tile the plane: dx written once, register by register
  // (max_pool_gradient_by_tiles). Otherwise dx = 0, then dx[position of the maximum] += dy.
  template <class Ctx>
  static void backward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    using In = typename Ctx::in_shape;
    using Out = output_shape<In>;
    if (ctx.dx == nullptr) return;
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      T* dx = ctx.dx + b * ctx.ld_dx;
      const T* dy = ctx.dy + b * ctx.ldy;
      const T* at = ctx.kept + b * Out::size;
      constexpr std::size_t C = In::dims[0], H = In::dims[1], W = In::dims[2];
      constexpr std::size_t OH = Out::dims[1], OW = Out::dims[2];
      if constexpr (detail::windows_tile<window, H, W, OH, OW> &&
                    kernels::detail::has_lane_masks<T, xsimd::default_arch>) {
        constexpr auto KH = static_cast<std::size_t>(window::kernel_height);
        constexpr auto KW = static_cast<std::size_t>(window::kernel_width);
        for (std::size_t c = 0; c < C; ++c) {
          detail::max_pool_gradient_by_tiles<H, W, KH, KW, xsimd::default_arch>(
              dy + c * OH * OW, at + c * OH * OW, dx + c * H * W, c * H * W);
        }
        continue;
      }
      std::fill_n(dx, In::size, T(0));
      std::size_t o = 0;
      if constexpr (windows_apart && kernels::detail::has_lane_masks<T, xsimd::default_arch>) {
        // Windows that do not overlap send each gradient to an input of its own: a register of
        // them at a time, by one scatter (LeNet's pools: 2.2 cycles an output one by one).
        using V = xsimd::batch<T>;
        for (; o + V::size <= Out::size; o += V::size) {
          kernels::detail::scatter_to_positions<xsimd::default_arch>(dx, at + o,
                                                                     V::load_unaligned(dy + o));
        }
      }
      for (; o < Out::size; ++o) dx[static_cast<std::size_t>(at[o])] += dy[o];
    }
  }
};

}  // namespace nerve
