// Prints tests/data/recurrent/recurrent_torch_values.hpp: what LibTorch 1.13's nn::RNN (tanh),
// nn::LSTM, nn::GRU and nn::Embedding compute, in double, for the parameters and inputs of
// recurrent_inputs.hpp: the forward output and the gradients of two losses (every step and last
// step, recurrent_inputs.hpp) with respect to every parameter and to the input. Not part of the
// build (python3-torch is not installed here; libtorch-dev is). Regenerate with:
//   cd tests/data/recurrent
//   g++ -std=c++17 gen_recurrent_torch.cpp -I/usr/include/torch/csrc/api/include -ltorch
//       -ltorch_cpu -lc10 -o /tmp/gen_recurrent_torch        (one line)
//   /tmp/gen_recurrent_torch > recurrent_torch_values.hpp
#include <torch/torch.h>

#include <cstdio>
#include <string>
#include <tuple>

#include "recurrent_inputs.hpp"

namespace ri = recurrent_inputs;

namespace {

void print_values(const char* name, const torch::Tensor& t, int indent = 4) {
  const auto c = t.contiguous().to(torch::kFloat64);
  const double* p = c.data_ptr<double>();
  const auto n = c.numel();
  std::printf("%*s.%s = {", indent, "", name);
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0 && i % 4 == 0) std::printf(",\n%*s", indent + 4, "");
    else if (i > 0) std::printf(", ");
    std::printf("%.17g", p[i]);
  }
  std::printf("},\n");
}

// (batch, steps, features) input with gradient.
torch::Tensor input() {
  auto x = torch::empty({ri::batch, ri::steps, ri::features}, torch::kFloat64);
  auto a = x.accessor<double, 3>();
  for (int b = 0; b < ri::batch; ++b)
    for (int t = 0; t < ri::steps; ++t)
      for (int k = 0; k < ri::features; ++k) a[b][t][k] = ri::x(b, t, k);
  return x.set_requires_grad(true);
}

torch::Tensor every_weights(int width) {
  auto w = torch::empty({ri::batch, ri::steps, width}, torch::kFloat64);
  auto a = w.accessor<double, 3>();
  for (int b = 0; b < ri::batch; ++b)
    for (int t = 0; t < ri::steps; ++t)
      for (int j = 0; j < width; ++j) a[b][t][j] = ri::every_weight(b, t, j);
  return w;
}

torch::Tensor last_weights(int width) {
  auto w = torch::empty({ri::batch, width}, torch::kFloat64);
  auto a = w.accessor<double, 2>();
  for (int b = 0; b < ri::batch; ++b)
    for (int j = 0; j < width; ++j) a[b][j] = ri::last_weight(b, j);
  return w;
}

// The four arrays of a one-layer recurrent module, from recurrent_inputs.hpp's formulas.
void set_parameters(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters()) {
    auto& t = p.value();
    const std::string& name = p.key();
    if (t.dim() == 2) {
      auto a = t.accessor<double, 2>();
      for (int m = 0; m < t.size(0); ++m)
        for (int k = 0; k < t.size(1); ++k)
          a[m][k] = name == "weight_ih_l0" ? ri::w_ih(m, k) : ri::w_hh(m, k);
    } else {
      auto a = t.accessor<double, 1>();
      for (int m = 0; m < t.size(0); ++m) a[m] = name == "bias_ih_l0" ? ri::b_ih(m) : ri::b_hh(m);
    }
  }
}

void set_embedding(torch::nn::EmbeddingImpl& e) {
  torch::NoGradGuard no_grad;
  auto a = e.weight.accessor<double, 2>();
  for (int v = 0; v < ri::vocabulary; ++v)
    for (int d = 0; d < ri::dim; ++d) a[v][d] = ri::embedding(v, d);
}

torch::Tensor ids() {
  auto i = torch::empty({ri::batch, ri::steps}, torch::kLong);
  auto a = i.accessor<int64_t, 2>();
  for (int b = 0; b < ri::batch; ++b)
    for (int t = 0; t < ri::steps; ++t) a[b][t] = ri::id(b, t);
  return i;
}

torch::Tensor output_of(torch::nn::RNN& m, const torch::Tensor& x) { return std::get<0>(m->forward(x)); }
torch::Tensor output_of(torch::nn::GRU& m, const torch::Tensor& x) { return std::get<0>(m->forward(x)); }
torch::Tensor output_of(torch::nn::LSTM& m, const torch::Tensor& x) { return std::get<0>(m->forward(x)); }

void print_gradients(const char* which, torch::nn::Module& module, const torch::Tensor& x) {
  std::printf("  .%s = {\n", which);
  for (const char* name : {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}) {
    const auto& g = module.named_parameters()[name].grad();
    print_values(std::string(name).substr(0, std::string(name).size() - 3).c_str(), g);
  }
  print_values("input", x.grad());
  std::printf("  },\n");
}

template <class Module>
void run(const char* label, const char* cell, int hidden, Module module) {
  module->to(torch::kFloat64);
  set_parameters(*module);
  std::printf("// %s\ninline const recurrent_case %s_h%d{\n", label, cell, hidden);
  {
    auto x = input();
    auto y = output_of(module, x);
    print_values("output", y, 2);
    module->zero_grad();
    (y * every_weights(hidden)).sum().backward();
    print_gradients("every", *module, x);
  }
  {
    auto x = input();
    auto y = output_of(module, x).select(1, ri::steps - 1);
    module->zero_grad();
    (y * last_weights(hidden)).sum().backward();
    print_gradients("last", *module, x);
  }
  std::printf("};\n\n");
}

}  // namespace

int main() {
  torch::set_num_threads(1);
  std::printf(
      "// tests/data/recurrent/recurrent_torch_values.hpp: generated by gen_recurrent_torch.cpp "
      "(LibTorch %s,\n// double) from recurrent_inputs.hpp; do not edit. Read by "
      "tests/unit/recurrent_torch.cpp.\n#pragma once\n\n#include <vector>\n\n"
      "namespace recurrent_torch {\n\n"
      "// Gradients of a loss, in PyTorch's layouts: weight_ih (G*H, I), weight_hh (G*H, H), "
      "bias_ih and\n// bias_hh (G*H), input (batch, steps, features), row-major.\n"
      "struct gradients {\n  std::vector<double> weight_ih, weight_hh, bias_ih, bias_hh, input;\n};\n"
      "// output (batch, steps, H); every: loss sum(output * every_weight); last: loss\n"
      "// sum(output[:, -1] * last_weight).\n"
      "struct recurrent_case {\n  std::vector<double> output;\n  gradients every, last;\n};\n\n",
      TORCH_VERSION);
  using namespace torch::nn;
  for (int h : {3, 5}) {
    run("torch::nn::RNN (tanh)", "rnn", h,
        RNN(RNNOptions(ri::features, h).num_layers(1).batch_first(true).nonlinearity(torch::kTanh)));
    run("torch::nn::LSTM", "lstm", h, LSTM(LSTMOptions(ri::features, h).num_layers(1).batch_first(true)));
    run("torch::nn::GRU", "gru", h, GRU(GRUOptions(ri::features, h).num_layers(1).batch_first(true)));
  }

  // Embedding alone: output (batch, steps, dim) and the weight's gradient for the every-step loss.
  {
    Embedding e(EmbeddingOptions(ri::vocabulary, ri::dim));
    e->to(torch::kFloat64);
    set_embedding(*e);
    auto y = e->forward(ids());
    std::printf("// torch::nn::Embedding(%d, %d) on ids(b, t): output, and d weight of sum(output * "
                "every_weight)\ninline const struct {\n  std::vector<double> output, weight;\n} "
                "embedding{\n",
                ri::vocabulary, ri::dim);
    print_values("output", y, 2);
    (y * every_weights(ri::dim)).sum().backward();
    print_values("weight", e->weight.grad(), 2);
    std::printf("};\n\n");
  }
  // Embedding then LSTM(dim, 5): the output, and the table's gradient through the LSTM.
  {
    Embedding e(EmbeddingOptions(ri::vocabulary, ri::dim));
    e->to(torch::kFloat64);
    set_embedding(*e);
    LSTM l(LSTMOptions(ri::dim, 5).num_layers(1).batch_first(true));
    l->to(torch::kFloat64);
    set_parameters(*l);
    auto y = std::get<0>(l->forward(e->forward(ids())));
    std::printf("// torch::nn::Embedding(%d, %d) then torch::nn::LSTM(%d, 5): output, and d weight "
                "(the table) of\n// sum(output * every_weight)\ninline const struct {\n  "
                "std::vector<double> output, weight;\n} embedding_lstm_h5{\n",
                ri::vocabulary, ri::dim, ri::dim);
    print_values("output", y, 2);
    (y * every_weights(5)).sum().backward();
    print_values("weight", e->weight.grad(), 2);
    std::printf("};\n\n");
  }
  std::printf("}  // namespace recurrent_torch\n");
}
