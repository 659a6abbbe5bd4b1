// nerve/layers/input.hpp: Input<dims...>, the first entry of every Network: the sample shape.
#pragma once

#include <cstddef>  // std::size_t
#include <string>

#include "nerve/layers/layer.hpp"        // nerve::layer
#include "nerve/meta/dependent_false.hpp"
#include "nerve/shape/shape.hpp"         // nerve::Shape

namespace nerve {

// Dimensions are signed so that Input<-3> reaches our own message instead of a narrowing error.
template <long... Dims>
struct Input : layer {
  static constexpr fusion_role role = fusion_role::input;
  static constexpr bool valid_parameters = sizeof...(Dims) > 0 && ((Dims > 0) && ...);

  template <class At>
  struct rejects_parameters {
    static_assert(sizeof...(Dims) > 0, "Input<> needs at least one dimension, e.g. Input<784> or Input<1, 28, 28>");
    static_assert(((Dims > 0) && ...),
                  "every dimension of Input<...> must be at least 1: a zero or negative size "
                  "cannot hold a sample");
  };

  using shape = Shape<static_cast<std::size_t>(Dims > 0 ? Dims : 0)...>;

  static std::string name() {
    std::string out = "Input<";
    std::size_t i = 0;
    ((out += (i++ ? ", " : "") + std::to_string(Dims)), ...);
    return out + ">";
  }
};

template <class T>
inline constexpr bool is_input = false;
template <long... Dims>
inline constexpr bool is_input<Input<Dims...>> = true;

}  // namespace nerve
