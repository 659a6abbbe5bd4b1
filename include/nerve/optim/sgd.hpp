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
#include <optional>     // std::optional
#include <type_traits>  // std::bool_constant

#include "nerve/config.hpp"              // NERVE_RESTRICT
#include "nerve/optim/detail/lanes.hpp"  // nerve::detail::for_each_lane
#include "nerve/optim/optimizer.hpp"     // nerve::detail::require_option
#include "nerve/shape/shape.hpp"         // nerve::Shape
#include "nerve/tensor/tensor.hpp"       // nerve::Tensor

namespace nerve {

struct SGD {
  double learning_rate = 0.01;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;  // L2: added to the gradient before momentum
  bool nesterov = false;

  static constexpr const char* name = "SGD";

  // Plain SGD keeps nothing; with momentum, the velocity appears at the first step (as PyTorch's
  // momentum_buffer does), so momentum-free training never allocates it.
  template <class T, std::size_t N>
  struct state {
    std::optional<Tensor<T, Shape<N>>> momentum_buffer;
    std::size_t step = 0;
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

  template <class T, std::size_t N>
  void update(T* NERVE_RESTRICT params, const T* NERVE_RESTRICT grads, state<T, N>& s) const {
    const T lr = static_cast<T>(learning_rate);
    const T wd = static_cast<T>(weight_decay);
    const T mu = static_cast<T>(momentum);
    const T keep = static_cast<T>(1 - dampening);
    ++s.step;

    // Every option branch is decided here, once, so the lane loop carries no test.
    auto with_decay = [&](auto decay) {
      auto grad_of = [=]([[maybe_unused]] const auto& p, const auto& g) {
        if constexpr (decltype(decay)::value)
          return g + wd * p;
        else
          return g;
      };
      if (momentum == 0) {
        detail::for_each_lane<T>(
            N, [=](auto& p, const auto& g) { p = p - lr * grad_of(p, g); }, params, grads);
        return;
      }
      const bool first = !s.momentum_buffer;
      if (first) s.momentum_buffer.emplace();
      T* buf = s.momentum_buffer->data();
      auto with_nesterov = [&](auto nest) {
        auto direction = [=]([[maybe_unused]] const auto& d, const auto& b) {
          if constexpr (decltype(nest)::value)
            return d + mu * b;
          else
            return b;
        };
        if (first)
          detail::for_each_lane<T>(
              N,
              [=](auto& p, const auto& g, auto& b) {
                const auto d = grad_of(p, g);
                b = d;
                p = p - lr * direction(d, b);
              },
              params, grads, buf);
        else
          detail::for_each_lane<T>(
              N,
              [=](auto& p, const auto& g, auto& b) {
                const auto d = grad_of(p, g);
                b = mu * b + keep * d;
                p = p - lr * direction(d, b);
              },
              params, grads, buf);
      };
      if (nesterov)
        with_nesterov(std::true_type{});
      else
        with_nesterov(std::false_type{});
    };
    if (weight_decay != 0)
      with_decay(std::true_type{});
    else
      with_decay(std::false_type{});
  }
};

}  // namespace nerve
