// nerve/layers/activation.hpp: element-wise activation layers. Each keeps its input's shape
// and is fused into the layer before it; it never makes a pass of its own over memory.
#pragma once

#include <cstdio>  // std::snprintf
#include <string>

#include "nerve/layers/layer.hpp"  // nerve::elementwise_layer

namespace nerve {

struct ReLU : elementwise_layer {
  static std::string name() { return "ReLU"; }
};

// max(x, slope * x); PyTorch's default slope is 0.01.
template <float Slope = 0.01f>
struct LeakyReLU : elementwise_layer {
  static constexpr float slope = Slope;
  static std::string name() {
    char buf[48];
    std::snprintf(buf, sizeof buf, "LeakyReLU<%g>", static_cast<double>(Slope));
    return buf;
  }
};

struct Sigmoid : elementwise_layer {
  static std::string name() { return "Sigmoid"; }
};

struct Tanh : elementwise_layer {
  static std::string name() { return "Tanh"; }
};

}  // namespace nerve
