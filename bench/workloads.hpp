// bench/workloads.hpp: the workloads every peer runs, their sizes, their FLOP counts, and
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
// W3's training step is: forward (W1 x, W2 h), backward (dW2 = dz2 h^T, dh = W2^T dz2,
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

// W4 and W4b32: LeNet (examples/lenet_fashion_mnist.cpp's network, issue 7) on one 28x28 grey
// image, images in CHW (PyTorch's layout):
//   conv 5x5 x6 (padding 2, stride 1: LeNet-5's 32x32 geometry) + bias + ReLU -> (6, 28, 28),
//   max pool 2x2 stride 2 -> (6, 14, 14), conv 5x5 x16 (valid) + bias + ReLU -> (16, 10, 10),
//   max pool 2 -> (16, 5, 5), flatten (channel-major, PyTorch's order) -> 400, dense 120 ReLU,
//   dense 84 ReLU, dense 10;
// W4 ends in softmax (batch-1 inference), W4b32 is one SGD step (learning_rate) on the mean
// softmax cross-entropy of 32 images.
inline constexpr int lenet_channels = 1;
inline constexpr int lenet_side = 28;  // input height and width
inline constexpr int lenet_in = lenet_channels * lenet_side * lenet_side;  // 784
inline constexpr int lenet_kernel = 5;
inline constexpr int lenet_pad1 = 2;  // conv 1's zero padding on every side; conv 2 has none
inline constexpr int lenet_c1 = 6, lenet_c2 = 16;  // filters of the two convolutions
inline constexpr int lenet_padded = lenet_side + 2 * lenet_pad1;    // 32: conv 1's padded input
inline constexpr int lenet_side1 = lenet_padded - lenet_kernel + 1;  // 28: conv 1's output
inline constexpr int lenet_pool1 = lenet_side1 / 2;                  // 14
inline constexpr int lenet_side2 = lenet_pool1 - lenet_kernel + 1;   // 10: conv 2's output
inline constexpr int lenet_pool2 = lenet_side2 / 2;                  // 5
inline constexpr int lenet_flat = lenet_c2 * lenet_pool2 * lenet_pool2;  // 400
inline constexpr int lenet_h1 = 120, lenet_h2 = 84, lenet_out = 10;
inline constexpr int lenet_batch = 32;

// Multiply-adds of each LeNet layer for one sample (2 FLOPs each, as above; bias, ReLU, pooling
// and softmax are not counted).
inline constexpr double lenet_conv1_macs =
    double(lenet_c1) * lenet_side1 * lenet_side1 * lenet_channels * lenet_kernel * lenet_kernel;
inline constexpr double lenet_conv2_macs =
    double(lenet_c2) * lenet_side2 * lenet_side2 * lenet_c1 * lenet_kernel * lenet_kernel;
inline constexpr double lenet_dense_macs =
    double(lenet_flat) * lenet_h1 + double(lenet_h1) * lenet_h2 + double(lenet_h2) * lenet_out;
// W4: 235,200 + 480,000 + 117,840 = 833,040 FLOP (the zeros of conv 1's padding are counted:
// every one of its 28 x 28 outputs is a full 5x5 product, as a GEMM over the padded image does).
constexpr double lenet_forward_flops() {
  return 2.0 * (lenet_conv1_macs + lenet_conv2_macs + lenet_dense_macs);
}
// W4b32: per sample the forward, every layer's weight gradient (as many multiply-adds as its
// forward) and every layer's input gradient except the first convolution's (no gradient flows to
// the image): 3 x forward - conv 1 = 2,263,920 FLOP per sample, 72.4 MFLOP per step of 32. (Until
// 2026-12-02 this counted 2 x forward - conv 1, leaving out one of the three: every W4b32 share
// of the peak printed before was 1.58x too low.)
constexpr double lenet_train_step_flops(int batch) {
  return batch * (3.0 * lenet_forward_flops() - 2.0 * lenet_conv1_macs);
}
static_assert(lenet_forward_flops() == 833040.0 && lenet_train_step_flops(1) == 2263920.0);

// One convolution's parameters in PyTorch's layout: weight[f][c][kh][kw] row-major (the layout
// of torch::nn::Conv2d::weight), bias[f].
struct ConvParams {
  int in = 0, out = 0, kernel = 0;  // input channels, filters, kernel side
  std::vector<float> weight;        // weight[((f * in + c) * kernel + kh) * kernel + kw]
  std::vector<float> bias;          // bias[f]
};

// Uniform in +-1/sqrt(in * kernel^2), torch::nn::Conv2d's default bound for weight and bias.
inline ConvParams make_conv(int in, int out, int kernel, std::mt19937& rng) {
  ConvParams p{in, out, kernel, std::vector<float>(std::size_t(out) * in * kernel * kernel),
               std::vector<float>(out)};
  const float bound = 1.0f / std::sqrt(float(in * kernel * kernel));
  std::uniform_real_distribution<float> u(-bound, bound);
  for (auto& w : p.weight) w = u(rng);
  for (auto& b : p.bias) b = u(rng);
  return p;
}

// The LeNet (W4, W4b32).
struct LeNetParams {
  ConvParams c1, c2;
  DenseParams f1, f2, f3;
};
inline LeNetParams make_lenet_params(unsigned seed = 4) {
  std::mt19937 rng(seed);
  LeNetParams p;
  p.c1 = make_conv(lenet_channels, lenet_c1, lenet_kernel, rng);
  p.c2 = make_conv(lenet_c1, lenet_c2, lenet_kernel, rng);
  p.f1 = make_dense(lenet_flat, lenet_h1, rng);
  p.f2 = make_dense(lenet_h1, lenet_h2, rng);
  p.f3 = make_dense(lenet_h2, lenet_out, rng);
  return p;
}
// W4b32's batches: 784 inputs per sample like W3's (lenet_in == mlp_in), other data.
static_assert(lenet_in == mlp_in && lenet_out == mlp_out);
inline BatchPool make_lenet_batch_pool(int batch) { return make_batch_pool(batch, 4321); }

// Benchmark names are "<workload>/<peer>"; these are the workloads, in table order.
inline const std::vector<std::string>& workload_names() {
  // W5h32 ... W6: the LSTM rows (bench/workloads_lstm.hpp).
  static const std::vector<std::string> names{"W1",    "W2",     "W3b32",   "W3b1", "W4", "W4b32",
                                              "W5h32", "W5h128", "W5seq64", "W6"};
  return names;
}

}  // namespace nerve::bench
