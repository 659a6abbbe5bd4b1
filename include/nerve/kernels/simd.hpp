// nerve/kernels/simd.hpp: the few xsimd helpers the micro-kernels share.
//
// Everything here is generic over an xsimd architecture tag, so one kernel serves SSE2, AVX2 and
// AVX-512 (and NEON); only the register budget differs by target.
#pragma once

#include <cstddef>      // std::size_t
#include <type_traits>  // std::integral_constant, std::is_base_of_v, std::is_same_v
#include <utility>      // std::index_sequence

#include "nerve/config.hpp"            // NERVE_INLINE; xsimd::batch, default_arch, haddp
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

namespace detail {

// Calls f(integral_constant<I>) for I = 0..N-1, unrolled: indices into register arrays stay
// compile-time constants, so the arrays live in registers (a runtime loop would put them in memory).
template <std::size_t N, class F>
NERVE_INLINE constexpr void static_for(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
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

// 0, 1, 2, ... one register's worth, aligned for a single load.
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

// xsimd 8.1's haddp for AVX-512 floats returns its sums in the lane order
// 0 1 4 5 2 3 6 7 8 9 12 13 10 11 14 15 (the other targets and doubles are in order). The order is
// an involution, so feeding the rows in that order puts every sum in its own lane;
// tests/unit/kernels_dense.cpp checks the result on every target, so a fixed xsimd shows up there.
template <class T, class Arch>
inline constexpr bool haddp_lanes_swapped = XSIMD_VERSION_MAJOR == 8 &&
                                            std::is_base_of_v<xsimd::avx512f, Arch> &&
                                            std::is_same_v<T, float>;

// result[j] = sum of the lanes of rows[j], j < width: a transposing reduction in registers.
template <class Arch, class T>
NERVE_INLINE simd<T, Arch> transpose_sum(const simd<T, Arch>* rows) noexcept {
  if constexpr (haddp_lanes_swapped<T, Arch>) {
    constexpr std::size_t order[16] = {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15};
    simd<T, Arch> swapped[16];
    static_for<16>([&](auto j) { swapped[j] = rows[order[j]]; });
    return xsimd::haddp(swapped);
  } else {
    return xsimd::haddp(rows);
  }
}

}  // namespace detail
}  // namespace nerve::kernels
