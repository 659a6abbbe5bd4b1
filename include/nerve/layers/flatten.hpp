// nerve/layers/flatten.hpp: Flatten, which views any shape as a vector of the same size.
// It copies nothing: the elements are already stored row-major.
#pragma once

#include <string>

#include "nerve/layers/layer.hpp"  // nerve::layer
#include "nerve/shape/shape.hpp"   // nerve::flatten_t

namespace nerve {

struct Flatten : layer {
  static constexpr fusion_role role = fusion_role::reshape;
  template <AnyShape In>
  using output_shape = flatten_t<In>;

  static std::string name() { return "Flatten"; }
};

}  // namespace nerve
