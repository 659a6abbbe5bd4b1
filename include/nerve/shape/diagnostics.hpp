// nerve/shape/diagnostics.hpp: the vocabulary of nerve's compile-time errors.
//
// g++ cannot print a computed string in a static_assert, but it prints the template arguments
// of the struct whose instantiation failed, on the first line of the error. So every error is a
// struct whose arguments name the culprit, its position, what was expected and what was got;
// its static_assert carries one sentence: what is wrong and how to fix it. For example
//   In instantiation of 'struct nerve::Dense<10>::needs_a_vector_input<
//       nerve::got<nerve::Shape<4, 4, 16> >, nerve::at_position<7> >'
//   error: static assertion failed: Dense takes a vector, or a sequence of vectors (steps, features) that it applies to at every step: insert Flatten before this Dense
// docs/troubleshooting.md lists every such error with broken code, fixed code and g++'s output.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false

namespace nerve {

// Arguments of error structs, named so that the first line of the error reads as a sentence.
template <std::size_t Index>
struct at_position {};
template <class What>
struct got {};
template <class What>
struct expected {};

// A shape that a layer refused: every layer after it is not checked again, so one mistake
// produces one error.
struct invalid_shape {};

}  // namespace nerve

namespace nerve::diagnostics {

template <class Network>
struct network_is_empty {
  static_assert(meta::dependent_false<Network>,
                "nerve::Network<> is empty: start it with Input<dims...> and add layers, "
                "e.g. Network<Input<784>, Dense<10>, Softmax>");
};

template <class First, class Position>
struct network_must_start_with_input {
  static_assert(meta::dependent_false<First>,
                "a nerve::Network must start with Input<dims...>: add Input<...> as its first "
                "layer, e.g. Network<Input<784>, Dense<10>>");
};

template <class Input, class Position>
struct input_must_come_first {
  static_assert(meta::dependent_false<Input>,
                "Input<...> may only be the first layer of a Network: remove this Input (shapes "
                "flow from the first Input through every layer)");
};

template <class Input>
struct network_has_no_layers {
  static_assert(meta::dependent_false<Input>,
                "this Network has an Input but no layers: add at least one layer after Input, "
                "e.g. Dense<10>");
};

template <class NotALayer, class Position>
struct not_a_layer {
  static_assert(meta::dependent_false<NotALayer>,
                "this type is not a nerve layer: every type after Input must be a layer such as "
                "Dense<N>, Flatten, ReLU or Softmax (a layer derives from nerve::layer and has a "
                "static name())");
};

template <class Number, class Position>
struct element_type_is_not_an_entry {
  static_assert(meta::dependent_false<Number>,
                "a number type is not an entry of a Network: Network<...> computes in float; for "
                "double write BasicNetwork<double, Input<...>, layers...>");
};

template <class Layer, class Position>
struct elementwise_layer_needs_a_function {
  static_assert(meta::dependent_false<Layer>,
                "an element-wise layer must give its function as an expression: derive it from "
                "nerve::activation_layer with static constexpr auto function = ..., or write "
                "Activation<expr> (e.g. Activation<x * expr::sigmoid(x)>)");
};

template <class Got, class Expected>
struct wrong_network_input {
  static_assert(meta::dependent_false<Got>,
                "a network takes one sample as a Tensor of its input shape and scalar type (or a "
                "pointer to that many values): g++'s 'In instantiation of' line names what was "
                "passed (got) and what the network takes (expected); convert double data to the "
                "network's scalar type, and pass a std::vector as vec.data()");
};

// The layer contract (layers/layer.hpp), checked member by member once the shapes are known.
template <class Layer, class Position>
struct layer_has_no_forward {
  static_assert(meta::dependent_false<Layer>,
                "this layer has no static forward(ctx): a layer with role contraction or general "
                "(the default) is called as L::forward(ctx) (layers/layer.hpp); for a function of "
                "each element alone derive from activation_layer and give its function instead");
};

template <class Layer, class Position>
struct layer_has_no_backward {
  static_assert(meta::dependent_false<Layer>,
                "this layer has no static backward(ctx): a layer with role contraction or general "
                "must give dL/dx (and its parameter gradients) from dL/dy, or it cannot be trained "
                "(layers/layer.hpp)");
};

template <class Layer, class Position>
struct layer_has_parameters_but_no_initialize {
  static_assert(meta::dependent_false<Layer>,
                "this layer has trainable parameters but no static initialize(ctx) (spelled "
                "initialize): its weights would silently stay 0");
};

template <class Layer, class Position>
struct layer_role_cannot_have_parameters {
  static_assert(meta::dependent_false<Layer>,
                "this layer has trainable parameters but its role (elementwise or reshape) is "
                "never called with them, so they would never train: make it a general layer "
                "(the default role) with forward(ctx) and backward(ctx)");
};

}  // namespace nerve::diagnostics
