// nerve/layers/softmax.hpp: Softmax, exp(x_i) / sum_j exp(x_j) over a vector.
#pragma once

#include <string>

#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false

namespace nerve {

struct Softmax : layer {
  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "Softmax normalises a rank-1 input (a vector of scores): insert Flatten (and "
                  "usually Dense<classes>) before this Softmax");
  };

  template <AnyShape In>
  using output_shape = In;

  static std::string name() { return "Softmax"; }
};

}  // namespace nerve
