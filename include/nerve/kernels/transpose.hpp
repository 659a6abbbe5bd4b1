// nerve/kernels/transpose.hpp: packed weights (layout.hpp: K rows of padded<M>, Wt[k][m]) laid
// out in PyTorch's orientation (M rows of padded<K>), so that a product with W untransposed runs
// as the forward GEMM's outer product: Dense's input gradient in outer-product form, a recurrent
// layer's dh = dr W_hh every step.
//
// A register-sized square block at a time, transposed in registers (AVX-512 and AVX: unpacks
// within 128-bit lanes, then lane shuffles; 64 shuffles for 16 x 16 floats), so that both the
// loads and the stores are whole rows. Element by element, one side is strided by a whole row:
// W6's W_hh (512 x 128 floats) took 30 us that way, 2% of the training step.
#pragma once

#include <algorithm>  // std::fill, std::min
#include <cstddef>    // std::size_t
#include <type_traits>

#include "nerve/config.hpp"          // NERVE_INLINE, NERVE_RESTRICT; xsimd
#include "nerve/kernels/layout.hpp"  // nerve::kernels::padded

namespace nerve::kernels {

// The scratch transpose_weights writes (elements of T).
template <std::size_t M, std::size_t K, class T>
inline constexpr std::size_t transposed_weights = M * padded<K, T>;

namespace detail {

// The side of the square block Arch transposes in registers for T (0: none, element by element).
template <class T, class Arch>
inline constexpr std::size_t transpose_block_side = []() -> std::size_t {
  [[maybe_unused]] constexpr bool single = std::is_same_v<T, float>, twice = std::is_same_v<T, double>;
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) return single ? 16 : twice ? 8 : 0;
#endif
#if XSIMD_WITH_AVX
  if constexpr (std::is_base_of_v<xsimd::avx, Arch>) return single ? 8 : twice ? 4 : 0;
#endif
  return 0;
}();

#if XSIMD_WITH_AVX
// The steps within 128-bit lanes, the same for AVX and AVX-512 registers.
NERVE_INLINE __m256 unpack_low(__m256 a, __m256 b) noexcept { return _mm256_unpacklo_ps(a, b); }
NERVE_INLINE __m256 unpack_high(__m256 a, __m256 b) noexcept { return _mm256_unpackhi_ps(a, b); }
NERVE_INLINE __m256 low_pairs(__m256 a, __m256 b) noexcept { return _mm256_shuffle_ps(a, b, 0x44); }
NERVE_INLINE __m256 high_pairs(__m256 a, __m256 b) noexcept { return _mm256_shuffle_ps(a, b, 0xEE); }
NERVE_INLINE __m256d unpack_low(__m256d a, __m256d b) noexcept { return _mm256_unpacklo_pd(a, b); }
NERVE_INLINE __m256d unpack_high(__m256d a, __m256d b) noexcept { return _mm256_unpackhi_pd(a, b); }
#endif
#if XSIMD_WITH_AVX512F
NERVE_INLINE __m512 unpack_low(__m512 a, __m512 b) noexcept { return _mm512_unpacklo_ps(a, b); }
NERVE_INLINE __m512 unpack_high(__m512 a, __m512 b) noexcept { return _mm512_unpackhi_ps(a, b); }
NERVE_INLINE __m512 low_pairs(__m512 a, __m512 b) noexcept { return _mm512_shuffle_ps(a, b, 0x44); }
NERVE_INLINE __m512 high_pairs(__m512 a, __m512 b) noexcept { return _mm512_shuffle_ps(a, b, 0xEE); }
NERVE_INLINE __m512d unpack_low(__m512d a, __m512d b) noexcept { return _mm512_unpacklo_pd(a, b); }
NERVE_INLINE __m512d unpack_high(__m512d a, __m512d b) noexcept { return _mm512_unpackhi_pd(a, b); }
// Across lanes: lanes 0 and 2 of a, then of b; lanes 1 and 3 of a, then of b.
NERVE_INLINE __m512 even_lanes(__m512 a, __m512 b) noexcept { return _mm512_shuffle_f32x4(a, b, 0x88); }
NERVE_INLINE __m512 odd_lanes(__m512 a, __m512 b) noexcept { return _mm512_shuffle_f32x4(a, b, 0xDD); }
NERVE_INLINE __m512d even_lanes(__m512d a, __m512d b) noexcept { return _mm512_shuffle_f64x2(a, b, 0x88); }
NERVE_INLINE __m512d odd_lanes(__m512d a, __m512d b) noexcept { return _mm512_shuffle_f64x2(a, b, 0xDD); }
NERVE_INLINE void store_row(float* to, __m512 v) noexcept { _mm512_storeu_ps(to, v); }
NERVE_INLINE void store_row(double* to, __m512d v) noexcept { _mm512_storeu_pd(to, v); }

// AVX-512, after the steps within lanes: with s = N / 4 columns per lane, lane l of r[j],
// r[s + j], r[2s + j], r[3s + j] is column s l + j (rows 0 .. N-1), gathered in two rounds.
template <class T, class R, std::size_t N>
NERVE_INLINE void store_across_lanes(const R (&r)[N], T* to, std::size_t ld_to) noexcept {
  constexpr std::size_t s = N / 4;
  for (std::size_t j = 0; j < s; ++j) {
    const R even_a = even_lanes(r[j], r[s + j]), odd_a = odd_lanes(r[j], r[s + j]);
    const R even_b = even_lanes(r[2 * s + j], r[3 * s + j]), odd_b = odd_lanes(r[2 * s + j], r[3 * s + j]);
    store_row(to + j * ld_to, even_lanes(even_a, even_b));
    store_row(to + (2 * s + j) * ld_to, odd_lanes(even_a, even_b));
    store_row(to + (s + j) * ld_to, even_lanes(odd_a, odd_b));
    store_row(to + (3 * s + j) * ld_to, odd_lanes(odd_a, odd_b));
  }
}
#endif

// Floats: within each 128-bit lane l, rows 4q .. 4q+3 become r[4q + j] = column 4l + j of them.
template <class R, std::size_t N>
NERVE_INLINE void transpose_lanes_4x4(R (&r)[N]) noexcept {
  for (std::size_t q = 0; q < N; q += 4) {
    const R t0 = unpack_low(r[q], r[q + 1]), t1 = unpack_high(r[q], r[q + 1]);
    const R t2 = unpack_low(r[q + 2], r[q + 3]), t3 = unpack_high(r[q + 2], r[q + 3]);
    r[q] = low_pairs(t0, t2), r[q + 1] = high_pairs(t0, t2);
    r[q + 2] = low_pairs(t1, t3), r[q + 3] = high_pairs(t1, t3);
  }
}
// Doubles: within each 128-bit lane l, rows 2q, 2q+1 become r[2q + j] = column 2l + j of them.
template <class R, std::size_t N>
NERVE_INLINE void transpose_lanes_2x2(R (&r)[N]) noexcept {
  for (std::size_t q = 0; q < N; q += 2) {
    const R low = unpack_low(r[q], r[q + 1]);
    r[q + 1] = unpack_high(r[q], r[q + 1]), r[q] = low;
  }
}

// to[j * ld_to + i] = from[i * ld_from + j] for i, j < transpose_block_side<T, Arch>: the rows
// transposed within 128-bit lanes, then the lanes moved across registers.
template <class T, class Arch>
NERVE_INLINE void transpose_block(const T* NERVE_RESTRICT from, std::size_t ld_from,
                                  T* NERVE_RESTRICT to, std::size_t ld_to) noexcept {
  static_assert(transpose_block_side<T, Arch> > 0,
                "transpose_block: no register transpose for this type and architecture");
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, float>) {
    __m512 r[16];
    for (std::size_t i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(from + i * ld_from);
    transpose_lanes_4x4(r);
    store_across_lanes(r, to, ld_to);
    return;
  } else if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, double>) {
    __m512d r[8];
    for (std::size_t i = 0; i < 8; ++i) r[i] = _mm512_loadu_pd(from + i * ld_from);
    transpose_lanes_2x2(r);
    store_across_lanes(r, to, ld_to);
    return;
  }
#endif
#if XSIMD_WITH_AVX
  if constexpr (std::is_base_of_v<xsimd::avx, Arch> && std::is_same_v<T, float>) {
    __m256 r[8];
    for (std::size_t i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(from + i * ld_from);
    transpose_lanes_4x4(r);
    for (std::size_t j = 0; j < 4; ++j) {  // column 4l + j: lane l of r[j], r[4 + j]
      _mm256_storeu_ps(to + j * ld_to, _mm256_permute2f128_ps(r[j], r[4 + j], 0x20));
      _mm256_storeu_ps(to + (4 + j) * ld_to, _mm256_permute2f128_ps(r[j], r[4 + j], 0x31));
    }
    return;
  } else if constexpr (std::is_base_of_v<xsimd::avx, Arch> && std::is_same_v<T, double>) {
    __m256d r[4];
    for (std::size_t i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(from + i * ld_from);
    transpose_lanes_2x2(r);
    for (std::size_t j = 0; j < 2; ++j) {  // column 2l + j: lane l of r[j], r[2 + j]
      _mm256_storeu_pd(to + j * ld_to, _mm256_permute2f128_pd(r[j], r[2 + j], 0x20));
      _mm256_storeu_pd(to + (2 + j) * ld_to, _mm256_permute2f128_pd(r[j], r[2 + j], 0x31));
    }
    return;
  }
#endif
}

}  // namespace detail

// rows[m][k] = Wt[k][m] for m < M, k < K, rows' pads zero. Whole blocks in registers where
// Arch has a register transpose, the edges (and every other architecture) element by element
// in 16 x 16 tiles.
template <std::size_t M, std::size_t K, class T, class Arch = xsimd::default_arch>
void transpose_weights(const T* NERVE_RESTRICT Wt, T* NERVE_RESTRICT rows) noexcept {
  constexpr std::size_t Mp = padded<M, T>, Kp = padded<K, T>, L = detail::transpose_block_side<T, Arch>;
  constexpr std::size_t Mf = L == 0 ? 0 : M / L * L, Kf = L == 0 ? 0 : K / L * L;
  if constexpr (L > 0) {
    for (std::size_t k0 = 0; k0 < Kf; k0 += L)
      for (std::size_t m0 = 0; m0 < Mf; m0 += L)
        detail::transpose_block<T, Arch>(Wt + k0 * Mp + m0, Mp, rows + m0 * Kp + k0, Kp);
  }
  // What the blocks left, element by element in 16 x 16 tiles: columns k >= Kf of the rows they
  // covered, then every column of the rows m >= Mf.
  const auto by_elements = [&](std::size_t m_begin, std::size_t m_end, std::size_t k_begin) {
    constexpr std::size_t tile = 16;
    for (std::size_t m0 = m_begin; m0 < m_end; m0 += tile)
      for (std::size_t k0 = k_begin; k0 < K; k0 += tile)
        for (std::size_t m = m0; m < std::min(m0 + tile, m_end); ++m)
          for (std::size_t k = k0; k < std::min(k0 + tile, K); ++k) rows[m * Kp + k] = Wt[k * Mp + m];
  };
  if constexpr (Kf < K) by_elements(0, Mf, Kf);
  if constexpr (Mf < M) by_elements(Mf, M, 0);
  if constexpr (Kp != K)
    for (std::size_t m = 0; m < M; ++m) std::fill(rows + m * Kp + K, rows + (m + 1) * Kp, T(0));
}

}  // namespace nerve::kernels
