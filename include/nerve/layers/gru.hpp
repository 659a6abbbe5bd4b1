// nerve/layers/gru.hpp: GRU<H>, PyTorch's GRU (one layer, batch_first), as a cell of
// layers/recurrent.hpp. Gates r, z, n in PyTorch's order, the reset gate applied to the hidden
// product after its bias (PyTorch's form, not the original paper's):
//   r = sigmoid(a_r + q_r), z = sigmoid(a_z + q_z), n = tanh(a_n + r * q_n)
//   h' = (1 - z) * n + z * h
// with a = W_ih x + b_ih and q = W_hh h + b_hh. Its backward through time is derived.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/layers/recurrent.hpp"  // nerve::Recurrent, cell_symbols

namespace nerve {

struct gru_cell {
  static constexpr const char* name = "GRU";
  static constexpr std::size_t gates = 3;
  using v = cell_symbols<gates>;
  static constexpr auto z = sigmoid(v::input<1> + v::hidden<1>);
  static constexpr auto n = tanh(v::input<2> + sigmoid(v::input<0> + v::hidden<0>) * v::hidden<2>);
  static constexpr auto step = expr::functions((1.0 - z) * n + z * v::state<0>);
  static constexpr std::size_t hidden = 0;
  static constexpr std::size_t flops_per_unit = 24;
};

template <long H, class... Options>
struct GRU : Recurrent<gru_cell, H, Options...> {};

}  // namespace nerve
