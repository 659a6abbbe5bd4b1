// examples/user_layers/coupled_lstm.hpp: a recurrent cell nerve does not ship, written in a user's
// own file: the LSTM with coupled input and forget gates ("CIFG", Greff et al., "LSTM: A Search
// Space Odyssey", 2017): the forget gate is 1 - i, so the cell has three gates, not four, and a
// quarter fewer weights. Gates i, g, o in that order (rows of weight_ih and weight_hh):
//   c' = (1 - i) * c + i * g,   h' = o * tanh(c')
// with i = sigmoid(a_i + r_i), g = tanh(a_g + r_g), o = sigmoid(a_o + r_o), a = W_ih x + b_ih and
// r = W_hh h + b_hh. That is all: nerve::Recurrent runs it, and derives its backward pass through
// time from these two lines (no derivative is written here).
#pragma once

#include <nerve/nerve.hpp>

#include <cstddef>

namespace user {

struct coupled_lstm_cell {
  static constexpr const char* name = "CoupledLSTM";
  static constexpr std::size_t gates = 3;
  using v = nerve::cell_symbols<gates>;
  static constexpr auto i = sigmoid(v::input<0> + v::hidden<0>);
  static constexpr auto c = (1.0 - i) * v::state<0> + i * tanh(v::input<1> + v::hidden<1>);
  static constexpr auto h = sigmoid(v::input<2> + v::hidden<2>) * tanh(c);
  static constexpr auto step = nerve::expr::functions(c, h);  // kept states: c, then h
  static constexpr std::size_t hidden = 1;                    // h is state 1
  static constexpr std::size_t flops_per_unit = 24;
};

template <long H, class... Options>
struct CoupledLSTM : nerve::Recurrent<coupled_lstm_cell, H, Options...> {};

}  // namespace user
