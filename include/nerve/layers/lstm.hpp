// nerve/layers/lstm.hpp: LSTM<H>, PyTorch's LSTM (one layer, batch_first), as a cell of
// layers/recurrent.hpp. Gates i, f, g, o in PyTorch's order:
//   i = sigmoid(a_i + r_i), f = sigmoid(a_f + r_f), g = tanh(a_g + r_g), o = sigmoid(a_o + r_o)
//   c' = f * c + i * g,  h' = o * tanh(c')
// with a = W_ih x + b_ih and r = W_hh h + b_hh. Its backward through time is derived from these
// two lines.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/layers/recurrent.hpp"  // nerve::Recurrent, cell_symbols

namespace nerve {

struct lstm_cell {
  static constexpr const char* name = "LSTM";
  static constexpr std::size_t gates = 4;
  using v = cell_symbols<gates>;
  static constexpr auto c = sigmoid(v::input<1> + v::hidden<1>) * v::state<0> +
                            sigmoid(v::input<0> + v::hidden<0>) * tanh(v::input<2> + v::hidden<2>);
  static constexpr auto h = sigmoid(v::input<3> + v::hidden<3>) * tanh(c);
  // Kept states: c (0) and h (1); h' reads c' (eval/pointwise.hpp reuses it).
  static constexpr auto step = expr::functions(c, h);
  static constexpr std::size_t hidden = 1;
  static constexpr std::size_t flops_per_unit = 30;  // 4 gate sums, 3 sigmoids, 2 tanh, 4 products
};

template <long H, class... Options>
struct LSTM : Recurrent<lstm_cell, H, Options...> {};

}  // namespace nerve
