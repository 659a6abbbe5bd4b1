// nerve/loss/cross_entropy.hpp: categorical cross-entropy, the mean over the batch of
// logsumexp(z) - z[label], as PyTorch's CrossEntropyLoss on the logits z. One kernel (it reads a
// whole row, so it is not an element-wise loss), for two kinds of network:
//   ending in a layer that turns logits into probabilities (Softmax: turns_logits_into_probabilities)
//     fused with it: z is the Softmax's input, the gradient of z is (p - onehot) / B with p the
//     Softmax's output, and the Softmax's backward pass is skipped;
//   ending in the logits (the last Dense, no Softmax)
//     log-softmax computed here, stably; the gradient of the output is (softmax(z) - onehot) / B.
//     The network's output stays the logits (argmax, hence accuracy, is the same).
// A network ending in an activation (Sigmoid, ReLU, ...) is refused: its outputs are not logits.
#pragma once

#include <cmath>    // std::log
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t

#include "nerve/expr/ops/math.hpp"         // nerve::math::exp
#include "nerve/layers/layer.hpp"          // nerve::fusion_role
#include "nerve/layers/softmax.hpp"        // nerve::detail::softmax_row
#include "nerve/loss/loss.hpp"             // nerve::loss_input
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false

namespace nerve {

namespace detail {
// Does layer L output probabilities from the logits it receives (Softmax)?
template <class L>
inline constexpr bool turns_logits_into_probabilities =
    requires { requires L::turns_logits_into_probabilities; };
template <class L>
inline constexpr bool is_activation_entry = requires { requires L::role == fusion_role::elementwise; };
}  // namespace detail

struct CrossEntropy {
  static constexpr const char* name = "cross-entropy";
  template <class T>
  using target_of = std::uint32_t;  // the class index of each sample
  template <std::size_t N>
  static constexpr std::size_t targets_per_sample = 1;

  template <class Last, bool DenseThenLast>
  static constexpr loss_fusion fusion = detail::turns_logits_into_probabilities<Last>
                                            ? loss_fusion::softmax
                                            : loss_fusion::none;

  template <class Last>
  static constexpr bool accepts_output =
      detail::turns_logits_into_probabilities<Last> || !detail::is_activation_entry<Last>;
  template <class Last>
  struct rejects_output {
    static_assert(meta::dependent_false<Last>,
                  "CrossEntropy reads logits: end the network with the last Dense (CrossEntropy "
                  "computes log-softmax itself) or with Softmax, not with an activation; for one "
                  "sigmoid probability per output use BinaryCrossEntropy");
  };

  // Fused: in.logits is the Softmax's input and in.y its output; otherwise in.y is the logits.
  template <std::size_t B, std::size_t N, class T, bool Fused>
  static T evaluate(const loss_input<T>& in, const std::uint32_t* labels, T* grad, std::size_t ld,
                    std::size_t rows = B) {
    double total = 0;
    const T scale = T(1) / T(B);
    for (std::size_t i = 0; i < B; ++i) {
      const T* z = Fused ? in.logits + i * in.ld_logits : in.y + i * in.ld_y;
      T* g = grad + i * ld;
      const T* p = g;
      if constexpr (Fused) {
        p = in.y + i * in.ld_y;
      } else {
        detail::softmax_row<N>(z, g);  // the very computation a Softmax layer makes
      }
      T peak = z[0];
      for (std::size_t j = 1; j < N; ++j) peak = z[j] > peak ? z[j] : peak;
      double sum = 0;
      for (std::size_t j = 0; j < N; ++j) sum += static_cast<double>(math::exp(z[j] - peak));
      const std::size_t label = labels[i] < N ? labels[i] : 0;
      if (i < rows) total += static_cast<double>(peak) + std::log(sum) - static_cast<double>(z[label]);
      for (std::size_t j = 0; j < N; ++j) g[j] = (p[j] - (j == label ? T(1) : T(0))) * scale;
      for (std::size_t j = N; j < ld; ++j) g[j] = T(0);
    }
    return static_cast<T>(total / static_cast<double>(rows));
  }
};

}  // namespace nerve
