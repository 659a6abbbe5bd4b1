// nerve/layers/simple_rnn.hpp: SimpleRNN<H>, PyTorch's RNN with its default tanh (one layer,
// batch_first), as a cell of layers/recurrent.hpp: h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/layers/recurrent.hpp"  // nerve::Recurrent, cell_symbols

namespace nerve {

struct simple_rnn_cell {
  static constexpr const char* name = "SimpleRNN";
  static constexpr std::size_t gates = 1;
  using v = cell_symbols<gates>;
  static constexpr auto step = expr::functions(tanh(v::input<0> + v::hidden<0>));
  static constexpr std::size_t hidden = 0;
  static constexpr std::size_t flops_per_unit = 8;
};

template <long H, class... Options>
struct SimpleRNN : Recurrent<simple_rnn_cell, H, Options...> {};

}  // namespace nerve
