// nerve/init/initializer.hpp: how a layer's weights start. The choice is a type argument of the
// layer (Dense<128, WithBias, He>); Auto picks He before a rectifier and Glorot otherwise.
#pragma once

#include <cmath>    // std::sqrt
#include <cstddef>  // std::size_t
#include <type_traits>

#include "nerve/init/random.hpp"  // nerve::Random

namespace nerve {

// Glorot (Xavier) uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)); for tanh, sigmoid, linear.
struct Glorot {
  static constexpr const char* name = "glorot";
  static double draw(Random& rng, std::size_t fan_in, std::size_t fan_out) {
    const double a = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
    return rng.uniform(-a, a);
  }
};

// He (Kaiming) uniform for ReLU: U(-a, a), a = sqrt(6 / fan_in).
struct He {
  static constexpr const char* name = "he";
  static double draw(Random& rng, std::size_t fan_in, std::size_t) {
    const double a = std::sqrt(6.0 / static_cast<double>(fan_in));
    return rng.uniform(-a, a);
  }
};

// He normal: N(0, 2 / fan_in).
struct HeNormal {
  static constexpr const char* name = "he_normal";
  static double draw(Random& rng, std::size_t fan_in, std::size_t) {
    return rng.normal() * std::sqrt(2.0 / static_cast<double>(fan_in));
  }
};

// PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
struct TorchDefault {
  static constexpr const char* name = "torch";
  static double draw(Random& rng, std::size_t fan_in, std::size_t) {
    const double a = 1.0 / std::sqrt(static_cast<double>(fan_in));
    return rng.uniform(-a, a);
  }
};

// He when the next layer is a rectifier (ReLU, LeakyReLU), Glorot otherwise.
struct Auto {
  static constexpr const char* name = "auto";
};

template <class I>
inline constexpr bool is_initializer =
    std::is_same_v<I, Glorot> || std::is_same_v<I, He> || std::is_same_v<I, HeNormal> ||
    std::is_same_v<I, TorchDefault> || std::is_same_v<I, Auto>;

}  // namespace nerve
