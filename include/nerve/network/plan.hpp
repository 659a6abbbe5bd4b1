// nerve/network/plan.hpp: the fusion plan of a network, at compile time.
//
// Entries are grouped by their fusion_role: a contraction (Dense) takes every element-wise layer
// after it as its epilogue; element-wise layers with no contraction before them form a group of
// their own (one pass); reshapes (Flatten) cost nothing; general layers (Softmax, Dropout,
// LayerNorm) run alone.
// Each group's activations compose into one expression (expr/compose.hpp) whose derivative is
// derived once (autodiff/derivative.hpp). explain() prints the result.
#pragma once

#include <array>
#include <cstddef>  // std::size_t
#include <string>

#include "nerve/autodiff/derivative.hpp"  // nerve::expr::derivative
#include "nerve/expr/compose.hpp"         // nerve::expr::compose
#include "nerve/expr/node.hpp"            // nerve::expr::x
#include "nerve/kernels/layout.hpp"       // nerve::kernels::padded
#include "nerve/layers/activation.hpp"    // nerve::ActivationLayer
#include "nerve/layers/layer.hpp"         // nerve::fusion_role
#include "nerve/meta/type_list.hpp"       // nerve::meta::at

namespace nerve::detail {

struct group {
  fusion_role kind;
  std::size_t head;  // first entry of the group
  std::size_t last;  // last entry of the group (inclusive)
};

template <class... Entries>
struct plan {
  static constexpr std::array<fusion_role, sizeof...(Entries)> roles{Entries::role...};

  // An element-wise entry joins the group before it when that group ends in a contraction or
  // in element-wise entries.
  static constexpr bool joins_previous(std::size_t i) {
    return i > 1 && roles[i] == fusion_role::elementwise &&
           (roles[i - 1] == fusion_role::elementwise || roles[i - 1] == fusion_role::contraction);
  }

  static constexpr std::size_t group_count = [] {
    std::size_t count = 0;
    for (std::size_t i = 1; i < roles.size(); ++i) count += joins_previous(i) ? 0 : 1;
    return count;
  }();

  static constexpr std::array<group, group_count> groups = [] {
    std::array<group, group_count> out{};
    std::size_t g = 0;
    for (std::size_t i = 1; i < roles.size(); ++i) {
      if (joins_previous(i)) {
        out[g - 1].last = i;
      } else {
        out[g++] = group{roles[i], i, i};
      }
    }
    return out;
  }();
};

// The composed function of the activation entries [first, last] of a network; x where empty.
template <class Entries, std::size_t First, std::size_t Last>
constexpr auto chain_function() {
  if constexpr (First > Last) {
    return expr::x;
  } else {
    using L = meta::at<Last, Entries>;
    static_assert(ActivationLayer<L>, "an element-wise layer must derive from activation_layer");
    return expr::compose(L::function, chain_function<Entries, First, Last - 1>());
  }
}

// How a group's backward pass gets dz from dy (the prologue of the backward contraction):
//   identity      no activation: dz = dy
//   from_output   one activation whose derivative is a function of its output: dz = dy * g(y)
//   from_input    anything else: dz = dy * f'(z), with z kept by the forward pass
enum class derivative_form { identity, from_output, from_input };

}  // namespace nerve::detail
