// nerve's SimpleRNN, LSTM, GRU and Embedding against what LibTorch 1.13's nn::RNN (tanh),
// nn::LSTM, nn::GRU and nn::Embedding compute (batch_first, one layer), in double: the same
// weights, set in PyTorch's orientation through w_ih(m, k), w_hh(m, k), bias_ih(m), bias_hh(m),
// give the same outputs and the same gradients of every parameter and of the input, so that a
// PyTorch model's weights carry over unchanged (issue 8).
//
// The expected values were computed once by tests/data/recurrent/gen_recurrent_torch.cpp (built by
// hand against libtorch-dev; python3-torch is not installed here) and are committed as
// tests/data/recurrent/recurrent_torch_values.hpp, so this test needs no LibTorch. Parameters,
// inputs and loss weights come from the formulas of tests/data/recurrent/recurrent_inputs.hpp,
// which both sides evaluate: batch 2, 7 steps, 4 features, hidden 3 and 5. Two losses:
// sum(output * every_weight) over the whole sequence (EverySteps) and
// sum(output[:, -1] * last_weight) (LastStep).
//
// Gradients are read two ways: Network::input_gradient with dL/dy = the loss weights (parameters
// and input, batch 2 at once and batch 1 per sample, summed), and Trainer::compute_gradients with
// MeanSquaredError and targets chosen so that dL/dy is the loss weights (parameters).
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include "data/recurrent/recurrent_inputs.hpp"
#include "data/recurrent/recurrent_torch_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>   // std::printf (RECURRENT_TORCH_REPORT)
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace nerve;
namespace ri = recurrent_inputs;

namespace {

constexpr std::size_t B = ri::batch, S = ri::steps, I = ri::features;

constexpr double double_tolerance = 1e-12;

// The worst error over an array, relative to the larger of |expected| and `floor` times the
// array's largest value: a value that sums terms of both signs to nearly zero (an output near 0,
// a small gradient) is compared on the scale of the terms. Double: floor 1e-3; float, whose
// rounding is absolute on that scale: floor 1.
template <class Get>
void compare(const std::string& what, std::size_t n, Get got, const std::vector<double>& expected,
             double tolerance, double floor = 1e-3) {
  REQUIRE(expected.size() == n);
  double scale = 0;
  for (double e : expected) scale = std::max(scale, std::abs(e));
  double worst = 0;
  std::size_t worst_at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(got(i));
    const double err = std::abs(g - expected[i]) / std::max(std::abs(expected[i]), floor * scale);
    if (!(err <= worst)) worst = err, worst_at = i;  // NaN counts as worst
  }
  INFO(what << ": worst relative error " << worst << " at element " << worst_at << " (nerve "
            << static_cast<double>(got(worst_at)) << ", torch " << expected[worst_at] << ")");
  CHECK(worst <= tolerance);
#ifdef RECURRENT_TORCH_REPORT  // -DRECURRENT_TORCH_REPORT prints every array's worst error
  std::printf("%-60s worst relative error %.3g\n", what.c_str(), worst);
#endif
}

// PyTorch's four arrays into the recurrent layer at entry E.
template <std::size_t E, class Net>
void set_torch_parameters(Net& net) {
  using T = typename Net::value_type;
  using L = typename Net::template entry<E>;
  constexpr std::size_t rows = L::G * L::H;
  constexpr std::size_t in = Net::template shape_after_t<E - 1>::dims[1];
  auto& p = net.template parameters<E>();
  for (std::size_t m = 0; m < rows; ++m) {
    for (std::size_t k = 0; k < in; ++k) p.w_ih(m, k) = static_cast<T>(ri::w_ih(int(m), int(k)));
    for (std::size_t k = 0; k < L::H; ++k) p.w_hh(m, k) = static_cast<T>(ri::w_hh(int(m), int(k)));
    p.bias_ih(m) = static_cast<T>(ri::b_ih(int(m)));
    p.bias_hh(m) = static_cast<T>(ri::b_hh(int(m)));
  }
}

// The four parameter gradients of the layer at entry E (in `grads`, laid out as the parameters)
// against PyTorch's.
template <std::size_t E, class Net, class Grads>
void compare_parameter_gradients(const std::string& what, const Grads& grads,
                                 const recurrent_torch::gradients& torch, double tolerance) {
  using L = typename Net::template entry<E>;
  constexpr std::size_t rows = L::G * L::H, H = L::H;
  constexpr std::size_t in = Net::template shape_after_t<E - 1>::dims[1];
  const auto& g = std::get<E>(grads);
  compare(what + " d weight_ih", rows * in, [&](std::size_t i) { return g.w_ih(i / in, i % in); },
          torch.weight_ih, tolerance);
  compare(what + " d weight_hh", rows * H, [&](std::size_t i) { return g.w_hh(i / H, i % H); },
          torch.weight_hh, tolerance);
  compare(what + " d bias_ih", rows, [&](std::size_t i) { return g.bias_ih(i); }, torch.bias_ih,
          tolerance);
  compare(what + " d bias_hh", rows, [&](std::size_t i) { return g.bias_hh(i); }, torch.bias_hh,
          tolerance);
}

template <class T>
Tensor<T, Shape<B, S, I>> torch_input() {
  Tensor<T, Shape<B, S, I>> X;
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < S; ++t)
      for (std::size_t k = 0; k < I; ++k) X(b, t, k) = static_cast<T>(ri::x(int(b), int(t), int(k)));
  return X;
}

// dL/dy of the torch test's loss for an output of H per step (every step) or H (last step).
template <class T>
std::vector<T> loss_weights(std::size_t H, bool last) {
  std::vector<T> w;
  for (std::size_t b = 0; b < B; ++b) {
    if (last) {
      for (std::size_t j = 0; j < H; ++j) w.push_back(static_cast<T>(ri::last_weight(int(b), int(j))));
    } else {
      for (std::size_t t = 0; t < S; ++t)
        for (std::size_t j = 0; j < H; ++j)
          w.push_back(static_cast<T>(ri::every_weight(int(b), int(t), int(j))));
    }
  }
  return w;
}

// PyTorch's output (batch, steps, H) as nerve's output rows: all of it, or each sample's last step.
std::vector<double> torch_rows(const std::vector<double>& output, std::size_t H, bool last) {
  if (!last) return output;
  std::vector<double> rows;
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t j = 0; j < H; ++j) rows.push_back(output[(b * S + S - 1) * H + j]);
  return rows;
}

// One recurrent network Input<7, 4> -> Layer against one torch case: forward at batch 1 and 2,
// gradients by input_gradient (batch 2, and batch 1 summed) and by Trainer + MSE.
template <template <long, class...> class Layer, long H, class... Option>
void check_against_torch(const char* cell, const recurrent_torch::recurrent_case& c) {
  using Net = BasicNetwork<double, Input<S, I>, Layer<H, Option...>>;
  constexpr bool last = (std::is_same_v<Option, LastStep> || ...);
  constexpr std::size_t out = Net::output_shape_t::size;  // per sample
  const std::string name = std::string(cell) + "<" + std::to_string(H) + (last ? ", LastStep>" : ">");
  const recurrent_torch::gradients& torch_grads = last ? c.last : c.every;
  const std::vector<double> expected = torch_rows(c.output, H, last);

  auto net = std::make_unique<Net>(Seed{3});
  set_torch_parameters<1>(*net);
  const auto X = torch_input<double>();

  // Forward, one sample at a time and as a batch.
  for (std::size_t b = 0; b < B; ++b) {
    const auto y = (*net)(X.data() + b * S * I);
    compare(name + " output, batch 1, sample " + std::to_string(b), out,
            [&](std::size_t i) { return y.data()[i]; },
            std::vector<double>(expected.begin() + long(b * out), expected.begin() + long((b + 1) * out)),
            double_tolerance);
  }
  {
    auto ws = std::make_unique<typename Net::template Workspace<B>>();
    const auto Y = (*net)(X, *ws);
    compare(name + " output, batch 2", B * out, [&](std::size_t i) { return Y.data()[i]; }, expected,
            double_tolerance);
  }

  // Gradients with dL/dy = the loss weights, batch 2.
  const auto dY = loss_weights<double>(H, last);
  {
    auto ws = std::make_unique<typename Net::template GradientWorkspace<B>>();
    const auto dX = net->template input_gradient<B>(X.data(), dY.data(), *ws);
    compare(name + " d input, batch 2", B * S * I, [&](std::size_t i) { return dX.data()[i]; },
            torch_grads.input, double_tolerance);
    compare_parameter_gradients<1, Net>(name + ", batch 2", ws->parameter_gradients, torch_grads,
                                        double_tolerance);
  }
  // The same at batch 1 (the step's hidden product is a matrix-vector product): per sample, summed.
  {
    auto ws = std::make_unique<typename Net::template GradientWorkspace<1>>();
    typename Net::parameter_tuple sum{};
    std::vector<double> dX(B * S * I);
    for (std::size_t b = 0; b < B; ++b) {
      const auto dx = net->template input_gradient<1>(X.data() + b * S * I, dY.data() + b * out, *ws);
      std::copy_n(dx.data(), S * I, dX.begin() + long(b * S * I));
      auto to = std::get<1>(sum).arrays();
      auto from = std::get<1>(ws->parameter_gradients).arrays();
      [&]<std::size_t... J>(std::index_sequence<J...>) {
        ((std::transform(std::get<J>(from).data(), std::get<J>(from).data() + std::get<J>(from).size,
                         std::get<J>(to).data(), std::get<J>(to).data(),
                         [b](double g, double s) { return b == 0 ? g : s + g; })),
         ...);
      }(std::make_index_sequence<4>{});
    }
    compare(name + " d input, batch 1", B * S * I, [&](std::size_t i) { return dX[i]; },
            torch_grads.input, double_tolerance);
    compare_parameter_gradients<1, Net>(name + ", batch 1 summed", sum, torch_grads,
                                        double_tolerance);
  }
  // Trainer + MSE (mean of (y - t)^2 over B * out values): targets t = y_torch - (B out / 2) w
  // make dL/dy = 2 (y - t) / (B out) = w where nerve's y equals torch's.
  {
    Trainer<Net, MeanSquaredError, SGD, Batch<B>> trainer(*net);
    std::vector<double> targets(B * out);
    for (std::size_t i = 0; i < B * out; ++i) targets[i] = expected[i] - double(B * out) / 2 * dY[i];
    trainer.compute_gradients(X.data(), targets.data());
    compare_parameter_gradients<1, Net>(name + ", Trainer + MSE", trainer.gradients(), torch_grads,
                                        double_tolerance);
  }
}

// The same weights in float: outputs within float's rounding of PyTorch's double values.
template <template <long, class...> class Layer, long H>
void check_float_forward(const char* cell, const recurrent_torch::recurrent_case& c) {
  using Net = Network<Input<S, I>, Layer<H>>;
  auto net = std::make_unique<Net>(Seed{3});
  set_torch_parameters<1>(*net);
  const auto X = torch_input<float>();
  auto ws = std::make_unique<typename Net::template Workspace<B>>();
  const auto Y = (*net)(X, *ws);
  compare(std::string(cell) + "<" + std::to_string(H) + "> output in float", B * S * H,
          [&](std::size_t i) { return Y.data()[i]; }, c.output, 1e-6, 1.0);
}

}  // namespace

TEST_CASE("SimpleRNN matches torch::nn::RNN (tanh): outputs and gradients", "[recurrent][torch]") {
  check_against_torch<SimpleRNN, 3>("SimpleRNN", recurrent_torch::rnn_h3);
  check_against_torch<SimpleRNN, 5>("SimpleRNN", recurrent_torch::rnn_h5);
  check_against_torch<SimpleRNN, 3, LastStep>("SimpleRNN", recurrent_torch::rnn_h3);
  check_against_torch<SimpleRNN, 5, LastStep>("SimpleRNN", recurrent_torch::rnn_h5);
  check_float_forward<SimpleRNN, 5>("SimpleRNN", recurrent_torch::rnn_h5);
}

TEST_CASE("LSTM matches torch::nn::LSTM: outputs and gradients", "[recurrent][torch]") {
  check_against_torch<LSTM, 3>("LSTM", recurrent_torch::lstm_h3);
  check_against_torch<LSTM, 5>("LSTM", recurrent_torch::lstm_h5);
  check_against_torch<LSTM, 3, LastStep>("LSTM", recurrent_torch::lstm_h3);
  check_against_torch<LSTM, 5, LastStep>("LSTM", recurrent_torch::lstm_h5);
  check_float_forward<LSTM, 5>("LSTM", recurrent_torch::lstm_h5);
}

TEST_CASE("GRU matches torch::nn::GRU: outputs and gradients", "[recurrent][torch]") {
  check_against_torch<GRU, 3>("GRU", recurrent_torch::gru_h3);
  check_against_torch<GRU, 5>("GRU", recurrent_torch::gru_h5);
  check_against_torch<GRU, 3, LastStep>("GRU", recurrent_torch::gru_h3);
  check_against_torch<GRU, 5, LastStep>("GRU", recurrent_torch::gru_h5);
  check_float_forward<GRU, 5>("GRU", recurrent_torch::gru_h5);
}

TEST_CASE("Embedding matches torch::nn::Embedding: rows, and the table's gradient",
          "[recurrent][embedding][torch]") {
  constexpr std::size_t V = ri::vocabulary, D = ri::dim;
  Tensor<double, Shape<B, S>> ids;
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < S; ++t) ids(b, t) = double(ri::id(int(b), int(t)));
  const auto& torch = recurrent_torch::embedding;

  SECTION("alone") {
    using Net = BasicNetwork<double, Input<S>, Embedding<V, D>>;
    auto net = std::make_unique<Net>(Seed{3});
    for (std::size_t v = 0; v < V; ++v)
      for (std::size_t d = 0; d < D; ++d) net->parameters<1>().weight(v, d) = ri::embedding(int(v), int(d));
    auto ws = std::make_unique<Net::Workspace<B>>();
    const auto Y = (*net)(ids, *ws);
    // A copy of PyTorch's rows: equal but for the last bits of the weights' formula, which an
    // optimised build may evaluate with fused multiply-adds where the generator did not.
    compare("Embedding output", B * S * D, [&](std::size_t i) { return Y.data()[i]; }, torch.output,
            1e-15);
    const auto dY = loss_weights<double>(D, false);
    auto gws = std::make_unique<Net::GradientWorkspace<B>>();
    const auto dX = net->input_gradient<B>(ids.data(), dY.data(), *gws);
    compare("Embedding d weight", V * D,
            [&](std::size_t i) { return std::get<1>(gws->parameter_gradients).weight.data()[i]; },
            torch.weight, double_tolerance);
    for (std::size_t i = 0; i < B * S; ++i) CHECK(dX.data()[i] == 0.0);  // ids have no gradient
  }
  SECTION("then LSTM<5>: the table's gradient through time") {
    using Net = BasicNetwork<double, Input<S>, Embedding<V, D>, LSTM<5>>;
    const auto& chain = recurrent_torch::embedding_lstm_h5;
    auto net = std::make_unique<Net>(Seed{3});
    for (std::size_t v = 0; v < V; ++v)
      for (std::size_t d = 0; d < D; ++d) net->parameters<1>().weight(v, d) = ri::embedding(int(v), int(d));
    set_torch_parameters<2>(*net);
    auto ws = std::make_unique<Net::Workspace<B>>();
    const auto Y = (*net)(ids, *ws);
    compare("Embedding + LSTM<5> output", B * S * 5, [&](std::size_t i) { return Y.data()[i]; },
            chain.output, double_tolerance);
    const auto dY = loss_weights<double>(5, false);
    auto gws = std::make_unique<Net::GradientWorkspace<B>>();
    net->input_gradient<B>(ids.data(), dY.data(), *gws);
    compare("Embedding + LSTM<5> d weight (table)", V * D,
            [&](std::size_t i) { return std::get<1>(gws->parameter_gradients).weight.data()[i]; },
            chain.weight, double_tolerance);
  }
}
