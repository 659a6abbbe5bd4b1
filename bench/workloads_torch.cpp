// bench/workloads_torch.cpp: the workloads in LibTorch 1.13 as its documentation writes them:
// torch::nn::Linear modules, NoGradGuard for inference, cross_entropy + backward +
// torch::optim::SGD for training, one intra-op thread.
//
// Its own translation unit: LibTorch's headers take about a minute and a gigabyte to compile.
#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include <torch/torch.h>  // torch::nn, torch::optim, torch::Tensor

#include <cstdint>  // std::uint32_t, std::int64_t
#include <cstdio>   // std::fprintf
#include <fstream>  // std::ifstream
#include <string>
#include <vector>

#include "peers.hpp"      // verify_and_register_torch
#include "reference.hpp"  // nerve::bench::reference::verify_peer
#include "workloads.hpp"  // sizes, parameters, data

namespace nerve::bench {
namespace {

torch::nn::Linear make_linear(const DenseParams& p) {
  torch::nn::Linear layer(p.in, p.out);
  torch::NoGradGuard no_grad;
  layer->weight.copy_(torch::from_blob(const_cast<float*>(p.weight.data()), {p.out, p.in}));
  layer->bias.copy_(torch::from_blob(const_cast<float*>(p.bias.data()), {p.out}));
  return layer;
}

DenseParams save(const torch::nn::Linear& layer) {
  const auto w = layer->weight.detach().contiguous();
  const auto b = layer->bias.detach().contiguous();
  DenseParams p{int(w.size(1)), int(w.size(0)), {}, {}};
  p.weight.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  p.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
  return p;
}

// 784-128(ReLU)-10; logits() for training (cross_entropy applies log-softmax itself).
struct MlpImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  explicit MlpImpl(const MlpParams& p)
      : fc1(register_module("fc1", make_linear(p.l1))),
        fc2(register_module("fc2", make_linear(p.l2))) {}
  torch::Tensor logits(const torch::Tensor& x) { return fc2(torch::relu(fc1(x))); }
  torch::Tensor forward(const torch::Tensor& x) { return torch::softmax(logits(x), 1); }
};
TORCH_MODULE(Mlp);

// 16-32(tanh)-32(tanh)-1.
struct TanhNetImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  explicit TanhNetImpl(const TanhParams& p)
      : fc1(register_module("fc1", make_linear(p.l1))),
        fc2(register_module("fc2", make_linear(p.l2))),
        fc3(register_module("fc3", make_linear(p.l3))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return fc3(torch::tanh(fc2(torch::tanh(fc1(x)))));
  }
};
TORCH_MODULE(TanhNet);

// W3: zero_grad, forward, cross_entropy (mean over the batch), backward, SGD step.
class Trainer {
 public:
  Trainer(const MlpParams& p, int batch)
      : batch_(batch),
        net_(p),
        sgd_(net_->parameters(), torch::optim::SGDOptions(learning_rate)),
        targets_(torch::empty({batch}, torch::kInt64)) {}

  float step(const float* x, const std::uint32_t* labels) {
    // torch wants int64 class indices; nerve and Eigen read the uint32 labels as they are.
    auto* t = targets_.data_ptr<std::int64_t>();
    for (int s = 0; s < batch_; ++s) t[s] = labels[s];
    const auto X = torch::from_blob(const_cast<float*>(x), {batch_, mlp_in});
    sgd_.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net_->logits(X), targets_);
    loss.backward();
    sgd_.step();
    return loss.item<float>();
  }

  MlpParams params() const { return {save(net_->fc1), save(net_->fc2)}; }

 private:
  int batch_;
  Mlp net_;
  torch::optim::SGD sgd_;
  torch::Tensor targets_;
};

void bm_w1(benchmark::State& state) {
  torch::NoGradGuard no_grad;
  Mlp net(make_mlp_params());
  auto x_data = make_inputs(1, mlp_in, 5);
  const auto x = torch::from_blob(x_data.data(), {1, mlp_in});
  for (auto _ : state) {
    auto y = net->forward(x);
    benchmark::DoNotOptimize(y.data_ptr<float>());
    benchmark::ClobberMemory();
  }
}

void bm_w2(benchmark::State& state) {
  torch::NoGradGuard no_grad;
  TanhNet net(make_tanh_params());
  auto x_data = make_inputs(1, tanh_in, 6);
  const auto x = torch::from_blob(x_data.data(), {1, tanh_in});
  for (auto _ : state) {
    auto y = net->forward(x);
    benchmark::DoNotOptimize(y.data_ptr<float>());
    benchmark::ClobberMemory();
  }
}

void bm_w3(benchmark::State& state, int batch) {
  Trainer trainer(make_mlp_params(), batch);
  const BatchPool pool = make_batch_pool(batch);
  int k = 0;
  for (auto _ : state) {
    float loss = trainer.step(pool.inputs(k), pool.targets(k));
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
    k = (k + 1) % batch_pool;
  }
}

std::vector<float> to_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// The BLAS library torch's Linear ends up in (Debian's libtorch calls whatever libblas.so.3
// resolves to), read from the loaded objects.
std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const auto at = line.find('/');
    if (at != std::string::npos && line.find("libblas.so") != std::string::npos) {
      return line.substr(at);
    }
  }
  return "unknown";
}

}  // namespace

void verify_and_register_torch() {
  torch::set_num_threads(1);
  const std::string blas = loaded_blas();
  benchmark::AddCustomContext("torch BLAS", blas);
  if (blas.find("/blas/libblas.so") != std::string::npos) {
    std::fprintf(stderr,
                 "nerve_bench: warning: torch runs on the reference (netlib) BLAS %s, about 10x "
                 "slower than torch with OpenBLAS; install libopenblas0-serial and reconfigure\n",
                 blas.c_str());
  }
  Mlp mlp(make_mlp_params());
  TanhNet tanh_net(make_tanh_params());
  reference::verify_peer(
      "torch",
      [&](const float* x) {
        torch::NoGradGuard no_grad;
        return to_vector(mlp->forward(torch::from_blob(const_cast<float*>(x), {1, mlp_in})));
      },
      [&](const float* x) {
        torch::NoGradGuard no_grad;
        return to_vector(tanh_net->forward(torch::from_blob(const_cast<float*>(x), {1, tanh_in})));
      },
      [](const MlpParams& p, int batch) { return Trainer(p, batch); });
  benchmark::RegisterBenchmark("W1/torch", bm_w1)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W2/torch", bm_w2)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W3b32/torch", bm_w3, 32)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W3b1/torch", bm_w3, 1)->Unit(benchmark::kMicrosecond);
}

}  // namespace nerve::bench
