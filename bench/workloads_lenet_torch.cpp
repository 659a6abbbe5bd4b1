// bench/workloads_lenet_torch.cpp: the LeNet (W4, W4b32) in LibTorch 1.13 as its documentation
// writes it: torch::nn::Conv2d and Linear modules, torch::max_pool2d, flatten, one intra-op thread
// (set by verify_and_register_torch, which main.cpp runs first; set here again), NoGradGuard for
// inference, cross_entropy + backward + torch::optim::SGD for training.
//
// Its own translation unit, like workloads_torch.cpp: LibTorch's headers take a minute to compile.
#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include <torch/torch.h>  // torch::nn, torch::optim, torch::Tensor

#include <cstdint>  // std::uint32_t, std::int64_t
#include <vector>

#include "peers.hpp"      // verify_and_register_lenet_torch
#include "reference.hpp"  // nerve::bench::reference::verify_lenet
#include "workloads.hpp"  // sizes, parameters, data

namespace nerve::bench {
namespace {

torch::nn::Conv2d make_conv2d(const ConvParams& p, int pad) {
  torch::nn::Conv2d layer(torch::nn::Conv2dOptions(p.in, p.out, p.kernel).padding(pad));
  torch::NoGradGuard no_grad;
  layer->weight.copy_(torch::from_blob(const_cast<float*>(p.weight.data()),
                                       {p.out, p.in, p.kernel, p.kernel}));
  layer->bias.copy_(torch::from_blob(const_cast<float*>(p.bias.data()), {p.out}));
  return layer;
}
torch::nn::Linear make_linear(const DenseParams& p) {
  torch::nn::Linear layer(p.in, p.out);
  torch::NoGradGuard no_grad;
  layer->weight.copy_(torch::from_blob(const_cast<float*>(p.weight.data()), {p.out, p.in}));
  layer->bias.copy_(torch::from_blob(const_cast<float*>(p.bias.data()), {p.out}));
  return layer;
}

std::vector<float> to_vector(const torch::Tensor& t) {
  const auto c = t.detach().contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}
ConvParams save_conv(const torch::nn::Conv2d& layer) {
  const auto& w = layer->weight;
  return {int(w.size(1)), int(w.size(0)), int(w.size(2)), to_vector(w), to_vector(layer->bias)};
}
DenseParams save_linear(const torch::nn::Linear& layer) {
  const auto& w = layer->weight;
  return {int(w.size(1)), int(w.size(0)), to_vector(w), to_vector(layer->bias)};
}

struct LeNetImpl : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  explicit LeNetImpl(const LeNetParams& p)
      : conv1(register_module("conv1", make_conv2d(p.c1, lenet_pad1))),
        conv2(register_module("conv2", make_conv2d(p.c2, 0))),
        fc1(register_module("fc1", make_linear(p.f1))),
        fc2(register_module("fc2", make_linear(p.f2))),
        fc3(register_module("fc3", make_linear(p.f3))) {}
  // x: (N, 1, 28, 28) -> logits (N, 10); conv1 pads by 2 (nn.Conv2d(1, 6, 5, padding=2)).
  torch::Tensor logits(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(conv1(x)), 2);
    x = torch::max_pool2d(torch::relu(conv2(x)), 2);
    x = torch::flatten(x, 1);
    x = torch::relu(fc1(x));
    x = torch::relu(fc2(x));
    return fc3(x);
  }
  torch::Tensor forward(const torch::Tensor& x) { return torch::softmax(logits(x), 1); }
  LeNetParams params() const {
    return {save_conv(conv1), save_conv(conv2), save_linear(fc1), save_linear(fc2),
            save_linear(fc3)};
  }
};
TORCH_MODULE(LeNet);

torch::Tensor image_batch(const float* x, int batch) {
  return torch::from_blob(const_cast<float*>(x), {batch, lenet_channels, lenet_side, lenet_side});
}

// W4b32: zero_grad, forward, cross_entropy (mean over the batch), backward, SGD step.
class Trainer {
 public:
  explicit Trainer(const LeNetParams& p)
      : net_(p),
        sgd_(net_->parameters(), torch::optim::SGDOptions(learning_rate)),
        targets_(torch::empty({lenet_batch}, torch::kInt64)) {}

  float step(const float* x, const std::uint32_t* labels) {
    auto* t = targets_.data_ptr<std::int64_t>();
    for (int s = 0; s < lenet_batch; ++s) t[s] = labels[s];
    sgd_.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net_->logits(image_batch(x, lenet_batch)),
                                                     targets_);
    loss.backward();
    sgd_.step();
    return loss.item<float>();
  }

  LeNetParams params() const { return net_->params(); }

 private:
  LeNet net_;
  torch::optim::SGD sgd_;
  torch::Tensor targets_;
};

void bm_w4(benchmark::State& state) {
  torch::NoGradGuard no_grad;
  LeNet net(make_lenet_params());
  auto x_data = make_inputs(1, lenet_in, 5);
  const auto x = image_batch(x_data.data(), 1);
  for (auto _ : state) {
    auto y = net->forward(x);
    benchmark::DoNotOptimize(y.data_ptr<float>());
    benchmark::ClobberMemory();
  }
}

void bm_w4b32(benchmark::State& state) {
  Trainer trainer(make_lenet_params());
  const BatchPool pool = make_lenet_batch_pool(lenet_batch);
  int k = 0;
  for (auto _ : state) {
    float loss = trainer.step(pool.inputs(k), pool.targets(k));
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
    k = (k + 1) % batch_pool;
  }
}

}  // namespace

void verify_and_register_lenet_torch() {
  torch::set_num_threads(1);
  LeNet net(make_lenet_params());
  reference::verify_lenet(
      "torch",
      [&](const float* x) {
        torch::NoGradGuard no_grad;
        return to_vector(net->forward(image_batch(x, 1)));
      },
      [](const LeNetParams& p) { return Trainer(p); });
  benchmark::RegisterBenchmark("W4/torch", bm_w4)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W4b32/torch", bm_w4b32)->Unit(benchmark::kMicrosecond);
}

}  // namespace nerve::bench
