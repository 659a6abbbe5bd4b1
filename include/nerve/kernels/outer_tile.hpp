// nerve/kernels/outer_tile.hpp: the register-blocked outer-product micro-kernel.
//
// acc[r][v] = sum_{p < P} a(r, p) * B[p][v-th register]: per step p it loads `V` registers of one
// row of B, broadcasts `R` scalars of A, and issues R * V independent FMAs. The forward GEMM
// (A = X, B = packed weights) and the weight gradient (A = X transposed, B = dZ) are both this
// kernel; only where A's elements sit differs.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/config.hpp"        // NERVE_INLINE
#include "nerve/kernels/simd.hpp"  // nerve::kernels::simd, detail::static_for

namespace nerve::kernels::detail {

// Where a(r, p) sits: X[r][p] (rows of A are rows of X) or X[p][r] (A is X transposed).
enum class AOrder { rows, transposed };

// acc = sum_p a(r, p) B[p][v]; a(r, p) = a[r * lda + p] (rows) or a[p * lda + r] (transposed);
// B[p][v] = b[p * LDB + v * width] (64-byte aligned rows). a may be unaligned: only scalars are
// read from it.
template <std::size_t R, std::size_t V, std::size_t P, std::size_t LDB, AOrder Order, class Arch,
          class T>
NERVE_INLINE void outer_tile(const T* a, std::size_t lda, const T* NERVE_RESTRICT b,
                             simd<T, Arch> (&acc)[R][V]) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  static_for<R>([&](auto r) NERVE_TILE_LAMBDA {
    static_for<V>([&](auto v) NERVE_TILE_LAMBDA { acc[r][v] = simd<T, Arch>(T(0)); });
  });
  for (std::size_t p = 0; p < P; ++p) {
    simd<T, Arch> bv[V];
    static_for<V>([&](auto v) NERVE_TILE_LAMBDA { bv[v] = load_aligned<Arch>(b + p * LDB + v * W); });
    static_for<R>([&](auto r) NERVE_TILE_LAMBDA {
      const T s = Order == AOrder::rows ? a[r * lda + p] : a[p * lda + r];
      const auto ar = broadcast<Arch>(s);
      static_for<V>([&](auto v) NERVE_TILE_LAMBDA { acc[r][v] = xsimd::fma(ar, bv[v], acc[r][v]); });
    });
  }
}

}  // namespace nerve::kernels::detail
