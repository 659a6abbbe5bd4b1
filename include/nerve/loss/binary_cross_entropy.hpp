// nerve/loss/binary_cross_entropy.hpp: binary cross-entropy of sigmoid outputs against targets in
// [0, 1], mean over every output (PyTorch's BCELoss; fused, BCEWithLogitsLoss). Both forms are
// per-element expressions whose gradients are derived (loss/elementwise_loss.hpp):
//
//   on probabilities y:  -(t log y + (1 - t) log(1 - y)), each log clamped at -100 as PyTorch
//                        does (so y = 0 or 1 gives a finite loss; where a log is clamped its
//                        derivative is 0, where PyTorch divides by max(y (1 - y), 1e-12));
//   on logits z (fused): softplus(z) - z t, the softplus written per sign of z so that no exp
//                        overflows: z + log(1 + e^-z) for z > 0, log(1 + e^z) otherwise. Its
//                        derived gradient is sigmoid(z) - t, exact at z = 0 too.
//
// Any final sigmoid counts, Sigmoid or Activation<sigmoid(x)> (its function compared
// structurally); it is fused when the last group is a contraction with that one activation.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/expr/build.hpp"             // nerve::expr::log, exp, select, sigmoid
#include "nerve/expr/node.hpp"              // nerve::expr::x, same_expr
#include "nerve/loss/elementwise_loss.hpp"  // nerve::elementwise_loss, loss_y, loss_t
#include "nerve/meta/dependent_false.hpp"   // nerve::meta::dependent_false

namespace nerve {

namespace detail {
// log a, but never below -100 (PyTorch's BCELoss); select keeps log(0) = -inf out.
constexpr auto log_clamped(auto a) { return expr::select(expr::log(a) + 100.0, expr::log(a), -100.0); }

inline constexpr auto bce_probabilities =
    -(loss_t * log_clamped(loss_y) + (1.0 - loss_t) * log_clamped(1.0 - loss_y));

// softplus(z) - z t, with z = loss_y (the logit).
inline constexpr auto bce_logits =
    expr::select(loss_y, loss_y + expr::log(1.0 + expr::exp(-loss_y)),
                 expr::log(1.0 + expr::exp(loss_y))) -
    loss_y * loss_t;

// Is layer L's function sigmoid(x)? (Sigmoid, Activation<sigmoid(x)>, any layer that says so.)
template <class L>
constexpr bool is_sigmoid_layer() {
  if constexpr (requires { L::function; }) {
    return expr::same_expr(L::function, expr::sigmoid(expr::x));
  } else {
    return false;
  }
}
}  // namespace detail

struct BinaryCrossEntropy : elementwise_loss<detail::bce_probabilities> {
  static constexpr const char* name = "binary cross-entropy";
  // The same loss on the logits, for the fused form.
  using from_logits = elementwise_loss<detail::bce_logits>;

  template <class Last, bool DenseThenLast>
  static constexpr loss_fusion fusion = DenseThenLast && detail::is_sigmoid_layer<Last>()
                                            ? loss_fusion::last_activation
                                            : loss_fusion::none;
  template <class Last>
  static constexpr bool accepts_output = detail::is_sigmoid_layer<Last>();
  template <class Last>
  struct rejects_output {
    static_assert(meta::dependent_false<Last>,
                  "BinaryCrossEntropy needs probabilities: end the network with Sigmoid (or "
                  "Activation<sigmoid(x)>)");
  };

  // Fused: in.logits holds z, the gradient written is that of z.
  template <std::size_t B, AnyShape Out, class T, bool Fused>
  static T evaluate(const loss_input<T>& in, const T* targets, T* grad, std::size_t ld,
                    std::size_t rows = B) {
    if constexpr (Fused) {
      return from_logits::evaluate<B, Out, T>({in.logits, in.ld_logits, nullptr, 0}, targets, grad,
                                            ld, rows);
    } else {
      return elementwise_loss::evaluate<B, Out, T>(in, targets, grad, ld, rows);
    }
  }
};

using BCE = BinaryCrossEntropy;

}  // namespace nerve
