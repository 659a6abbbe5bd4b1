// nerve/loss/cross_entropy.hpp: categorical cross-entropy over a final Softmax, one kernel.
// loss = logsumexp(z) - z[label] from the logits z (stable for any z); gradient (p - onehot) / B.
#pragma once

#include <cmath>    // std::log
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t
#include <type_traits>

#include "nerve/expr/ops/math.hpp"         // nerve::math::exp
#include "nerve/layers/softmax.hpp"        // nerve::Softmax
#include "nerve/loss/loss.hpp"             // nerve::loss_input
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false

namespace nerve {

struct CrossEntropy {
  static constexpr const char* name = "cross-entropy";
  template <class T>
  using target_of = std::uint32_t;  // the class index of each sample
  template <std::size_t N>
  static constexpr std::size_t targets_per_sample = 1;

  template <class Last, bool DenseThenLast>
  static constexpr loss_fusion fusion = loss_fusion::softmax;

  template <class Last>
  static constexpr bool accepts_output = std::is_same_v<Last, Softmax>;
  template <class Last>
  struct rejects_output {
    static_assert(meta::dependent_false<Last>,
                  "CrossEntropy needs probabilities: end the network with Softmax (it is fused "
                  "with the loss into one stable kernel)");
  };

  template <std::size_t B, std::size_t N, class T, bool Fused>
  static T evaluate(const loss_input<T>& in, const std::uint32_t* labels, T* grad, std::size_t ld,
                    std::size_t rows = B) {
    double total = 0;
    for (std::size_t i = 0; i < B; ++i) {
      const T* z = in.logits + i * in.ld_logits;
      const T* p = in.y + i * in.ld_y;
      T peak = z[0];
      for (std::size_t j = 1; j < N; ++j) peak = z[j] > peak ? z[j] : peak;
      double sum = 0;
      for (std::size_t j = 0; j < N; ++j) sum += static_cast<double>(math::exp(z[j] - peak));
      const std::size_t label = labels[i] < N ? labels[i] : 0;
      if (i < rows) total += static_cast<double>(peak) + std::log(sum) - static_cast<double>(z[label]);
      T* g = grad + i * ld;
      const T scale = T(1) / T(B);
      for (std::size_t j = 0; j < N; ++j) g[j] = (p[j] - (j == label ? T(1) : T(0))) * scale;
      for (std::size_t j = N; j < ld; ++j) g[j] = T(0);
    }
    return static_cast<T>(total / static_cast<double>(rows));
  }
};

}  // namespace nerve
