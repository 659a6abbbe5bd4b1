// nerve/loss/binary_cross_entropy.hpp: binary cross-entropy of sigmoid outputs against targets
// in [0, 1], mean over every output (PyTorch's BCELoss). After Dense + Sigmoid it is fused: the
// loss is computed from the logits z as max(z, 0) - z t + log(1 + exp(-|z|)) and the gradient of
// z is (sigmoid(z) - t) / (B N); elsewhere it reads the probabilities, clamped away from 0 and 1.
#pragma once

#include <algorithm>  // std::clamp
#include <cmath>      // std::log, std::log1p, std::exp, std::abs
#include <cstddef>    // std::size_t
#include <type_traits>

#include "nerve/layers/activation.hpp"     // nerve::Sigmoid
#include "nerve/loss/loss.hpp"             // nerve::loss_input
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false

namespace nerve {

struct BinaryCrossEntropy {
  static constexpr const char* name = "binary cross-entropy";
  template <class T>
  using target_of = T;
  template <std::size_t N>
  static constexpr std::size_t targets_per_sample = N;

  template <class Last, bool DenseThenLast>
  static constexpr loss_fusion fusion =
      DenseThenLast ? loss_fusion::last_activation : loss_fusion::none;
  template <class Last>
  static constexpr bool accepts_output = std::is_same_v<Last, Sigmoid>;
  template <class Last>
  struct rejects_output {
    static_assert(meta::dependent_false<Last>,
                  "BinaryCrossEntropy needs probabilities: end the network with Sigmoid");
  };

  template <std::size_t B, std::size_t N, class T, bool Fused>
  static T evaluate(const loss_input<T>& in, const T* targets, T* grad, std::size_t ld,
                    std::size_t rows = B) {
    double total = 0;
    const T scale = T(1) / T(B * N);
    for (std::size_t i = 0; i < B; ++i) {
      const T* y = in.y + i * in.ld_y;
      const T* t = targets + i * N;
      T* g = grad + i * ld;
      for (std::size_t j = 0; j < N; ++j) {
        if constexpr (Fused) {
          const double z = in.logits[i * in.ld_logits + j];
          if (i < rows) total += std::max(z, 0.0) - z * t[j] + std::log1p(std::exp(-std::abs(z)));
          g[j] = (y[j] - t[j]) * scale;
        } else {
          // PyTorch clamps log at -100; clamping p to [1e-12, 1 - 1e-7] keeps the gradient finite.
          const double p = std::clamp(static_cast<double>(y[j]), 1e-12, 1.0 - 1e-7);
          if (i < rows) total -= t[j] * std::log(p) + (1.0 - t[j]) * std::log(1.0 - p);
          g[j] = static_cast<T>((p - t[j]) / (p * (1.0 - p))) * scale;
        }
      }
      for (std::size_t j = N; j < ld; ++j) g[j] = T(0);
    }
    return static_cast<T>(total / static_cast<double>(rows * N));
  }
};

using BCE = BinaryCrossEntropy;

}  // namespace nerve
