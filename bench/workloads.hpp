// bench/workloads.hpp: the three workloads every peer runs, their sizes, their FLOP counts, and
// the deterministic parameters and data all peers start from.
//
// Every peer copies the same parameters (made here) into its own layout, so the plain-loop
// reference (bench/reference.hpp) can check that each peer computes the right thing.
#pragma once

#include <cmath>    // std::sqrt
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t
#include <random>   // std::mt19937, distributions
#include <string>
#include <vector>

namespace nerve::bench {

// W1 and W3: 784-128(ReLU)-10, softmax output (W1) or softmax cross-entropy loss (W3).
inline constexpr int mlp_in = 784;
inline constexpr int mlp_hidden = 128;
inline constexpr int mlp_out = 10;
// W2: 16-32(tanh)-32(tanh)-1, linear output.
inline constexpr int tanh_in = 16;
inline constexpr int tanh_hidden = 32;
inline constexpr int tanh_out = 1;
// W3's learning rate; plain SGD, loss averaged over the batch.
inline constexpr float learning_rate = 0.01f;
// W3 cycles through this many pre-made batches so no peer trains on one batch forever.
inline constexpr int batch_pool = 8;

// Multiply-adds counted as 2 FLOPs; element-wise work (bias, activation, softmax) is not counted.
// A training step is: forward (W1 x, W2 h), backward (dW2 = dz2 h^T, dh = W2^T dz2,
// dW1 = dz1 x^T). No gradient flows to the input, so there is no W1^T dz1.
constexpr double train_step_flops(int batch) {
  return 2.0 * batch * (2.0 * mlp_in * mlp_hidden + 3.0 * mlp_hidden * mlp_out);
}
constexpr double mlp_forward_flops() { return 2.0 * (mlp_in * mlp_hidden + mlp_hidden * mlp_out); }

// One dense layer's parameters, row-major out x in (the layout of torch::nn::Linear::weight).
struct DenseParams {
  int in = 0, out = 0;
  std::vector<float> weight;  // weight[o * in + i]
  std::vector<float> bias;    // bias[o]
};

// Uniform in +-1/sqrt(in), like torch::nn::Linear's default initialisation.
inline DenseParams make_dense(int in, int out, std::mt19937& rng) {
  DenseParams p{in, out, std::vector<float>(std::size_t(in) * out), std::vector<float>(out)};
  const float bound = 1.0f / std::sqrt(float(in));
  std::uniform_real_distribution<float> u(-bound, bound);
  for (auto& w : p.weight) w = u(rng);
  for (auto& b : p.bias) b = u(rng);
  return p;
}

// The 784-128-10 network (W1, W3).
struct MlpParams {
  DenseParams l1, l2;
};
inline MlpParams make_mlp_params(unsigned seed = 42) {
  std::mt19937 rng(seed);
  MlpParams p;
  p.l1 = make_dense(mlp_in, mlp_hidden, rng);
  p.l2 = make_dense(mlp_hidden, mlp_out, rng);
  return p;
}

// The 16-32-32-1 network (W2).
struct TanhParams {
  DenseParams l1, l2, l3;
};
inline TanhParams make_tanh_params(unsigned seed = 7) {
  std::mt19937 rng(seed);
  TanhParams p;
  p.l1 = make_dense(tanh_in, tanh_hidden, rng);
  p.l2 = make_dense(tanh_hidden, tanh_hidden, rng);
  p.l3 = make_dense(tanh_hidden, tanh_out, rng);
  return p;
}

// Inputs in [0, 1) like normalised pixels, row-major: sample s is x[s * features ...].
inline std::vector<float> make_inputs(int samples, int features, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> x(std::size_t(samples) * features);
  for (auto& v : x) v = u(rng);
  return x;
}
inline std::vector<std::uint32_t> make_labels(int samples, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint32_t> u(0, mlp_out - 1);
  std::vector<std::uint32_t> y(samples);
  for (auto& v : y) v = u(rng);
  return y;
}

// A pool of W3 batches: batch k starts at x.data() + k * batch * mlp_in.
struct BatchPool {
  int batch = 0;
  std::vector<float> x;
  std::vector<std::uint32_t> labels;
  const float* inputs(int k) const { return x.data() + std::size_t(k) * batch * mlp_in; }
  const std::uint32_t* targets(int k) const { return labels.data() + std::size_t(k) * batch; }
};
inline BatchPool make_batch_pool(int batch, unsigned seed = 1234) {
  return {batch, make_inputs(batch * batch_pool, mlp_in, seed),
          make_labels(batch * batch_pool, seed + 1)};
}

// Benchmark names are "<workload>/<peer>"; these are the workloads, in table order.
inline const std::vector<std::string>& workload_names() {
  static const std::vector<std::string> names{"W1", "W2", "W3b32", "W3b1"};
  return names;
}

}  // namespace nerve::bench
