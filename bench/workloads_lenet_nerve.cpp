// bench/workloads_lenet_nerve.cpp: the LeNet (W4, W4b32) in nerve, checked against the same plain
// loops as the peers (bench/reference.hpp) and registered as "W4/nerve" and "W4b32/nerve".
//
// Built only when nerve has Conv2D and MaxPool (include/nerve/layers/conv2d.hpp and
// max_pool.hpp); before that verify_and_register_lenet_nerve() registers nothing and the W4 rows
// show the other peers only. -DNERVE_BENCH_NERVE_LENET=0 leaves the nerve rows out by hand.
#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include "peers.hpp"  // verify_and_register_lenet_nerve

#ifndef NERVE_BENCH_NERVE_LENET
#if __has_include(<nerve/layers/conv2d.hpp>) && __has_include(<nerve/layers/max_pool.hpp>)
#define NERVE_BENCH_NERVE_LENET 1
#else
#define NERVE_BENCH_NERVE_LENET 0
#endif
#endif

#if NERVE_BENCH_NERVE_LENET

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t
#include <memory>   // std::make_unique
#include <vector>

#include <nerve/layers/conv2d.hpp>    // nerve::Conv2D
#include <nerve/layers/max_pool.hpp>  // nerve::MaxPool
#include <nerve/nerve.hpp>            // nerve::Network, Trainer, Tensor, layers, CrossEntropy, SGD

#include "reference.hpp"  // nerve::bench::reference::verify_lenet
#include "workloads.hpp"  // sizes, parameters, data

namespace nerve::bench {
namespace {

using LeNet = Network<Input<lenet_channels, lenet_side, lenet_side>,
                      Conv2D<lenet_c1, Kernel<lenet_kernel, lenet_kernel>, Pad<lenet_pad1>>, ReLU,
                      MaxPool<2>,
                      Conv2D<lenet_c2, Kernel<lenet_kernel, lenet_kernel>>, ReLU, MaxPool<2>,
                      Flatten, Dense<lenet_h1>, ReLU, Dense<lenet_h2>, ReLU, Dense<lenet_out>,
                      Softmax>;
using LeNetTrainer = Trainer<LeNet, CrossEntropy, SGD, Batch<lenet_batch>>;

// Entries: 0 Input, 1 Conv2D<6>, 2 ReLU, 3 MaxPool, 4 Conv2D<16>, 5 ReLU, 6 MaxPool, 7 Flatten,
// 8 Dense<120>, 9 ReLU, 10 Dense<84>, 11 ReLU, 12 Dense<10>, 13 Softmax.
constexpr std::size_t conv1 = 1, conv2 = 4, dense1 = 8, dense2 = 10, dense3 = 12;

// Conv2D's parameters: weight(f, c, kh, kw) in PyTorch's [out, in, kh, kw], bias(f).
template <std::size_t I>
void load(LeNet& net, const ConvParams& p) {
  auto& dst = net.template parameters<I>();
  const int k = p.kernel;
  for (int f = 0; f < p.out; ++f) {
    for (int c = 0; c < p.in; ++c) {
      for (int u = 0; u < k; ++u) {
        for (int v = 0; v < k; ++v) {
          dst.weight(f, c, u, v) = p.weight[((std::size_t(f) * p.in + c) * k + u) * k + v];
        }
      }
    }
    dst.bias(f) = p.bias[f];
  }
}
template <std::size_t I>
ConvParams save(const LeNet& net, int in, int out) {
  const auto& src = net.template parameters<I>();
  const int k = lenet_kernel;
  ConvParams p{in, out, k, std::vector<float>(std::size_t(out) * in * k * k),
               std::vector<float>(out)};
  for (int f = 0; f < out; ++f) {
    for (int c = 0; c < in; ++c) {
      for (int u = 0; u < k; ++u) {
        for (int v = 0; v < k; ++v) {
          p.weight[((std::size_t(f) * in + c) * k + u) * k + v] = src.weight(f, c, u, v);
        }
      }
    }
    p.bias[f] = src.bias(f);
  }
  return p;
}
// Dense's parameters: w(m, k) is W[m][k], b(m) the bias.
template <std::size_t I>
void load(LeNet& net, const DenseParams& p) {
  auto& dst = net.template parameters<I>();
  for (int m = 0; m < p.out; ++m) {
    for (int k = 0; k < p.in; ++k) dst.w(m, k) = p.weight[std::size_t(m) * p.in + k];
    dst.b(m) = p.bias[m];
  }
}
template <std::size_t I>
DenseParams save_dense(const LeNet& net, int in, int out) {
  const auto& src = net.template parameters<I>();
  DenseParams p{in, out, std::vector<float>(std::size_t(in) * out), std::vector<float>(out)};
  for (int m = 0; m < out; ++m) {
    for (int k = 0; k < in; ++k) p.weight[std::size_t(m) * in + k] = src.w(m, k);
    p.bias[m] = src.b(m);
  }
  return p;
}

std::unique_ptr<LeNet> make_lenet(const LeNetParams& p) {
  auto net = std::make_unique<LeNet>(Seed{42});
  load<conv1>(*net, p.c1);
  load<conv2>(*net, p.c2);
  load<dense1>(*net, p.f1);
  load<dense2>(*net, p.f2);
  load<dense3>(*net, p.f3);
  return net;
}

// The network and its trainer, as one object (the trainer keeps a reference to the network).
struct NerveTrainer {
  std::unique_ptr<LeNet> net;
  std::unique_ptr<LeNetTrainer> trainer;
  explicit NerveTrainer(const LeNetParams& p)
      : net(make_lenet(p)),
        trainer(std::make_unique<LeNetTrainer>(*net, SGD{.learning_rate = learning_rate})) {}
  float step(const float* x, const std::uint32_t* labels) { return trainer->step(x, labels); }
  LeNetParams params() const {
    return {save<conv1>(*net, lenet_channels, lenet_c1), save<conv2>(*net, lenet_c1, lenet_c2),
            save_dense<dense1>(*net, lenet_flat, lenet_h1),
            save_dense<dense2>(*net, lenet_h1, lenet_h2),
            save_dense<dense3>(*net, lenet_h2, lenet_out)};
  }
};

void bm_w4(benchmark::State& state) {
  auto net = make_lenet(make_lenet_params());
  const auto x = make_inputs(1, lenet_in, 5);
  for (auto _ : state) {
    auto y = (*net)(x.data());  // a view of the 10 outputs: no allocation
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

void bm_w4b32(benchmark::State& state) {
  NerveTrainer t(make_lenet_params());
  const BatchPool pool = make_lenet_batch_pool(lenet_batch);
  int k = 0;
  for (auto _ : state) {
    float loss = t.step(pool.inputs(k), pool.targets(k));
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
    k = (k + 1) % batch_pool;
  }
}

}  // namespace

void verify_and_register_lenet_nerve() {
  auto net = make_lenet(make_lenet_params());
  reference::verify_lenet(
      "nerve",
      [&](const float* x) {
        const auto y = (*net)(x);
        return std::vector<float>(y.data(), y.data() + lenet_out);
      },
      [](const LeNetParams& p) { return NerveTrainer(p); });
  benchmark::RegisterBenchmark("W4/nerve", bm_w4)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W4b32/nerve", bm_w4b32)->Unit(benchmark::kMicrosecond);
}

}  // namespace nerve::bench

#else  // nerve has no Conv2D/MaxPool yet

#include <cstdio>  // std::fprintf

namespace nerve::bench {
void verify_and_register_lenet_nerve() {
  std::fprintf(stderr,
               "nerve_bench: W4/nerve and W4b32/nerve left out: nerve_bench was built without "
               "nerve's Conv2D/MaxPool (bench/workloads_lenet_nerve.cpp)\n");
}
}  // namespace nerve::bench

#endif
