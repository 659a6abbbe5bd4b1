// nerve/layers/layer.hpp: the layer contract: what the network asks of every layer, and the
// defaults a layer may override. Adding a layer is one header that derives from nerve::layer;
// nothing central names it.
//
// concept Layer {
//   static std::string name();                                  // "Dense<128>", for summary()
//   template <AnyShape In> static constexpr bool accepts;       // can this layer take In?
//   template <AnyShape In> using output_shape = Shape<...>;     // only where accepts<In>
//   template <class Got, class At> struct rejects_input;        // instantiated where !accepts<In>;
//                                                               // its static_assert says why
//   static constexpr bool valid_parameters;                     // its own arguments make sense?
//   template <class At> struct rejects_parameters;              // instantiated where they do not
//     (wrong values and wrong kinds of argument alike: a static_assert in the class body fires
//     while the network checks its entries, and g++ buries it under errors of that check; a
//     stand-in for a wrong argument keeps the rest of the class well-formed)
//   static constexpr fusion_role role;                          // how the network groups it
//
//   template <class T, AnyShape In> struct parameters;          // trainable arrays (for_each, arrays)
//   template <class T, AnyShape In> struct state;               // non-trainable arrays (running means)
//   template <class T, AnyShape In, std::size_t B, mode M>
//   static constexpr workspace_request workspace;               // memory the plan lays out for it
//   template <AnyShape In> static constexpr std::size_t forward_flops;   // per sample; and
//   template <AnyShape In> static constexpr std::size_t backward_flops;  // optional: 2x forward
//
//   static void initialize(auto& ctx);   // ctx.params, ctx.state, ctx.random(), ctx.before_rectifier
//   static void forward(auto& ctx);      // network/context.hpp: forward_context
//   static void backward(auto& ctx);     // network/context.hpp: backward_context
// }
// Optional, to run a pooling layer inside the output pass of a convolution at inference
// (network/execute.hpp, folded_into_previous):
//   static constexpr bool plane_output;   // a contraction that hands each output plane of f(z)
//                                         // to ctx.planes (kernels/epilogue.hpp) (Conv2D)
//   static constexpr bool pools_planes;   // a layer reducing each channel's plane on its own,
//   template <class T, AnyShape In, std::size_t RowStride>   // one plane of In, rows RowStride
//   static void pool_plane(const T* x, T* y);                // apart (MaxPool, AvgPool, ...)
// Every layer with work to do (roles contraction and general) is called the same way: forward(ctx)
// and backward(ctx). Element-wise layers are expressions (layers/activation.hpp): the network
// evaluates them, fused into the layer before, and derives their backward pass. Reshapes cost
// nothing. network/check.hpp checks these members and names the one that is missing.
#pragma once

#include <concepts>
#include <cstddef>  // std::size_t
#include <string>
#include <tuple>
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::declval

#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/diagnostics.hpp"     // nerve::got, nerve::at_position
#include "nerve/shape/shape.hpp"           // nerve::Shape, nerve::AnyShape

namespace nerve {

// How the network groups a layer (network/plan.hpp); every role but input and reshape is called
// through forward(ctx) / backward(ctx) or is an expression:
//   contraction  a product over its input (Dense): starts a fused group; the element-wise layers
//                after it are its epilogue (ctx.epilogue in forward, ctx.prologue in backward).
//   elementwise  a function of each element alone (activations): an expression, joins the group
//                before it; the network evaluates and differentiates it.
//   reshape      the same elements seen with another shape (Flatten): costs nothing.
//   general      anything else (Softmax, Dropout, LayerNorm): a pass of its own.
enum class fusion_role { input, contraction, elementwise, reshape, general };

// Training or inference: dropout draws a mask only in training, a normalisation layer uses
// batch statistics in training and running ones at inference.
enum class mode { inference, training };

// The memory a layer asks the plan for, in elements of the network's scalar type, for one batch.
//   kept     written by forward in training, read by the same layer's backward (a dropout mask,
//            saved statistics, pooling indices); lives from the forward pass to the backward pass.
//   scratch  used within one call only (an im2col buffer, dz); shared with every other layer.
//   carried  the state a layer hands from one call to the next (a recurrent layer's last hidden
//            state, per row): it lives as long as the workspace, and a caller may start a pass
//            from it (stateful stepping, truncated backpropagation through time) or from zero.
struct workspace_request {
  std::size_t kept = 0;
  std::size_t scratch = 0;
  std::size_t carried = 0;
};

// A layer without trainable arrays (or without state: the same empty shape).
struct no_parameters {
  static constexpr std::size_t count = 0;
  std::tuple<> arrays() const noexcept { return {}; }
  template <class F>
  void for_each(F&&) {}
  template <class F>
  void for_each(F&&) const {}
};
using no_state = no_parameters;

struct layer {
  static constexpr fusion_role role = fusion_role::general;

  template <class T, AnyShape In>
  using parameters = no_parameters;
  template <class T, AnyShape In>
  using state = no_state;

  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{};

  template <AnyShape In>
  static constexpr bool accepts = true;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>, "this layer does not accept the shape it is given");
  };

  static constexpr bool valid_parameters = true;
  template <class At>
  struct rejects_parameters {};

  // Floating-point operations per sample of forward, for the network's constexpr FLOP counts. A
  // layer may also declare backward_flops<In>; network/cost.hpp takes twice forward_flops if not.
  template <AnyShape In>
  static constexpr std::size_t forward_flops = 0;
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

namespace detail {
template <class Tuple>
struct array_total_of;
template <class... A>
struct array_total_of<std::tuple<A...>> {
  static constexpr std::size_t value = (std::size_t{0} + ... + std::remove_cvref_t<A>::size);
};
}  // namespace detail

// The number of values in a parameters (or state) struct: the sum of its arrays' sizes.
template <class P>
inline constexpr std::size_t array_total =
    detail::array_total_of<decltype(std::declval<P&>().arrays())>::value;

// Trainable values of layer L on input In: what it declares as parameter_count (Dense counts its
// logical weights, not its padded storage), else the size of its parameter arrays.
template <class L, class T, AnyShape In>
constexpr std::size_t parameter_count_of() {
  if constexpr (requires { L::template parameter_count<In>; }) {
    return L::template parameter_count<In>;
  } else {
    return array_total<typename L::template parameters<T, In>>;
  }
}

}  // namespace nerve
