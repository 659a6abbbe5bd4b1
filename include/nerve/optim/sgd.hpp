// nerve/optim/sgd.hpp: stochastic gradient descent, with optional momentum, Nesterov momentum
// and L2 weight decay, step for step as torch.optim.SGD computes it.
//
//   d = g + weight_decay * p
//   if momentum != 0:
//     b = d                                          (first step: PyTorch clones the gradient)
//     b = momentum * b + (1 - dampening) * d         (later steps)
//     d = nesterov ? d + momentum * b : b
//   p = p - learning_rate * d
#pragma once

#include <cstddef>      // std::size_t
#include <optional>
#include <string_view>
#include <type_traits>  // std::bool_constant

#include "nerve/config.hpp"                  // NERVE_INLINE
#include "nerve/kernels/gradient_sink.hpp"  // nerve::kernels::apply_update
#include "nerve/optim/detail/lanes.hpp"     // nerve::detail::update_from_gradients
#include "nerve/optim/optimizer.hpp"     // nerve::detail::require_option
#include "nerve/shape/shape.hpp"         // nerve::Shape
#include "nerve/tensor/tensor.hpp"       // nerve::Tensor

namespace nerve {
namespace detail {

// The compile-time form of an SGD step: L2 decay or not; momentum none (0), heavy ball (1) or
// Nesterov (2).
template <bool Decay, int Momentum>
struct sgd_kind {};

// One SGD step on one value (a register or a scalar): p, and the velocity b with momentum.
// The first step with momentum (b = d, as PyTorch clones the gradient) is this formula with
// mu_b = 0 and keep_b = 1 on a zero buffer: b = 0 * 0 + 1 * d = d.
template <class T, bool Decay, int Momentum>
struct sgd_step {
  T lr, wd, mu, mu_b, keep_b;
  template <class V, class... Velocity>
  NERVE_INLINE void operator()(V& p, const V& g, Velocity&... b) const noexcept {
    static_assert(sizeof...(Velocity) == (Momentum == 0 ? 0 : 1));
    V d = g;
    if constexpr (Decay) d = g + wd * p;
    if constexpr (Momentum == 0) {
      p = p - lr * d;
    } else {
      ((b = mu_b * b + keep_b * d), ...);
      if constexpr (Momentum == 2) p = p - lr * (d + mu * (b, ...));
      else p = p - lr * (b, ...);
    }
  }
};

}  // namespace detail

struct SGD {
  double learning_rate = 0.01;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;  // L2: added to the gradient before momentum
  bool nesterov = false;

  static constexpr const char* name = "SGD";
  // Its step is element-wise: a backward kernel may apply it as the gradient is produced.
  static constexpr bool elementwise_update = true;

  // Plain SGD keeps nothing; with momentum, the velocity appears at the first step (as PyTorch's
  // momentum_buffer does), so momentum-free training never allocates it.
  template <class T, std::size_t N>
  struct state {
    std::optional<Tensor<T, Shape<N>>> momentum_buffer;
    std::size_t step = 0;

    // For checkpoints: f(name, data) per array that exists; the array called name (made when a
    // checkpoint has it), or null.
    template <class F>
    void for_each_array(F&& f) {
      if (momentum_buffer) f("momentum_buffer", momentum_buffer->data());
    }
    static bool keeps(std::string_view name) noexcept { return name == "momentum_buffer"; }
    T* array_for(std::string_view name) {
      if (name != "momentum_buffer") return nullptr;
      if (!momentum_buffer) momentum_buffer.emplace();
      return momentum_buffer->data();
    }
  };

  void validate() const {
    detail::require_option(learning_rate >= 0, name, "learning_rate", learning_rate,
                           "it must be >= 0");
    detail::require_option(momentum >= 0, name, "momentum", momentum, "it must be >= 0");
    detail::require_option(weight_decay >= 0, name, "weight_decay", weight_decay,
                           "it must be >= 0");
    detail::require_option(!nesterov || momentum > 0, name, "momentum", momentum,
                           "Nesterov momentum needs momentum > 0");
    detail::require_option(!nesterov || dampening == 0, name, "dampening", dampening,
                           "Nesterov momentum needs dampening = 0");
  }

  // f(kind) with the compile-time form of the step these options make: every option branch is
  // decided here, once, so no loop over the elements carries a test.
  template <class F>
  void visit(F&& f) const {
    auto with_decay = [&](auto decay) {
      constexpr bool D = decltype(decay)::value;
      if (momentum == 0) f(detail::sgd_kind<D, 0>{});
      else if (nesterov) f(detail::sgd_kind<D, 2>{});
      else f(detail::sgd_kind<D, 1>{});
    };
    if (weight_decay != 0) with_decay(std::true_type{});
    else with_decay(std::false_type{});
  }

  // Starts one step on the N parameters at params: advances the state and returns the step as a
  // sink, p[o..] = step(p, g, velocity) (kernels/gradient_sink.hpp). kind must be the one visit
  // gives for these options.
  template <bool Decay, int Momentum, class T, std::size_t N>
  auto begin(detail::sgd_kind<Decay, Momentum>, T* params, state<T, N>& s) const {
    using step = detail::sgd_step<T, Decay, Momentum>;
    const T lr = static_cast<T>(learning_rate);
    const T wd = static_cast<T>(weight_decay);
    const T mu = static_cast<T>(momentum);
    const T keep = static_cast<T>(1 - dampening);
    ++s.step;
    if constexpr (Momentum == 0) {
      return kernels::apply_update<T, step, 0>{params, {}, step{lr, wd, mu, mu, keep}};
    } else {
      const bool first = !s.momentum_buffer;
      if (first) s.momentum_buffer.emplace();  // zeros
      return kernels::apply_update<T, step, 1>{params,
                                               {s.momentum_buffer->data()},
                                               step{lr, wd, mu, first ? T(0) : mu,
                                                    first ? T(1) : keep}};
    }
  }

  // One step from a gradient array: the same step, over the gradient read back from memory.
  template <class T, std::size_t N>
  void update(T* params, const T* grads, state<T, N>& s) const {
    visit([&](auto kind) { detail::update_from_gradients<N>(begin(kind, params, s), grads); });
  }
};

}  // namespace nerve
