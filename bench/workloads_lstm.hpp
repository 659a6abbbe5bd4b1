// bench/workloads_lstm.hpp: the LSTM workloads of issue 8 (W5h32, W5h128, W5seq64, W6), their
// sizes, FLOP counts, parameters and data, and what each LSTM peer hands the start-up cross-check
// (bench/lstm_cross_check.cpp).
//
// The LSTM is PyTorch's (torch.nn.LSTM, one layer): gates i, f, g, o stacked in that order in
// weight_ih [4H][I], weight_hh [4H][H], bias_ih [4H], bias_hh [4H];
//   z = W_ih x + b_ih + W_hh h + b_hh,  i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_g),
//   o = sigmoid(z_o),  c' = f * c + i * g,  h' = o * tanh(c').
//
//   W5h32, W5h128  inference, one time step per call: batch 1, input 8, hidden 32 / 128; the
//                  state (h, c) is carried from call to call (a real-time loop stepping a sample
//                  at a time). The calls cycle through lstm_steps pre-made inputs.
//   W5seq64        inference over a sequence of lstm_steps = 64 steps in one call: batch 1, input
//                  8, hidden 128, from the zero state; the output is h at every step ([64][128],
//                  PyTorch's batch_first output).
//   W6             one training step of a character-level language model: tokens (vocabulary 64)
//                  one-hot -> LSTM hidden 128 -> Linear 64 at every step -> softmax cross-entropy
//                  averaged over all batch x length positions (PyTorch's cross_entropy, mean),
//                  full backpropagation through time from the zero state, plain SGD
//                  (learning_rate, lr 0.01) on all six parameter arrays. Length 32, batch 16;
//                  the targets are the inputs shifted by one token. W6 cycles through batch_pool
//                  pre-made batches.
#pragma once

#include <cmath>    // std::sqrt
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t
#include <random>   // std::mt19937, distributions
#include <vector>

#include "workloads.hpp"  // DenseParams, make_dense, make_inputs, learning_rate, batch_pool

namespace nerve::bench {

inline constexpr int lstm_in = 8;       // W5: input features
inline constexpr int lstm_small = 32;   // W5h32: hidden
inline constexpr int lstm_large = 128;  // W5h128, W5seq64: hidden
inline constexpr int lstm_steps = 64;   // W5seq64: sequence length; W5h*: pre-made inputs
inline constexpr int lm_vocab = 64;     // W6: vocabulary (one-hot inputs, 64 logits out)
inline constexpr int lm_hidden = 128;   // W6: LSTM hidden size
inline constexpr int lm_length = 32;    // W6: sequence length
inline constexpr int lm_batch = 16;     // W6: sequences per step

// FLOPs as in workloads.hpp: multiply-adds counted as 2, element-wise work (gates, softmax) not.
// One step: the 4H x (I + H) product.
constexpr double lstm_step_flops(int in, int hidden) { return 2.0 * 4 * hidden * (in + hidden); }
// W5seq64: lstm_steps of them (the first step's W_hh h with h = 0 counted too).
constexpr double lstm_sequence_flops() {
  return lstm_steps * lstm_step_flops(lstm_in, lstm_large);
}
// W6, per position (of batch x length): forward W_hh h and W_out h; backward dW_out, W_out^T dy,
// dW_hh and W_hh^T dz (3 x 4H x H + 3 x V x H multiply-adds). The one-hot input product W_ih x is
// a column gather and its gradient a column scatter-add, not counted (as a dense GEMM it would
// add 2 x 4H x V); nor is the skipped work at the first step (h = 0).
// 2 x 512 x (196,608 + 24,576) = 226,492,416 FLOP per step.
constexpr double lm_train_step_flops() {
  return 2.0 * lm_batch * lm_length *
         (3.0 * 4 * lm_hidden * lm_hidden + 3.0 * lm_vocab * lm_hidden);
}
static_assert(lm_train_step_flops() == 226492416.0);

// One LSTM layer's parameters in PyTorch's layout (row-major, rows i, f, g, o).
struct LstmParams {
  int in = 0, hidden = 0;
  std::vector<float> weight_ih;  // [4H][in]: weight_ih[r * in + k]
  std::vector<float> weight_hh;  // [4H][H]:  weight_hh[r * hidden + k]
  std::vector<float> bias_ih;    // [4H]
  std::vector<float> bias_hh;    // [4H]
};

// Uniform in +-1/sqrt(hidden) for all four arrays, like torch::nn::LSTM's default.
inline LstmParams make_lstm_params(int in, int hidden, unsigned seed) {
  std::mt19937 rng(seed);
  const std::size_t rows = 4 * std::size_t(hidden);
  LstmParams p{in, hidden, std::vector<float>(rows * in), std::vector<float>(rows * hidden),
               std::vector<float>(rows), std::vector<float>(rows)};
  const float bound = 1.0f / std::sqrt(float(hidden));
  std::uniform_real_distribution<float> u(-bound, bound);
  for (auto* v : {&p.weight_ih, &p.weight_hh, &p.bias_ih, &p.bias_hh}) {
    for (auto& w : *v) w = u(rng);
  }
  return p;
}

// W6's model: LSTM(lm_vocab -> lm_hidden) on one-hot tokens, then Linear(lm_hidden -> lm_vocab).
struct CharLmParams {
  LstmParams lstm;
  DenseParams out;  // weight [vocab][hidden], bias [vocab]
};
inline CharLmParams make_char_lm_params(unsigned seed = 8) {
  std::mt19937 rng(seed);
  CharLmParams p;
  p.lstm = make_lstm_params(lm_vocab, lm_hidden, seed + 1);
  p.out = make_dense(lm_hidden, lm_vocab, rng);
  return p;
}
// Every parameter in one array, in the order weight_ih, weight_hh, bias_ih, bias_hh, out.weight,
// out.bias (what the cross-check compares after training steps).
inline std::vector<float> flatten(const CharLmParams& p) {
  std::vector<float> v;
  for (const auto* a : {&p.lstm.weight_ih, &p.lstm.weight_hh, &p.lstm.bias_ih, &p.lstm.bias_hh,
                        &p.out.weight, &p.out.bias}) {
    v.insert(v.end(), a->begin(), a->end());
  }
  return v;
}

// W6's batches: batch k's tokens and targets are [lm_batch][lm_length] row-major (batch first),
// uniform over the vocabulary; targets[b][t] = tokens[b][t + 1] of one sequence of length + 1.
struct LmBatchPool {
  std::vector<std::uint32_t> x, y;
  const std::uint32_t* tokens(int k) const {
    return x.data() + std::size_t(k) * lm_batch * lm_length;
  }
  const std::uint32_t* targets(int k) const {
    return y.data() + std::size_t(k) * lm_batch * lm_length;
  }
};
inline LmBatchPool make_lm_batch_pool(unsigned seed = 2468) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint32_t> u(0, lm_vocab - 1);
  LmBatchPool pool;
  const std::size_t n = std::size_t(batch_pool) * lm_batch * lm_length;
  pool.x.resize(n);
  pool.y.resize(n);
  for (std::size_t s = 0; s < n / lm_length; ++s) {
    std::uint32_t next = u(rng);
    for (int t = 0; t < lm_length; ++t) {
      pool.x[s * lm_length + t] = next;
      next = u(rng);
      pool.y[s * lm_length + t] = next;
    }
  }
  return pool;
}

// W5's inputs: lstm_steps steps of lstm_in features, [step][feature], uniform in [0, 1).
inline std::vector<float> make_lstm_inputs(unsigned seed = 9) {
  return make_inputs(lstm_steps, lstm_in, seed);
}
// W5h32, W5h128 and W5seq64's parameters (W5seq64 uses those of W5h128).
inline LstmParams make_w5_params(int hidden) {
  return make_lstm_params(lstm_in, hidden, 50 + hidden);
}

// What an LSTM peer gives the start-up cross-check (lstm_cross_check.cpp): the same objects its
// benchmarks time, run on parameters and data the check chooses. Each returns plain floats.
struct LstmPeer {
  const char* name = nullptr;
  // W5h*: `steps` calls of the one-step object from the zero state on x [steps][in]; returns h
  // after every call ([steps][H]), then the final c ([H]).
  std::vector<float> (*step)(const LstmParams& p, const float* x, int steps) = nullptr;
  // W5seq64: one call of the sequence object on x [lstm_steps][in] (p.in must be lstm_in and
  // p.hidden lstm_large); returns the output, h at every step ([lstm_steps][H]).
  std::vector<float> (*sequence)(const LstmParams& p, const float* x) = nullptr;
  // W6: `steps` SGD steps with learning rate lr on batches 0 .. steps - 1 of `pool`; returns the
  // loss of every step (before its update), then flatten() of the parameters after the last step.
  std::vector<float> (*train)(const CharLmParams& p, float lr, const LmBatchPool& pool,
                              int steps) = nullptr;
  // Optional: the peer's own initial parameters (torch's default initialisation under
  // torch::manual_seed(seed)); the cross-check runs every peer on those when a peer has them.
  LstmParams (*initial_lstm)(int in, int hidden, unsigned seed) = nullptr;
  CharLmParams (*initial_char_lm)(unsigned seed) = nullptr;
};

}  // namespace nerve::bench
