// nerve/kernels/simd.hpp: the few xsimd helpers the micro-kernels share.
//
// Everything here is generic over an xsimd architecture tag, so one kernel serves SSE2, AVX2 and
// AVX-512 (and NEON); only the register budget differs by target.
#pragma once

#include <algorithm>    // std::copy_n
#include <cmath>        // std::sqrt
#include <cstddef>      // std::size_t
#include <type_traits>  // std::integral_constant, std::is_base_of_v, std::is_same_v, ...
#include <utility>      // std::index_sequence

#include "nerve/config.hpp"            // NERVE_INLINE; xsimd; xsimd_compat::haddp
#include "nerve/kernels/layout.hpp"    // nerve::kernels::lanes

namespace nerve::kernels {

template <class T, class Arch = xsimd::default_arch>
using simd = xsimd::batch<T, Arch>;

// Elements of T in one register of Arch.
template <class T, class Arch>
inline constexpr std::size_t width = simd<T, Arch>::size;

// Architectural vector registers: the budget a register tile must fit in (accumulators, the
// loaded operand vectors and one broadcast), or the compiler spills and the kernel halves in speed.
template <class Arch>
inline constexpr std::size_t vector_registers =
    (std::is_base_of_v<xsimd::avx512f, Arch> || std::is_base_of_v<xsimd::neon64, Arch>) ? 32 : 16;

// Holds v in a vector register from here on. In a tile that reads one loaded vector several
// times, g++ 12 may fold each use back into a memory operand of its FMA (one load per use): the
// weight-gradient tile of a convolution then issued 20 loads per 16 FMAs instead of 8 and was
// load-bound. An empty asm that takes and gives back the register stops the folding; it emits
// nothing. x86 only (the constraint "v" names an SSE/AVX/AVX-512 register); elsewhere a no-op.
template <class T, class Arch>
NERVE_INLINE void keep_in_register(simd<T, Arch>& v) noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  auto r = static_cast<typename simd<T, Arch>::register_type>(v);
  asm("" : "+v"(r));
  v = simd<T, Arch>(r);
#else
  (void)v;
#endif
}

// sqrt of every lane of a register, or of one scalar (the scalar tail of an element-wise loop).
// For AVX-512 it avoids xsimd::sqrt's _mm512_sqrt_ps, whose inlined _mm512_undefined_ps trips a
// false -Wmaybe-uninitialized in g++ 12.2 (GCC PR 105593); the zero-masked form with every lane
// selected is the same instruction without that warning. The only raw intrinsics outside
// xsimd live in kernels/: here (this, and the masked lanes below) and in transpose.hpp.
template <class T, class Arch>
NERVE_INLINE simd<T, Arch> sqrt_lanes(const simd<T, Arch>& x) noexcept {
#if defined(__AVX512F__)
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, float>)
    return _mm512_maskz_sqrt_ps(0xFFFF, x);
  else if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, double>)
    return _mm512_maskz_sqrt_pd(0xFF, x);
  else
#endif
    return xsimd::sqrt(x);
}
template <class T>
  requires std::is_floating_point_v<T>
NERVE_INLINE T sqrt_lanes(T x) noexcept {
  return std::sqrt(x);
}

namespace detail {

// Calls f(i) for i = 0..N-1 (a std::size_t) in a loop the compiler unrolls completely, so indices
// into register arrays become constants after unrolling and the arrays live in registers. f is
// instantiated once, not N times: static_for below made a kernel's lambdas N x M functions for
// the compiler to inline and optimise, and in the convolution and Dense backward kernels that was
// a third of the LeNet example's -O3 time, for the same code (docs/benchmarks.md, "Compile time").
template <std::size_t N, class F>
NERVE_INLINE constexpr void unrolled_for(F&& f) {
#pragma GCC unroll 64
  for (std::size_t i = 0; i < N; ++i) f(i);
}
// Calls f(integral_constant<I>) for I = 0..N-1: for an index that must be a constant expression
// (a template argument, a constexpr span), and in the GEMV, GEMM and outer-product tiles, where
// the loop measured slower (W3's batch-1 training step 12% slower with those as loops too).
template <std::size_t N, class F>
NERVE_INLINE constexpr void static_for(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) NERVE_TILE_LAMBDA {
    (f(std::integral_constant<std::size_t, I>{}), ...);
  }(std::make_index_sequence<N>{});
}

template <class Arch, class T>
NERVE_INLINE simd<T, Arch> load_aligned(const T* p) noexcept {
  return simd<T, Arch>::load_aligned(p);
}
template <class Arch, class T>
NERVE_INLINE simd<T, Arch> load_unaligned(const T* p) noexcept {
  return simd<T, Arch>::load_unaligned(p);
}
template <class Arch, class T>
NERVE_INLINE simd<T, Arch> broadcast(T v) noexcept {
  return simd<T, Arch>(v);
}

// One register's worth of values, aligned for a single load: lane_index below holds 0, 1, 2, ...,
// and MaxPool's backward the lane numbers it permutes by.
template <class T, std::size_t W>
struct alignas(64) LaneIndex {
  T v[W];
};
template <class T, std::size_t W>
inline constexpr LaneIndex<T, W> lane_index = [] {
  LaneIndex<T, W> s{};
  for (std::size_t i = 0; i < W; ++i) s.v[i] = static_cast<T>(i);
  return s;
}();

// Lanes [0, live) true, the rest false: keeps padded columns (m >= M) of a row exactly zero.
template <class Arch, class T>
NERVE_INLINE xsimd::batch_bool<T, Arch> leading_lanes(std::size_t live) noexcept {
  return load_aligned<Arch>(lane_index<T, width<T, Arch>>.v) <
         broadcast<Arch>(static_cast<T>(live));
}

// Whether Arch loads and stores a chosen set of lanes without touching memory outside them, and
// scatters (AVX-512): what lanes_between, store_leading_lanes, permute_lanes and
// scatter_to_positions need.
template <class T, class Arch>
inline constexpr bool has_lane_masks =
#if defined(__AVX512F__)
    std::is_base_of_v<xsimd::avx512f, Arch> &&
    (std::is_same_v<T, float> || std::is_same_v<T, double>);
#else
    false;
#endif

// Lane l of the result is p[l] for l in [lo, hi) and 0 elsewhere; p[l] outside [lo, hi) is not
// read (p may point before an array whose first element is p[lo]). One masked load where
// has_lane_masks; elsewhere lane by lane (correct, not fast: callers choose by has_lane_masks).
template <class Arch, class T>
NERVE_INLINE simd<T, Arch> lanes_between(const T* p, unsigned lo, unsigned hi) noexcept {
#if defined(__AVX512F__)
  if constexpr (has_lane_masks<T, Arch>) {
    const unsigned mask = ((1u << hi) - 1u) & ~((1u << lo) - 1u);
    if constexpr (std::is_same_v<T, float>) return _mm512_maskz_loadu_ps(__mmask16(mask), p);
    else return _mm512_maskz_loadu_pd(__mmask8(mask), p);
  } else
#endif
  {
    alignas(64) T v[width<T, Arch>] = {};
    for (unsigned l = lo; l < hi; ++l) v[l] = p[l];
    return load_aligned<Arch>(v);
  }
}

// Lane l of the result is v[index[l]]: index is one register of lane numbers, aligned, as int32
// for float and int64 for double. One permutation where has_lane_masks; elsewhere lane by lane.
template <class Arch, class T, class I>
NERVE_INLINE simd<T, Arch> permute_lanes(const simd<T, Arch>& v, const I* index) noexcept {
  static_assert(sizeof(I) == sizeof(T), "permute_lanes: one index per lane, as wide as the lane");
#if defined(__AVX512F__)
  if constexpr (has_lane_masks<T, Arch>) {
    const __m512i i = _mm512_load_si512(index);
    if constexpr (std::is_same_v<T, float>) return _mm512_permutexvar_ps(i, v);
    else return _mm512_permutexvar_pd(i, v);
  } else
#endif
  {
    alignas(64) T in[width<T, Arch>], out[width<T, Arch>];
    v.store_aligned(in);
    for (std::size_t l = 0; l < width<T, Arch>; ++l) out[l] = in[static_cast<std::size_t>(index[l])];
    return load_aligned<Arch>(out);
  }
}

// base[positions[l]] = v[l] for every lane l: the positions are whole numbers held as T (exact:
// below 2^24 in float), and distinct (a scatter does not add two lanes bound for one element).
template <class Arch, class T>
NERVE_INLINE void scatter_to_positions(T* base, const T* positions, const simd<T, Arch>& v) noexcept {
#if defined(__AVX512F__)
  if constexpr (has_lane_masks<T, Arch>) {
    if constexpr (std::is_same_v<T, float>) {
      _mm512_i32scatter_ps(base, _mm512_cvttps_epi32(_mm512_loadu_ps(positions)), v, 4);
    } else {
      _mm512_i32scatter_pd(base, _mm512_cvttpd_epi32(_mm512_loadu_pd(positions)), v, 8);
    }
    return;
  }
#endif
  alignas(64) T values[width<T, Arch>];
  v.store_aligned(values);
  for (std::size_t l = 0; l < width<T, Arch>; ++l)
    base[static_cast<std::size_t>(positions[l])] = values[l];
}

// p[l] = v[l] for l < n; p[n..] untouched.
template <class Arch, class T>
NERVE_INLINE void store_leading_lanes(T* p, const simd<T, Arch>& v, unsigned n) noexcept {
#if defined(__AVX512F__)
  if constexpr (has_lane_masks<T, Arch>) {
    const unsigned mask = (1u << n) - 1u;
    if constexpr (std::is_same_v<T, float>) _mm512_mask_storeu_ps(p, __mmask16(mask), v);
    else _mm512_mask_storeu_pd(p, __mmask8(mask), v);
    return;
  }
#endif
  alignas(64) T values[width<T, Arch>];
  v.store_aligned(values);
  for (unsigned l = 0; l < n; ++l) p[l] = values[l];
}

// result[j] = sum of the lanes of rows[j], j < width: a transposing reduction in registers
// (xsimd's haddp, with its AVX-512 lane order put right in nerve/config.hpp).
template <class Arch, class T>
NERVE_INLINE simd<T, Arch> transpose_sum(const simd<T, Arch>* rows) noexcept {
  return xsimd_compat::haddp(rows);
}

}  // namespace detail

// to[0, N) = from[0, N) for a small N known at compile time, in registers, inline: a recurrent
// step copies its state in and out several times, and a call to memmove for 128 bytes cost more
// than the copy. Larger N goes to std::copy_n. The ranges must not overlap.
template <std::size_t N, class T, class Arch = xsimd::default_arch>
NERVE_INLINE void copy_values(const T* NERVE_RESTRICT from, T* NERVE_RESTRICT to) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  if constexpr (N / W > 16) {
    std::copy_n(from, N, to);
  } else {
    detail::unrolled_for<N / W>(
        [&](auto v) { detail::load_unaligned<Arch>(from + v * W).store_unaligned(to + v * W); });
    for (std::size_t i = N / W * W; i < N; ++i) to[i] = from[i];
  }
}

}  // namespace nerve::kernels
