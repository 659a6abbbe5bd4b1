// nerve/layers/weight_and_bias.hpp: the (weight, bias) arrays most layers with parameters hold,
// named as PyTorch names them, the bias optional. A layer's parameters struct derives from it and
// adds its own accessors (Dense's w(m, k), Conv2D's w(f, c, i, j)); checkpoints and optimizers see
// the arrays through arrays() and for_each, in the order weight, bias.
#pragma once

#include <tuple>        // std::tie
#include <type_traits>  // std::conditional_t

#include "nerve/shape/shape.hpp"    // nerve::Shape, AnyShape
#include "nerve/tensor/tensor.hpp"  // nerve::Tensor

namespace nerve {

template <class T, AnyShape WeightShape, AnyShape BiasShape, bool HasBias = true>
struct weight_and_bias_arrays {
  static constexpr bool has_bias = HasBias;

  Tensor<T, WeightShape> weight;
  Tensor<T, std::conditional_t<HasBias, BiasShape, Shape<0>>> bias;  // empty without a bias

  // The trainable arrays as a tuple of references, in the order of for_each.
  auto arrays() noexcept {
    if constexpr (HasBias) return std::tie(weight, bias);
    else return std::tie(weight);
  }
  auto arrays() const noexcept {
    if constexpr (HasBias) return std::tie(weight, bias);
    else return std::tie(weight);
  }

  // f(name, tensor) for each trainable array, in a fixed order (checkpoints rely on it).
  template <class F>
  void for_each(F&& f) {
    f("weight", weight);
    if constexpr (HasBias) f("bias", bias);
  }
  template <class F>
  void for_each(F&& f) const {
    f("weight", weight);
    if constexpr (HasBias) f("bias", bias);
  }
};

}  // namespace nerve
