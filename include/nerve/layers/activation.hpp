// nerve/layers/activation.hpp: element-wise activation layers. Each is a function expression of
// x (expr/); the network composes a chain of them into the epilogue of the layer before, and
// derives the backward pass from the expression. None makes a pass of its own over memory.
//
// concept ActivationLayer : elementwise_layer {
//   static constexpr Expr function;                 // y = f(x)
//   static constexpr bool has_output_derivative;    // f'(x) can be written from y alone
//   static constexpr Expr output_derivative;        // if so: f' as an expression of y (named x)
// }
// From the output is cheaper: the backward pass needs no copy of the pre-activation.
#pragma once

#include <cstdio>  // std::snprintf
#include <string>
#include <type_traits>

#include "nerve/expr/build.hpp"   // nerve::expr::relu, sigmoid, tanh, max, step
#include "nerve/expr/node.hpp"    // nerve::expr::x
#include "nerve/expr/print.hpp"   // nerve::expr::to_string
#include "nerve/layers/layer.hpp" // nerve::elementwise_layer

namespace nerve {

struct activation_layer : elementwise_layer {
  static constexpr bool has_output_derivative = false;
  static constexpr expr::Zero output_derivative{};
  // He initialisation suits the layer before a rectifier; Glorot the others.
  static constexpr bool rectifier = false;
};

template <class L>
concept ActivationLayer = std::derived_from<L, activation_layer>;

// Any function of x built from nerve's ops: Activation<x * expr::sigmoid(x)> is swish. Its
// derivative is derived at compile time; the layer before keeps its pre-activation for it.
template <auto F>
struct Activation : activation_layer {
  static_assert(expr::Expr<decltype(F)>,
                "Activation<f> takes an expression of nerve::expr::x, e.g. "
                "Activation<x * sigmoid(x)> with using nerve::expr::x");
  static constexpr auto function = F;
  static std::string name() { return "Activation<" + expr::to_string(F) + ">"; }
};

struct ReLU : activation_layer {
  static constexpr auto function = expr::relu(expr::x);
  static constexpr bool has_output_derivative = true;
  static constexpr auto output_derivative = expr::step(expr::x);  // y > 0 exactly where x > 0
  static constexpr bool rectifier = true;
  static std::string name() { return "ReLU"; }
};

// x where x > 0, slope * x elsewhere; PyTorch's default slope is 0.01.
// The slope may be written as a double, a float or an integer: LeakyReLU<0.2>, LeakyReLU<0.2f>.
template <auto Slope = 0.01>
struct LeakyReLU : activation_layer {
  static_assert(std::is_arithmetic_v<decltype(Slope)>,
                "LeakyReLU<slope> takes a number, e.g. LeakyReLU<0.2>");
  static constexpr double slope = static_cast<double>(Slope);
  static constexpr auto function = expr::leaky_relu(expr::x, slope);
  // With a non-negative slope, y > 0 exactly where x > 0, so f' = slope + (1 - slope) step(y);
  // a negative slope flips the sign of y, and the derivative is taken from x instead.
  static constexpr bool has_output_derivative = slope >= 0.0;
  static constexpr auto output_derivative =
      slope + (1.0 - slope) * expr::step(expr::x);
  static constexpr bool rectifier = true;
  static std::string name() {
    char buf[48];
    std::snprintf(buf, sizeof buf, "LeakyReLU<%g>", slope);
    return buf;
  }
};

struct Sigmoid : activation_layer {
  static constexpr auto function = expr::sigmoid(expr::x);
  static constexpr bool has_output_derivative = true;
  static constexpr auto output_derivative = expr::x * (1.0 - expr::x);  // y (1 - y)
  static std::string name() { return "Sigmoid"; }
};

struct Tanh : activation_layer {
  static constexpr auto function = expr::tanh(expr::x);
  static constexpr bool has_output_derivative = true;
  static constexpr auto output_derivative = 1.0 - expr::square(expr::x);  // 1 - y^2
  static std::string name() { return "Tanh"; }
};

}  // namespace nerve
