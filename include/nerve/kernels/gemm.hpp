// nerve/kernels/gemm.hpp: batched Dense forward, Y = f(X Wt + b), as a register-blocked GEMM.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/config.hpp"              // NERVE_INLINE, NERVE_RESTRICT
#include "nerve/kernels/epilogue.hpp"    // nerve::kernels::Identity
#include "nerve/kernels/layout.hpp"      // nerve::kernels::padded, not_deduced
#include "nerve/kernels/outer_tile.hpp"  // detail::outer_tile
#include "nerve/kernels/simd.hpp"        // nerve::kernels::simd, vector_registers
#include "nerve/kernels/tiling.hpp"      // detail::choose_outer_tile

namespace nerve::kernels {
namespace detail {

// One R x V tile of the output: the whole K reduction in registers, then bias, Z and f.
template <std::size_t R, std::size_t V, std::size_t K, std::size_t Mp, class Arch, class T,
          class Epilogue>
NERVE_INLINE void forward_tile(const T* x, std::size_t ldx, const T* NERVE_RESTRICT wt,
                               const T* NERVE_RESTRICT b, T* NERVE_RESTRICT z_out,
                               T* NERVE_RESTRICT y, const Epilogue& f) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  simd<T, Arch> acc[R][V];
  outer_tile<R, V, K, Mp, AOrder::rows, Arch>(x, ldx, wt, acc);
  static_for<V>([&](auto v) {
    const auto bias = b ? load_aligned<Arch>(b + v * W) : simd<T, Arch>(T(0));
    static_for<R>([&](auto r) {
      const auto z = acc[r][v] + bias;
      if (z_out) z.store_aligned(z_out + r * Mp + v * W);
      f(z).store_aligned(y + r * Mp + v * W);
    });
  });
}

// All tiles of R rows starting at row i0: full V-register tiles, then the column remainder.
template <std::size_t R, std::size_t V, std::size_t NV, std::size_t K, std::size_t Mp, class Arch,
          class T, class Epilogue>
NERVE_INLINE void forward_row_block(const T* x, std::size_t ldx, const T* wt, const T* b,
                                    T* z_out, T* y, const Epilogue& f) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  for (std::size_t j = 0; j < NV / V * V; j += V)
    forward_tile<R, V, K, Mp, Arch>(x, ldx, wt + j * W, b ? b + j * W : nullptr,
                                    z_out ? z_out + j * W : nullptr, y + j * W, f);
  if constexpr (NV % V != 0) {
    constexpr std::size_t j = NV / V * V;
    forward_tile<R, NV % V, K, Mp, Arch>(x, ldx, wt + j * W, b ? b + j * W : nullptr,
                                         z_out ? z_out + j * W : nullptr, y + j * W, f);
  }
}

}  // namespace detail

// Y[i][m] = f(sum_k X[i][k] Wt[k][m] + b[m]) for i < B and every m < padded<M, T>.
//   X: B rows of K values, leading dimension ldx >= K, any alignment (only scalars are read).
//   Wt: packed weights (layout.hpp), b: padded bias or nullptr for none; both 64-byte aligned.
//   Z_out: nullptr, or [B][Mp] receiving the pre-activations kept for the backward pass.
//   Y: [B][Mp]. Padded columns m >= M get Z = 0 and Y = f(0) (for finite X).
// Each output tile keeps its accumulators in registers over the whole K loop; the weight panel
// it reads streams from L1/L2 once per row block, which the tile's height amortises.
template <std::size_t B, std::size_t M, std::size_t K, class T, class Arch = xsimd::default_arch,
          class Epilogue = Identity>
void dense_forward_batch(const T* X, std::size_t ldx, const T* Wt, const not_deduced<T>* b,
                         not_deduced<T>* Z_out, T* Y, Epilogue f = {}) noexcept {
  static_assert(B > 0 && M > 0 && K > 0, "dense_forward_batch: sizes must be positive");
  constexpr std::size_t Mp = padded<M, T>;
  constexpr std::size_t NV = Mp / width<T, Arch>;
  constexpr detail::TileShape tile = detail::choose_outer_tile(B, NV, K, vector_registers<Arch>);
  constexpr std::size_t R = tile.rows, V = tile.vecs;
  for (std::size_t i = 0; i < B / R * R; i += R)
    detail::forward_row_block<R, V, NV, K, Mp, Arch>(X + i * ldx, ldx, Wt, b,
                                                     Z_out ? Z_out + i * Mp : nullptr, Y + i * Mp, f);
  if constexpr (B % R != 0) {
    constexpr std::size_t i = B / R * R;
    detail::forward_row_block<B % R, V, NV, K, Mp, Arch>(
        X + i * ldx, ldx, Wt, b, Z_out ? Z_out + i * Mp : nullptr, Y + i * Mp, f);
  }
}

}  // namespace nerve::kernels
