// nerve/kernels/gemv.hpp: batch-1 Dense forward, y = f(Wt^T x + b), as a register-blocked GEMV.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/config.hpp"            // NERVE_INLINE, NERVE_RESTRICT
#include "nerve/kernels/epilogue.hpp"  // nerve::kernels::Identity
#include "nerve/kernels/layout.hpp"    // nerve::kernels::padded, not_deduced
#include "nerve/kernels/simd.hpp"      // nerve::kernels::simd, vector_registers

namespace nerve::kernels {
namespace detail {

// Register blocking of a GEMV over NV output registers: blocks of equal size that leave four
// registers for the loaded weights and the broadcast x[k], and U independent accumulator sets
// over k so that at least 8 FMAs are in flight (two pipes x latency 4) even for narrow layers.
struct GemvBlocking {
  std::size_t block;  // output registers per block
  std::size_t last;   // output registers in the last block (== block when it divides NV)
  std::size_t count;  // number of blocks
  std::size_t unroll; // accumulator sets over k
};

constexpr GemvBlocking choose_gemv_blocking(std::size_t nv, std::size_t k,
                                            std::size_t registers) noexcept {
  const std::size_t max_block = registers - 4;
  const std::size_t count = (nv + max_block - 1) / max_block;
  const std::size_t block = (nv + count - 1) / count;
  std::size_t unroll = (8 + block - 1) / block;
  while (unroll > 1 && unroll * block > max_block) --unroll;
  if (unroll > k) unroll = k;
  if (unroll < 1) unroll = 1;
  return {block, nv - (count - 1) * block, count, unroll};
}

// acc = sum_k x[k] * wt[k][0 .. V registers), with U interleaved partial sums, then bias, z, f.
template <std::size_t V, std::size_t U, std::size_t K, std::size_t Mp, class Arch, class T,
          class Epilogue>
NERVE_INLINE void gemv_block(const T* x, const T* NERVE_RESTRICT wt, const T* NERVE_RESTRICT b,
                             T* NERVE_RESTRICT z_out, T* NERVE_RESTRICT y,
                             const Epilogue& f) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  simd<T, Arch> acc[U][V];
  static_for<U>([&](auto u) { static_for<V>([&](auto v) { acc[u][v] = simd<T, Arch>(T(0)); }); });
  std::size_t k = 0;
  for (; k < K / U * U; k += U) {
    static_for<U>([&](auto u) {
      const auto xk = broadcast<Arch>(x[k + u]);
      const T* row = wt + (k + u) * Mp;
      static_for<V>([&](auto v) {
        acc[u][v] = xsimd::fma(xk, load_aligned<Arch>(row + v * W), acc[u][v]);
      });
    });
  }
  static_for<K % U>([&](auto u) {
    const auto xk = broadcast<Arch>(x[K / U * U + u]);
    const T* row = wt + (K / U * U + u) * Mp;
    static_for<V>([&](auto v) {
      acc[0][v] = xsimd::fma(xk, load_aligned<Arch>(row + v * W), acc[0][v]);
    });
  });
  static_for<V>([&](auto v) {
    auto z = b ? load_aligned<Arch>(b + v * W) : simd<T, Arch>(T(0));
    static_for<U>([&](auto u) { z += acc[u][v]; });
    if (z_out) z.store_aligned(z_out + v * W);
    f(z).store_aligned(y + v * W);
  });
}

}  // namespace detail

// y[m] = f(sum_k Wt[k][m] x[k] + b[m]) for every m < padded<M, T>: one sample.
//   x: K values, any alignment (only scalars are read: x[k] is broadcast).
//   Wt: packed weights (layout.hpp), b: padded bias or nullptr; both 64-byte aligned.
//   z_out: nullptr or Mp values receiving the pre-activations; y: Mp values, 64-byte aligned.
//   Padded columns m >= M get z = 0 and y = f(0) (for finite x).
// The output registers of a block stay in registers for the whole K loop, so Wt is read exactly
// once, as a stream of whole cache lines: the kernel runs at the speed Wt arrives from cache.
// Ld: the distance between Wt's rows, padded<M, T> for a matrix of M columns; wider when these M
// columns are a slice of a wider packed matrix (one gate of a recurrent cell's product, at a
// 64-byte aligned column).
template <std::size_t M, std::size_t K, class T, class Arch = xsimd::default_arch,
          class Epilogue = Identity, std::size_t Ld = padded<M, T>>
void dense_forward(const T* x, const T* Wt, const not_deduced<T>* b, not_deduced<T>* z_out, T* y,
                   Epilogue f = {}) noexcept {
  static_assert(M > 0 && K > 0, "dense_forward: sizes must be positive");
  constexpr std::size_t Mp = padded<M, T>;
  static_assert(Ld >= Mp && Ld % lanes<T> == 0, "dense_forward: rows must be whole registers apart");
  constexpr std::size_t W = width<T, Arch>;
  constexpr detail::GemvBlocking g =
      detail::choose_gemv_blocking(Mp / W, K, vector_registers<Arch>);
  for (std::size_t j = 0; j < (g.count - 1) * g.block; j += g.block) {
    const std::size_t at = j * W;
    detail::gemv_block<g.block, g.unroll, K, Ld, Arch>(x, Wt + at, b ? b + at : nullptr,
                                                       z_out ? z_out + at : nullptr, y + at, f);
  }
  constexpr std::size_t at = (g.count - 1) * g.block * W;
  detail::gemv_block<g.last, g.unroll, K, Ld, Arch>(x, Wt + at, b ? b + at : nullptr,
                                                    z_out ? z_out + at : nullptr, y + at, f);
}

}  // namespace nerve::kernels
