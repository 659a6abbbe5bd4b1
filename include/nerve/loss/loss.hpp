// nerve/loss/loss.hpp: what a loss sees and what it may fuse with.
//
// concept Loss {
//   static constexpr const char* name;
//   template <class T> using target_of = ...;     // a class index, or one value per output
//   template <AnyShape Out> static constexpr std::size_t targets_per_sample;
//   template <class Last, bool DenseThenLast> static constexpr loss_fusion fusion;
//   template <class Last> static constexpr bool accepts_output;  // and rejects_output<Last>
//   template <std::size_t B, AnyShape Out, class T, bool Fused>
//   static T evaluate(const loss_input<T>&, const target_of<T>* targets, T* grad, std::size_t ld,
//                     std::size_t rows = B);
// }
// Out is the network's output shape (one sample).
// evaluate returns the mean loss of the first `rows` samples (a last, partial batch of an
// evaluation is padded) and writes its gradient (already divided by the
// batch) into grad, B rows ld apart, padding zero. With fusion it is the gradient of the fused
// activation's input: p - onehot for Softmax with cross-entropy, p - t for Sigmoid with binary
// cross-entropy, computed from the logits so that nothing overflows or takes log(0).
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/network/execute.hpp"  // nerve::detail::loss_fusion
#include "nerve/shape/shape.hpp"        // nerve::AnyShape

namespace nerve {

using detail::loss_fusion;

template <class T>
struct loss_input {
  const T* y;            // network outputs, B rows
  std::size_t ld_y;
  const T* logits;       // input of the fused activation (when the loss fuses one), B rows
  std::size_t ld_logits;
};

}  // namespace nerve
