// nerve/optim/optimizer.hpp: what the trainer may ask of an optimizer.
//
// concept Optimizer<O> {
//   static constexpr const char* name;            // "SGD", "Adam", ... for logs
//   double learning_rate;                          // settable between steps: the schedule hook
//   template <class T, std::size_t N> struct state;  // per parameter array, default-constructible
//   template <class T, std::size_t N>
//   void update(T* params, const T* grads, state<T, N>&) const;  // one step on N elements
//   void validate() const;                         // throws std::invalid_argument on bad options
// }
//
// An optimizer whose step is element-wise (each parameter moves by a function of its own gradient
// and state only) may also offer that step to the backward kernels, so that the gradient is
// consumed as it is produced instead of being written and read back (ElementwiseOptimizer):
//   static constexpr bool elementwise_update = true;
//   template <class F> void visit(F&& f) const;   // f(kind): the compile-time form of the step
//   template <class T, std::size_t N>
//   auto begin(kind, T* params, state<T, N>&) const;  // one step begun: a kernels::apply_update
// and update(params, grads, s) is visit + begin run over the gradient array, the same formula.
// Every kind is one more compilation of every fused backward kernel (about 2 s of -O3 for a
// LeNet): a kind is worth it where it changes the arrays a step touches or saves a good share of
// the step's arithmetic (SGD's decay: one FMA beside one), not where the step is long anyway
// (Adam's decay: one FMA beside a square root and a division, a scalar of the step).
// Options are aggregates, so users write nerve::Adam{.learning_rate = 1e-3}. Hyper-parameters are
// double, as Python floats are in PyTorch: the step's scalars (bias corrections, step size) are
// computed in double and rounded once to T, as torch.optim does for float tensors.
#pragma once

#include <concepts>   // std::convertible_to, std::default_initializable
#include <cstddef>    // std::size_t
#include <cstdio>     // std::snprintf
#include <stdexcept>  // std::invalid_argument
#include <string>     // std::string

namespace nerve {

template <class O>
concept Optimizer =
    std::copy_constructible<O> &&
    std::default_initializable<typename O::template state<float, 3>> &&
    std::default_initializable<typename O::template state<double, 3>> &&
    requires(O o, const O& c, float* pf, const float* gf, double* pd, const double* gd,
             typename O::template state<float, 3>& sf, typename O::template state<double, 3>& sd) {
      { O::name } -> std::convertible_to<const char*>;
      o.learning_rate = 0.5;
      c.update(pf, gf, sf);
      c.update(pd, gd, sd);
      c.validate();
    };

// An Optimizer that can apply its step while the backward pass produces the gradient.
template <class O>
concept ElementwiseOptimizer = Optimizer<O> && requires {
  { O::elementwise_update } -> std::convertible_to<bool>;
} && O::elementwise_update;

namespace detail {

// One sentence per bad option: which optimizer, which option, what it got, what it accepts.
inline void require_option(bool ok, const char* optimizer, const char* option, double value,
                           const char* accepted) {
  if (ok) return;
  char number[32];
  std::snprintf(number, sizeof number, "%g", value);
  throw std::invalid_argument(std::string(optimizer) + ": " + option + " = " + number +
                              " is invalid; " + accepted);
}

}  // namespace detail
}  // namespace nerve
