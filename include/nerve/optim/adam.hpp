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
#include <string_view>

#include "nerve/config.hpp"                  // NERVE_INLINE
#include "nerve/kernels/gradient_sink.hpp"  // nerve::kernels::apply_update
#include "nerve/kernels/simd.hpp"           // nerve::kernels::sqrt_lanes
#include "nerve/optim/detail/lanes.hpp"     // nerve::detail::update_from_gradients
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

  // For checkpoints: f(name, data) per array, PyTorch's names; whether it keeps an array of that
  // name; the array called name, or null.
  template <class F>
  void for_each_array(F&& f) {
    f("exp_avg", exp_avg.data());
    f("exp_avg_sq", exp_avg_sq.data());
  }
  static bool keeps(std::string_view name) noexcept { return name == "exp_avg" || name == "exp_avg_sq"; }
  T* array_for(std::string_view name) noexcept {
    return name == "exp_avg" ? exp_avg.data() : name == "exp_avg_sq" ? exp_avg_sq.data() : nullptr;
  }
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

// The compile-time form of an Adam step: there is one. Weight decay is a scalar of the step
// (Adam: g + 0 * p; AdamW: p * 1 when it is 0, which leave every finite value as it was), so a
// fused backward kernel is compiled once, not once with and once without it.
struct adam_kind {};

// One Adam step on one value (a register or a scalar): p, and the moments m and v.
template <class T, bool Decoupled>
struct adam_step {
  T step_size, bias_correction2_sqrt, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, wd,
      shrink;
  template <class V>
  NERVE_INLINE void operator()(V& p, const V& g_in, V& m, V& v) const noexcept {
    V g = g_in;
    if constexpr (Decoupled)
      p = p * shrink;
    else
      g = g + wd * p;
    m = m * beta1 + one_minus_beta1 * g;
    v = v * beta2 + one_minus_beta2 * g * g;
    const V denom = kernels::sqrt_lanes(v) / bias_correction2_sqrt + eps;
    p = p - step_size * m / denom;
  }
};

// Starts one Adam step (AdamW's when Decoupled) on the N parameters at params: advances the
// state, computes the step's scalars and returns the step as a sink over params, m and v.
template <bool Decoupled, class Options, class T, std::size_t N>
auto adam_begin(const Options& o, T* params, adam_state<T, N>& s) {
  ++s.step;
  const double t = static_cast<double>(s.step);
  // Scalars in double, rounded once to T: PyTorch computes them as Python floats.
  const double bias_correction1 = 1 - std::pow(o.beta1, t);
  const double bias_correction2 = 1 - std::pow(o.beta2, t);
  using step = adam_step<T, Decoupled>;
  return kernels::apply_update<T, step, 2>{
      params,
      {s.exp_avg.data(), s.exp_avg_sq.data()},
      step{static_cast<T>(o.learning_rate / bias_correction1),
           static_cast<T>(std::sqrt(bias_correction2)), static_cast<T>(o.beta1),
           static_cast<T>(o.beta2), static_cast<T>(1 - o.beta1), static_cast<T>(1 - o.beta2),
           static_cast<T>(o.eps), static_cast<T>(o.weight_decay),
           static_cast<T>(1 - o.learning_rate * o.weight_decay)}};
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

  // The step in element-wise form (optim/sgd.hpp describes visit and begin).
  static constexpr bool elementwise_update = true;
  template <class F>
  void visit(F&& f) const {
    f(detail::adam_kind{});
  }
  template <class T, std::size_t N>
  auto begin(detail::adam_kind, T* params, state<T, N>& s) const {
    return detail::adam_begin<false>(*this, params, s);
  }

  template <class T, std::size_t N>
  void update(T* params, const T* grads, state<T, N>& s) const {
    visit([&](auto kind) { detail::update_from_gradients<N>(begin(kind, params, s), grads); });
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

  // The step in element-wise form (optim/sgd.hpp describes visit and begin).
  static constexpr bool elementwise_update = true;
  template <class F>
  void visit(F&& f) const {
    f(detail::adam_kind{});
  }
  template <class T, std::size_t N>
  auto begin(detail::adam_kind, T* params, state<T, N>& s) const {
    return detail::adam_begin<true>(*this, params, s);
  }

  template <class T, std::size_t N>
  void update(T* params, const T* grads, state<T, N>& s) const {
    visit([&](auto kind) { detail::update_from_gradients<N>(begin(kind, params, s), grads); });
  }
};

}  // namespace nerve
