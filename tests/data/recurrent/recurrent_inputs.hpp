// tests/data/recurrent/recurrent_inputs.hpp: the deterministic parameters, inputs and loss
// weights of the recurrent PyTorch comparison (tests/unit/recurrent_torch.cpp), shared by the test
// and by the LibTorch program that computed its expected values (gen_recurrent_torch.cpp here).
// Plain C++17, no nerve and no torch: both sides evaluate the same formulas with the same libm, so
// both start from bit-identical doubles.
//
// Weights are in PyTorch's orientation: weight_ih_l0 is (G*H, I), weight_hh_l0 is (G*H, H), rows m
// stacked by gate in PyTorch's order (LSTM i, f, g, o; GRU r, z, n; RNN one block).
#pragma once

#include <cmath>

namespace recurrent_inputs {

inline constexpr int batch = 2, steps = 7, features = 4;

inline double w_ih(int m, int k) { return 0.45 * std::sin(0.7 * m + 1.3 * k + 0.1); }
inline double w_hh(int m, int k) { return 0.4 * std::cos(0.9 * m - 0.6 * k + 0.2); }
inline double b_ih(int m) { return 0.2 * std::sin(1.7 * m + 0.3); }
inline double b_hh(int m) { return 0.25 * std::cos(1.1 * m + 0.5); }

// The input x[b][t][k] (batch_first).
inline double x(int b, int t, int k) { return std::sin(0.5 * t + 1.1 * k + 0.8 * b + 0.4); }

// Loss weights: loss = sum over b, t, j of output[b][t][j] * every_weight(b, t, j) for the whole
// sequence; loss = sum over b, j of output[b][steps - 1][j] * last_weight(b, j) for the last step.
inline double every_weight(int b, int t, int j) { return std::cos(0.3 * t + 0.7 * j + 1.9 * b); }
inline double last_weight(int b, int j) { return std::sin(1.3 * j - 0.9 * b + 0.6); }

// Embedding(vocabulary, dim): weight[v][d]; ids[b][t] in [0, vocabulary), with repeats.
inline constexpr int vocabulary = 6, dim = 4;
inline double embedding(int v, int d) { return std::sin(0.9 * v + 1.7 * d + 0.2); }
inline int id(int b, int t) { return (2 * b + 5 * t + t * t / 2) % vocabulary; }  // all 6, repeated

}  // namespace recurrent_inputs
