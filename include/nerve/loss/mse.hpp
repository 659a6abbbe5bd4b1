// nerve/loss/mse.hpp: mean squared error, mean over every output of the batch (PyTorch's
// MSELoss with reduction='mean'); gradient 2 (y - t) / (B N).
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/loss/loss.hpp"  // nerve::loss_input

namespace nerve {

struct MeanSquaredError {
  static constexpr const char* name = "mse";
  template <class T>
  using target_of = T;
  template <std::size_t N>
  static constexpr std::size_t targets_per_sample = N;

  template <class Last, bool DenseThenLast>
  static constexpr loss_fusion fusion = loss_fusion::none;
  template <class Last>
  static constexpr bool accepts_output = true;
  template <class Last>
  struct rejects_output {};

  template <std::size_t B, std::size_t N, class T, bool Fused>
  static T evaluate(const loss_input<T>& in, const T* targets, T* grad, std::size_t ld,
                    std::size_t rows = B) {
    double total = 0;
    const T scale = T(2) / T(B * N);
    for (std::size_t i = 0; i < B; ++i) {
      const T* y = in.y + i * in.ld_y;
      const T* t = targets + i * N;
      T* g = grad + i * ld;
      for (std::size_t j = 0; j < N; ++j) {
        const T d = y[j] - t[j];
        if (i < rows) total += static_cast<double>(d) * static_cast<double>(d);
        g[j] = d * scale;
      }
      for (std::size_t j = N; j < ld; ++j) g[j] = T(0);
    }
    return static_cast<T>(total / static_cast<double>(rows * N));
  }
};

using MSE = MeanSquaredError;

}  // namespace nerve
