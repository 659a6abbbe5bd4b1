// nerve/optim/adam.hpp: Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight
// decay), step for step as torch.optim.Adam and torch.optim.AdamW compute them.
//
//   t = t + 1
//   AdamW:  p = p * (1 - learning_rate * weight_decay)
//   Adam:   g = g + weight_decay * p
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   p = p - (learning_rate / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// eps is added after the square root and after the bias correction of v, as PyTorch does.
// A parameter that is 0 with a gradient that is always 0 (padding) stays exactly 0: m = v = 0,
// so its step is 0 / eps = 0; this is why validate() insists on eps > 0.
#pragma once

#include <cmath>        // std::pow, std::sqrt
#include <cstddef>      // std::size_t
#include <type_traits>  // std::bool_constant, std::remove_cvref_t

#include "nerve/config.hpp"              // NERVE_RESTRICT
#include "nerve/optim/detail/lanes.hpp"  // nerve::detail::for_each_lane, lane_sqrt
#include "nerve/optim/optimizer.hpp"     // nerve::detail::require_option
#include "nerve/shape/shape.hpp"         // nerve::Shape
#include "nerve/tensor/tensor.hpp"       // nerve::Tensor

namespace nerve {
namespace detail {

// The moments of one parameter array; Tensors so that checkpoints can save them like weights.
template <class T, std::size_t N>
struct adam_state {
  Tensor<T, Shape<N>> exp_avg;     // m, first moment (zero at start)
  Tensor<T, Shape<N>> exp_avg_sq;  // v, second moment (zero at start)
  std::size_t step = 0;
};

template <class Options>
void validate_adam(const Options& o) {
  require_option(o.learning_rate >= 0, Options::name, "learning_rate", o.learning_rate,
                 "it must be >= 0");
  require_option(o.beta1 >= 0 && o.beta1 < 1, Options::name, "beta1", o.beta1,
                 "it must be in [0, 1)");
  require_option(o.beta2 >= 0 && o.beta2 < 1, Options::name, "beta2", o.beta2,
                 "it must be in [0, 1)");
  require_option(o.eps > 0, Options::name, "eps", o.eps,
                 "it must be > 0 (with eps = 0 a parameter whose gradient is 0 becomes 0/0)");
  require_option(o.weight_decay >= 0, Options::name, "weight_decay", o.weight_decay,
                 "it must be >= 0");
}

// One Adam step; Decoupled selects AdamW's decay of the parameter over Adam's L2 gradient term.
template <bool Decoupled, class Options, class T, std::size_t N>
void adam_update(const Options& o, T* NERVE_RESTRICT params, const T* NERVE_RESTRICT grads,
                 adam_state<T, N>& s) {
  ++s.step;
  const double t = static_cast<double>(s.step);
  // Scalars in double, rounded once to T: PyTorch computes them as Python floats.
  const double bias_correction1 = 1 - std::pow(o.beta1, t);
  const double bias_correction2 = 1 - std::pow(o.beta2, t);
  const T step_size = static_cast<T>(o.learning_rate / bias_correction1);
  const T bias_correction2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T beta1 = static_cast<T>(o.beta1);
  const T beta2 = static_cast<T>(o.beta2);
  const T one_minus_beta1 = static_cast<T>(1 - o.beta1);
  const T one_minus_beta2 = static_cast<T>(1 - o.beta2);
  const T eps = static_cast<T>(o.eps);
  const T wd = static_cast<T>(o.weight_decay);
  const T shrink = static_cast<T>(1 - o.learning_rate * o.weight_decay);

  auto run = [&](auto decay) {
    detail::for_each_lane<T>(
        N,
        [=](auto& p, const auto& g_in, auto& m, auto& v) {
          std::remove_cvref_t<decltype(g_in)> g = g_in;  // a batch or a T, as the lane is
          if constexpr (decltype(decay)::value) {
            if constexpr (Decoupled)
              p = p * shrink;
            else
              g = g + wd * p;
          }
          m = m * beta1 + one_minus_beta1 * g;
          v = v * beta2 + one_minus_beta2 * g * g;
          const auto denom = detail::lane_sqrt(v) / bias_correction2_sqrt + eps;
          p = p - step_size * m / denom;
        },
        params, grads, s.exp_avg.data(), s.exp_avg_sq.data());
  };
  if (o.weight_decay != 0)
    run(std::true_type{});
  else
    run(std::false_type{});
}

}  // namespace detail

struct Adam {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // L2: added to the gradient, so it is scaled by the adaptive step

  static constexpr const char* name = "Adam";

  template <class T, std::size_t N>
  using state = detail::adam_state<T, N>;

  void validate() const { detail::validate_adam(*this); }

  template <class T, std::size_t N>
  void update(T* NERVE_RESTRICT params, const T* NERVE_RESTRICT grads, state<T, N>& s) const {
    detail::adam_update<false>(*this, params, grads, s);
  }
};

struct AdamW {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: p *= 1 - learning_rate * weight_decay (PyTorch's)

  static constexpr const char* name = "AdamW";

  template <class T, std::size_t N>
  using state = detail::adam_state<T, N>;

  void validate() const { detail::validate_adam(*this); }

  template <class T, std::size_t N>
  void update(T* NERVE_RESTRICT params, const T* NERVE_RESTRICT grads, state<T, N>& s) const {
    detail::adam_update<true>(*this, params, grads, s);
  }
};

}  // namespace nerve
