// nerve/kernels/reference/dense.hpp: plain scalar loops over the packed Dense layout.
//
// The test oracle of gemv.hpp, gemm.hpp and dense_backward.hpp: same signatures and contracts,
// no SIMD, no blocking, sums in long double so the oracle is more accurate than what it checks.
// Never used on the fast path.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/kernels/layout.hpp"  // nerve::kernels::padded, not_deduced

namespace nerve::kernels::reference {

template <std::size_t B, std::size_t M, std::size_t K, class T, class Epilogue>
void dense_forward_batch(const T* X, std::size_t ldx, const T* Wt, const not_deduced<T>* b,
                         not_deduced<T>* Z_out, T* Y, Epilogue f) {
  constexpr std::size_t Mp = padded<M, T>;
  for (std::size_t i = 0; i < B; ++i)
    for (std::size_t m = 0; m < Mp; ++m) {
      long double acc = b ? b[m] : T(0);
      for (std::size_t k = 0; k < K; ++k)
        acc += static_cast<long double>(X[i * ldx + k]) * Wt[k * Mp + m];
      const T z = static_cast<T>(acc);
      if (Z_out) Z_out[i * Mp + m] = z;
      Y[i * Mp + m] = f(z);
    }
}

template <std::size_t M, std::size_t K, class T, class Epilogue>
void dense_forward(const T* x, const T* Wt, const not_deduced<T>* b, not_deduced<T>* z_out, T* y,
                   Epilogue f) {
  dense_forward_batch<1, M, K>(x, K, Wt, b, z_out, y, f);
}

template <std::size_t B, std::size_t M, std::size_t K, class T, class Prologue>
void dense_backward(const T* X, std::size_t ldx, const T* Wt, const T* dY, const T* Y,
                    const not_deduced<T>* Z, Prologue p, T* dZ, T* dWt, not_deduced<T>* db,
                    not_deduced<T>* dX, std::size_t ld_dx) {
  constexpr std::size_t Mp = padded<M, T>;
  for (std::size_t i = 0; i < B; ++i)
    for (std::size_t m = 0; m < Mp; ++m) {
      const std::size_t o = i * Mp + m;
      dZ[o] = m < M ? p(dY[o], Y[o], Z ? Z[o] : Y[o]) : T(0);
    }
  for (std::size_t m = 0; m < M; ++m) {
    if (db) {
      long double acc = db[m];
      for (std::size_t i = 0; i < B; ++i) acc += dZ[i * Mp + m];
      db[m] = static_cast<T>(acc);
    }
    for (std::size_t k = 0; k < K; ++k) {
      long double acc = dWt[k * Mp + m];
      for (std::size_t i = 0; i < B; ++i)
        acc += static_cast<long double>(X[i * ldx + k]) * dZ[i * Mp + m];
      dWt[k * Mp + m] = static_cast<T>(acc);
    }
  }
  if (dX)
    for (std::size_t i = 0; i < B; ++i)
      for (std::size_t k = 0; k < K; ++k) {
        long double acc = 0;
        for (std::size_t m = 0; m < M; ++m)
          acc += static_cast<long double>(dZ[i * Mp + m]) * Wt[k * Mp + m];
        dX[i * ld_dx + k] = static_cast<T>(acc);
      }
}

}  // namespace nerve::kernels::reference
