// nerve/layers/dense.hpp: Dense<units>, a fully connected layer: y = W x + b.
#pragma once

#include <cstddef>  // std::size_t
#include <string>

#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape

namespace nerve {

// Bias policies for Dense.
struct WithBias {};
struct NoBias {};

template <long Units, class Bias = WithBias>
struct Dense : layer {
  static_assert(std::is_same_v<Bias, WithBias> || std::is_same_v<Bias, NoBias>,
                "the second argument of Dense is WithBias (the default) or NoBias");

  static constexpr std::size_t units = Units > 0 ? static_cast<std::size_t>(Units) : 0;
  static constexpr bool has_bias = std::is_same_v<Bias, WithBias>;

  static constexpr bool valid_parameters = Units > 0;
  template <class At>
  struct rejects_parameters {
    static_assert(meta::dependent_false<At>,
                  "Dense<units> needs at least 1 unit: a zero or negative number of units makes "
                  "an empty layer");
  };

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "Dense takes a rank-1 input (a vector): insert Flatten before this Dense");
  };

  template <AnyShape In>
  using output_shape = Shape<units>;

  template <AnyShape In>
  static constexpr std::size_t parameter_count = In::size * units + (has_bias ? units : 0);

  static std::string name() {
    return "Dense<" + std::to_string(Units) + (has_bias ? ">" : ", NoBias>");
  }
};

}  // namespace nerve
