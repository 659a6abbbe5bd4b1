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
//   static constexpr fusion_role role;                          // how the network schedules it
//   template <class T, AnyShape In> struct parameters;          // its trainable arrays
// }
// Each role adds its own execution members: see fusion_role.
// A layer derives from nerve::layer, which supplies the defaults; a layer hides what it changes.
#pragma once

#include <concepts>
#include <cstddef>  // std::size_t
#include <string>
#include <tuple>

#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/diagnostics.hpp"     // nerve::got, nerve::at_position
#include "nerve/shape/shape.hpp"           // nerve::Shape, nerve::AnyShape

namespace nerve {

// How the network schedules a layer (network/plan.hpp groups layers by role):
//   contraction  a product over its input (Dense): starts a fused group; the element-wise
//                layers after it become its epilogue. Provides forward<B>() and backward<B>();
//                backward writes (does not add to) its parameter gradients, so a training step
//                needs no pass that zeroes them.
//   elementwise  a function of each element alone (activations): joins the group before it.
//   reshape      the same elements seen with another shape (Flatten): costs nothing.
//   standalone   anything else (Softmax): a pass of its own, forward<B>() and backward<B>().
enum class fusion_role { input, contraction, elementwise, reshape, standalone };

// A layer without trainable arrays.
struct no_parameters {
  std::tuple<> arrays() const noexcept { return {}; }
  template <class F>
  void for_each(F&&) {}
  template <class F>
  void for_each(F&&) const {}
};

struct layer {
  static constexpr fusion_role role = fusion_role::standalone;

  template <class T, AnyShape In>
  using parameters = no_parameters;

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
  static constexpr fusion_role role = fusion_role::elementwise;
  template <AnyShape In>
  using output_shape = In;
};

}  // namespace nerve
