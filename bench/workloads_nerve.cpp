// bench/workloads_nerve.cpp: the workloads in nerve itself, checked against the same plain loops
// as the peers (bench/reference.hpp) and registered as "W1/nerve", "W2/nerve", "W3b32/nerve",
// "W3b1/nerve".
//
// In the build of nerve_bench (bench/CMakeLists.txt); written against the Network/Trainer API;
// has the marked place where it is added (with NERVE_BENCH_HAVE_NERVE), and main.cpp already
// calls verify_and_register_nerve() under that definition.
#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t
#include <memory>   // std::make_unique
#include <vector>

#include <nerve/nerve.hpp>  // nerve::Network, Trainer, Tensor, layers, CrossEntropy, SGD

#include "peers.hpp"      // verify_and_register_nerve
#include "reference.hpp"  // nerve::bench::reference::verify_peer
#include "workloads.hpp"  // sizes, parameters, data

namespace nerve::bench {
namespace {

using W1Net = Network<Input<mlp_in>, Dense<mlp_hidden>, ReLU, Dense<mlp_out>, Softmax>;
using W2Net = Network<Input<tanh_in>, Dense<tanh_hidden>, Tanh, Dense<tanh_hidden>, Tanh,
                      Dense<tanh_out>>;
template <std::size_t B>
using W3Trainer = Trainer<W1Net, CrossEntropy, SGD, Batch<B>>;

// Copies the shared row-major parameters into entry I of a network (a Dense layer), and back.
// Adapt here if Dense's parameter accessors change: w(m, k) is W[m][k], b(m) the bias.
template <std::size_t I, class Net>
void load(Net& net, const DenseParams& p) {
  auto& dst = net.template parameters<I>();
  for (int m = 0; m < p.out; ++m) {
    for (int k = 0; k < p.in; ++k) dst.w(m, k) = p.weight[std::size_t(m) * p.in + k];
    dst.b(m) = p.bias[m];
  }
}
template <std::size_t I, class Net>
DenseParams save(const Net& net, int in, int out) {
  const auto& src = net.template parameters<I>();
  DenseParams p{in, out, std::vector<float>(std::size_t(in) * out), std::vector<float>(out)};
  for (int m = 0; m < out; ++m) {
    for (int k = 0; k < in; ++k) p.weight[std::size_t(m) * in + k] = src.w(m, k);
    p.bias[m] = src.b(m);
  }
  return p;
}

// Entries: 0 Input, 1 Dense<128>, 2 ReLU, 3 Dense<10>, 4 Softmax.
std::unique_ptr<W1Net> make_w1(const MlpParams& p) {
  auto net = std::make_unique<W1Net>(Seed{42});
  load<1>(*net, p.l1);
  load<3>(*net, p.l2);
  return net;
}
// Entries: 0 Input, 1 Dense<32>, 2 Tanh, 3 Dense<32>, 4 Tanh, 5 Dense<1>.
std::unique_ptr<W2Net> make_w2(const TanhParams& p) {
  auto net = std::make_unique<W2Net>(Seed{42});
  load<1>(*net, p.l1);
  load<3>(*net, p.l2);
  load<5>(*net, p.l3);
  return net;
}

void bm_w1(benchmark::State& state) {
  auto net = make_w1(make_mlp_params());
  Tensor<float, Shape<mlp_in>> x;
  const auto data = make_inputs(1, mlp_in, 5);
  for (std::size_t k = 0; k < data.size(); ++k) x.data()[k] = data[k];
  for (auto _ : state) {
    auto y = (*net)(x);  // a view of the 10 outputs: no allocation
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

void bm_w2(benchmark::State& state) {
  auto net = make_w2(make_tanh_params());
  Tensor<float, Shape<tanh_in>> x;
  const auto data = make_inputs(1, tanh_in, 6);
  for (std::size_t k = 0; k < data.size(); ++k) x.data()[k] = data[k];
  for (auto _ : state) {
    auto y = (*net)(x);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

// The network and its trainer, as one object (the trainer keeps a reference to the network).
template <std::size_t B>
struct NerveTrainer {
  std::unique_ptr<W1Net> net;
  std::unique_ptr<W3Trainer<B>> trainer;
  explicit NerveTrainer(const MlpParams& p)
      : net(make_w1(p)),
        trainer(std::make_unique<W3Trainer<B>>(*net, SGD{.learning_rate = learning_rate})) {}
  float step(const float* x, const std::uint32_t* labels) { return trainer->step(x, labels); }
  MlpParams params() const {
    return {save<1>(*net, mlp_in, mlp_hidden), save<3>(*net, mlp_hidden, mlp_out)};
  }
};

template <std::size_t B>
void bm_w3(benchmark::State& state) {
  NerveTrainer<B> t(make_mlp_params());
  const BatchPool pool = make_batch_pool(int(B));
  int k = 0;
  for (auto _ : state) {
    float loss = t.step(pool.inputs(k), pool.targets(k));
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
    k = (k + 1) % batch_pool;
  }
}

// Type-erased so that verify_peer can make a trainer for a batch size known at run time.
struct AnyTrainer {
  std::unique_ptr<NerveTrainer<32>> t32;
  std::unique_ptr<NerveTrainer<1>> t1;
  float step(const float* x, const std::uint32_t* y) {
    return t32 ? t32->step(x, y) : t1->step(x, y);
  }
  MlpParams params() const { return t32 ? t32->params() : t1->params(); }
};

}  // namespace

void verify_and_register_nerve() {
  auto w1 = make_w1(make_mlp_params());
  auto w2 = make_w2(make_tanh_params());
  reference::verify_peer(
      "nerve",
      [&](const float* x) {
        const auto y = (*w1)(x);
        return std::vector<float>(y.data(), y.data() + mlp_out);
      },
      [&](const float* x) {
        const auto y = (*w2)(x);
        return std::vector<float>(y.data(), y.data() + tanh_out);
      },
      [](const MlpParams& p, int batch) {
        AnyTrainer t;
        if (batch == 32) t.t32 = std::make_unique<NerveTrainer<32>>(p);
        if (batch == 1) t.t1 = std::make_unique<NerveTrainer<1>>(p);
        return t;
      });
  benchmark::RegisterBenchmark("W1/nerve", bm_w1)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W2/nerve", bm_w2)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W3b32/nerve", bm_w3<32>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W3b1/nerve", bm_w3<1>)->Unit(benchmark::kMicrosecond);
}

}  // namespace nerve::bench
