// nerve/layers/layer.hpp: what makes a type a layer, and the defaults a layer may override.
//
// concept Layer {
//   static std::string name();                                  // "Dense<128>", for summary()
//   template <AnyShape In> static constexpr bool accepts;       // can this layer take In?
//   template <AnyShape In> using output_shape = Shape<...>;     // only where accepts<In>
//   template <class Got, class At> struct rejects_input;        // instantiated where !accepts<In>;
//                                                               // its static_assert says why
//   static constexpr bool valid_parameters;                     // its own arguments make sense?
//   template <class At> struct rejects_parameters;              // instantiated where they do not
//   template <AnyShape In> static constexpr std::size_t parameter_count;
// }
// A layer derives from nerve::layer, which supplies the defaults; a layer hides what it changes.
#pragma once

#include <concepts>
#include <cstddef>  // std::size_t
#include <string>

#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/diagnostics.hpp"     // nerve::got, nerve::at_position
#include "nerve/shape/shape.hpp"           // nerve::Shape, nerve::AnyShape

namespace nerve {

struct layer {
  template <AnyShape In>
  static constexpr bool accepts = true;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>, "this layer does not accept the shape it is given");
  };

  static constexpr bool valid_parameters = true;
  template <class At>
  struct rejects_parameters {};

  template <AnyShape In>
  static constexpr std::size_t parameter_count = 0;
};

template <class L>
concept Layer = std::derived_from<L, layer> && requires {
  { L::name() } -> std::convertible_to<std::string>;
};

// A layer that maps every element on its own and keeps the shape: activations.
struct elementwise_layer : layer {
  template <AnyShape In>
  using output_shape = In;
};

}  // namespace nerve
