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
// An output of shape (steps, classes), a sequence model's, is `steps` classifications, one label
// each: the loss is the mean over the batch and the steps, as PyTorch's CrossEntropyLoss on the
// (batch * steps, classes) logits of a batch_first model.
#pragma once

#include <cmath>    // std::log
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t

#include "nerve/config.hpp"                 // xsimd
#include "nerve/eval/lanes.hpp"            // nerve::expr::for_each_lane
#include "nerve/expr/ops/math.hpp"         // nerve::math::exp
#include "nerve/layers/layer.hpp"          // nerve::fusion_role
#include "nerve/layers/softmax.hpp"        // nerve::detail::softmax_row, row_max
#include "nerve/loss/loss.hpp"             // nerve::loss_input
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::AnyShape

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
  using target_of = std::uint32_t;  // the class index of each sample (of each step)
  // Classes of one classification: a sequence's (rank 2) last dimension, else the whole output
  // (a vector; or, say, a convolution's (C, 1, 1)).
  template <AnyShape Out>
  static constexpr std::size_t classes = Out::rank == 2 ? Out::dims[1] : Out::size;
  template <AnyShape Out>
  static constexpr std::size_t targets_per_sample = Out::size / classes<Out>;

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

  // sum_j exp(z[j] - peak) in double. The exponentials are taken a register at a time (a scalar
  // call each was most of the loss's time) and added, widened to double, into double registers:
  // lane l sums j = l, l + w, l + 2w, ... (w the double register's width), then the lanes are
  // added. Exact enough for a loss reported to its last float digit, without one chain of N
  // dependent scalar double additions (about 90 ns a row of 64 classes).
  template <std::size_t N, class T>
  static double sum_of_exp(const T* z, T peak) {
    using D = xsimd::batch<double>;
    constexpr std::size_t W = xsimd::batch<T>::size, parts = W / D::size;  // float: 2, double: 1
    D wide[parts];
    for (auto& w : wide) w = D(0.0);
    double tail = 0;
    expr::for_each_lane<N, T>([&](std::size_t i, auto tag) {
      using V = typename decltype(tag)::type;
      if constexpr (math::is_scalar<V>) {
        tail += static_cast<double>(math::exp(z[i] - peak));
      } else {
        alignas(64) T e[W];
        math::exp(V::load_unaligned(z + i) - V(peak)).store_aligned(e);
        for (std::size_t k = 0; k < parts; ++k) wide[k] += D::load_aligned(e + k * D::size);
      }
    });
    for (std::size_t k = 1; k < parts; ++k) wide[0] += wide[k];
    return (N >= W ? xsimd_compat::reduce_add(wide[0]) : 0.0) + tail;
  }

  // Fused: in.logits is the Softmax's input and in.y its output; otherwise in.y is the logits.
  // labels: targets_per_sample<Out> per sample.
  template <std::size_t B, AnyShape Out, class T, bool Fused>
  static T evaluate(const loss_input<T>& in, const std::uint32_t* labels, T* grad, std::size_t ld,
                    std::size_t rows = B) {
    constexpr std::size_t N = classes<Out>;
    constexpr std::size_t P = targets_per_sample<Out>;
    double total = 0;
    const T scale = T(1) / T(B * P);
    for (std::size_t i = 0; i < B; ++i) {
      for (std::size_t s = 0; s < P; ++s) {
        const std::size_t at = s * N;
        const T* z = (Fused ? in.logits + i * in.ld_logits : in.y + i * in.ld_y) + at;
        T* g = grad + i * ld + at;
        const T* p = g;
        if constexpr (Fused) {
          p = in.y + i * in.ld_y + at;
        } else {
          detail::softmax_row<N>(z, g);  // the very computation a Softmax layer makes
        }
        const T peak = detail::row_max<N>(z);
        const double sum = sum_of_exp<N>(z, peak);
        const std::size_t label = labels[i * P + s] < N ? labels[i * P + s] : 0;
        if (i < rows) total += static_cast<double>(peak) + std::log(sum) - static_cast<double>(z[label]);
        for (std::size_t j = 0; j < N; ++j) g[j] = (p[j] - (j == label ? T(1) : T(0))) * scale;
      }
      for (std::size_t j = Out::size; j < ld; ++j) grad[i * ld + j] = T(0);
    }
    return static_cast<T>(total / static_cast<double>(rows * P));
  }
};

}  // namespace nerve
