// bench/conv_algorithms.cpp: the three forward algorithms of kernels/conv.hpp (direct, column
// copies and im2col) on the stride-1 shapes of the examples, at batch 1 and 32, so that the
// choice the layer makes at compile time (with_chosen_algorithm) rests on a measurement; and a
// depthwise layer (32 channels, groups = channels) on kernels/depthwise.hpp against conv.hpp's
// kernels run once per group, forward at batch 1 and backward at batch 32, the choice of
// depthwise_pays.
// docs/design.md quotes a run. Built as nerve_conv_algorithms; run pinned, one command line:
//
//   taskset -c 1 build/bench/nerve_conv_algorithms --benchmark_repetitions=5 (continued)
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <nerve/kernels/conv.hpp>
#include <nerve/kernels/depthwise.hpp>
#include <nerve/kernels/epilogue.hpp>
#include <nerve/tensor/tensor.hpp>

#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using nerve::kernels::conv_algorithm;
using nerve::kernels::conv_geometry;

// C, H, W, F, kernel, padding (stride 1, no dilation)
constexpr conv_geometry shape(std::size_t c, std::size_t h, std::size_t w, std::size_t f,
                              std::size_t k, std::size_t pad, conv_algorithm a) {
  return conv_geometry{c, h, w, f, k, k, 1, 1, 1, 1, pad, pad, pad, pad, a};
}

template <conv_geometry G, std::size_t B>
void forward(benchmark::State& state) {
  constexpr std::size_t in = G.channels * G.height * G.width, out = G.filters * G.outputs();
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(B * in), w(G.filters * G.taps()), b(G.filters), y(B * out);
  for (auto& v : x) v = u(rng);
  for (auto& v : w) v = u(rng);
  for (auto& v : b) v = u(rng);
  nerve::Tensor<float, nerve::Shape<nerve::kernels::conv_plan<G, float>::forward_scratch>> scratch;  // aligned
  const nerve::kernels::Identity f;
  for (auto _ : state) {
    nerve::kernels::conv_forward<G, B>(x.data(), in, w.data(), b.data(), static_cast<float*>(nullptr), y.data(), out,
                                       scratch.data(), f);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * G.taps() * G.filters * G.outputs() * B, benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
}

#define NERVE_CONV_SHAPE(name, c, h, w, f, k, pad)                                                  \
  BENCHMARK_TEMPLATE(forward, shape(c, h, w, f, k, pad, conv_algorithm::direct), 1)->Name(name "/b1/direct"); \
  BENCHMARK_TEMPLATE(forward, shape(c, h, w, f, k, pad, conv_algorithm::im2col), 1)->Name(name "/b1/im2col"); \
  BENCHMARK_TEMPLATE(forward, shape(c, h, w, f, k, pad, conv_algorithm::column_copies), 1)->Name(name "/b1/column_copies"); \
  BENCHMARK_TEMPLATE(forward, shape(c, h, w, f, k, pad, conv_algorithm::direct), 32)->Name(name "/b32/direct"); \
  BENCHMARK_TEMPLATE(forward, shape(c, h, w, f, k, pad, conv_algorithm::im2col), 32)->Name(name "/b32/im2col"); \
  BENCHMARK_TEMPLATE(forward, shape(c, h, w, f, k, pad, conv_algorithm::column_copies), 32)->Name(name "/b32/column_copies");

NERVE_CONV_SHAPE("lenet1_1x28x28_6x5x5", 1, 28, 28, 6, 5, 0)
NERVE_CONV_SHAPE("lenet1pad_1x28x28_6x5x5_pad2", 1, 28, 28, 6, 5, 2)
NERVE_CONV_SHAPE("lenet2_6x12x12_16x5x5", 6, 12, 12, 16, 5, 0)
NERVE_CONV_SHAPE("lenet2pad_6x14x14_16x5x5", 6, 14, 14, 16, 5, 0)
NERVE_CONV_SHAPE("cnn1_1x28x28_32x3x3_same", 1, 28, 28, 32, 3, 1)
NERVE_CONV_SHAPE("cnn2_32x14x14_64x3x3_same", 32, 14, 14, 64, 3, 1)

// A depthwise layer at batch 1: 32 channels of H x W, M filters of K x K each, stride 1, padding
// Pad.
// per_group: conv.hpp's kernels once per group (the algorithm with_chosen_algorithm picks), as
// Conv2D runs a grouped layer; kernel: depthwise_forward over every group at once.
template <std::size_t H, std::size_t W, std::size_t K, std::size_t Pad, std::size_t M, bool PerGroup>
void depthwise(benchmark::State& state) {
  constexpr std::size_t C = 32;
  constexpr conv_geometry G =
      nerve::kernels::with_chosen_algorithm(conv_geometry{1, H, W, M, K, K, 1, 1, 1, 1, Pad, Pad, Pad, Pad});
  constexpr std::size_t P = G.outputs(), F = C * M;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(C * H * W), w(F * K * K), b(F), y(F * P);
  for (auto& v : x) v = u(rng);
  for (auto& v : w) v = u(rng);
  for (auto& v : b) v = u(rng);
  constexpr std::size_t scratch_size = PerGroup ? nerve::kernels::conv_plan<G, float>::forward_scratch
                                                : nerve::kernels::depthwise_plan<G, float>::scratch;
  nerve::Tensor<float, nerve::Shape<scratch_size>> scratch;  // aligned
  const nerve::kernels::Identity f;
  for (auto _ : state) {
    if constexpr (PerGroup) {
      for (std::size_t g = 0; g < C; ++g)
        nerve::kernels::conv_forward<G, 1>(x.data() + g * H * W, H * W, w.data() + g * M * K * K,
                                           b.data() + g * M, static_cast<float*>(nullptr),
                                           y.data() + g * M * P, F * P, scratch.data(), f);
    } else {
      nerve::kernels::depthwise_forward<G, C, 1>(x.data(), C * H * W, w.data(), b.data(),
                                                 static_cast<float*>(nullptr), y.data(), F * P,
                                                 scratch.data(), f);
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * K * K * F * P,
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

// The backward pass of the same layer at batch 32 (dW, db and dX; the activation's derivative is
// the identity): per_group, conv_backward once per group; kernel, depthwise_backward.
template <std::size_t H, std::size_t W, std::size_t K, std::size_t Pad, bool PerGroup>
void depthwise_backward(benchmark::State& state) {
  constexpr std::size_t C = 32, B = 32;
  constexpr conv_geometry G =
      nerve::kernels::with_chosen_algorithm(conv_geometry{1, H, W, 1, K, K, 1, 1, 1, 1, Pad, Pad, Pad, Pad});
  constexpr std::size_t P = G.outputs(), in = C * H * W, out = C * P;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(B * in), w(C * K * K), dy(B * out), dw(C * K * K), db(C), dx(B * in);
  for (auto& v : x) v = u(rng);
  for (auto& v : w) v = u(rng);
  for (auto& v : dy) v = u(rng);
  constexpr std::size_t scratch_size =
      PerGroup ? nerve::kernels::conv_plan<G, float>::template backward_scratch<B>
               : nerve::kernels::depthwise_backward_plan<G, float>::scratch;
  auto scratch = std::make_unique<nerve::Tensor<float, nerve::Shape<scratch_size>>>();  // aligned
  const nerve::kernels::PassGradient p;
  for (auto _ : state) {
    if constexpr (PerGroup) {
      for (std::size_t g = 0; g < C; ++g)
        nerve::kernels::conv_backward<G, B>(x.data() + g * H * W, in, w.data() + g * K * K,
                                            dy.data() + g * P, dy.data() + g * P, dy.data() + g * P,
                                            out, p, dw.data() + g * K * K, db.data() + g,
                                            dx.data() + g * H * W, in, scratch->data());
    } else {
      nerve::kernels::depthwise_backward<G, C, B>(x.data(), in, w.data(), dy.data(), dy.data(),
                                                  dy.data(), out, p, dw.data(), db.data(),
                                                  dx.data(), in, scratch->data());
    }
    benchmark::DoNotOptimize(dx.data());
    benchmark::DoNotOptimize(dw.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(4.0 * K * K * C * P * B,
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

#define NERVE_DEPTHWISE_SHAPE(name, h, w, k, pad, m)                                            \
  BENCHMARK_TEMPLATE(depthwise, h, w, k, pad, m, true)->Name("depthwise_" name "/per_group");  \
  BENCHMARK_TEMPLATE(depthwise, h, w, k, pad, m, false)->Name("depthwise_" name "/kernel");

NERVE_DEPTHWISE_SHAPE("32x7x7_3x3_same", 7, 7, 3, 1, 1)
NERVE_DEPTHWISE_SHAPE("32x8x8_3x3_same", 8, 8, 3, 1, 1)
NERVE_DEPTHWISE_SHAPE("32x10x10_3x3_same", 10, 10, 3, 1, 1)
NERVE_DEPTHWISE_SHAPE("32x14x14_3x3_same", 14, 14, 3, 1, 1)
NERVE_DEPTHWISE_SHAPE("32x28x28_3x3_same", 28, 28, 3, 1, 1)
NERVE_DEPTHWISE_SHAPE("32x56x56_3x3_same", 56, 56, 3, 1, 1)
NERVE_DEPTHWISE_SHAPE("32x14x14_5x5_same", 14, 14, 5, 2, 1)
NERVE_DEPTHWISE_SHAPE("32x28x28_3x3_same_x2", 28, 28, 3, 1, 2)
NERVE_DEPTHWISE_SHAPE("32x14x14_3x3_same_x4", 14, 14, 3, 1, 4)

#define NERVE_DEPTHWISE_BACKWARD_SHAPE(name, h, w, k, pad)                                         \
  BENCHMARK_TEMPLATE(depthwise_backward, h, w, k, pad, true)                                      \
      ->Name("depthwise_backward_b32_" name "/per_group");                                        \
  BENCHMARK_TEMPLATE(depthwise_backward, h, w, k, pad, false)->Name("depthwise_backward_b32_" name "/kernel");

NERVE_DEPTHWISE_BACKWARD_SHAPE("32x14x14_3x3_same", 14, 14, 3, 1)
NERVE_DEPTHWISE_BACKWARD_SHAPE("32x28x28_3x3_same", 28, 28, 3, 1)
NERVE_DEPTHWISE_BACKWARD_SHAPE("32x14x14_5x5_same", 14, 14, 5, 2)

}  // namespace

BENCHMARK_MAIN();
