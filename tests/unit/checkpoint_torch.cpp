// PyTorch's checkpoints in nerve: the state_dicts of four float32 PyTorch models with odd sizes
// (an MLP, a LeNet-style CNN with stride, padding, BatchNorm and max pooling, an LSTM and a GRU
// model with a Linear on every step), saved as safetensors.torch.save_file saves them (no nerve
// metadata; the BatchNorm's num_batches_tracked an I64 scalar), load with nerve::load into the
// matching nerve networks, which then give PyTorch's outputs for the reference inputs (relative
// 1e-5) one sample at a time and three at once.
//
// The fixtures in tests/data/checkpoints/ were written by tests/torch/make_fixtures.py from the
// models of tests/torch/models.py (PyTorch 1.13, Debian's python3-torch) and are committed: this
// test needs no Python. The other direction (nerve's checkpoints in PyTorch) is the CTest
// torch.nerve_checkpoints_in_pytorch (tests/torch/CMakeLists.txt), registered when PyTorch is
// installed.
#include <catch2/catch.hpp>

#include <nerve/io/checkpoint.hpp>
#include <nerve/nerve.hpp>

#include "data/checkpoints/cnn_reference.hpp"
#include "data/checkpoints/gru_reference.hpp"
#include "data/checkpoints/lstm_reference.hpp"
#include "data/checkpoints/mlp_reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>  // std::printf (CHECKPOINT_TORCH_REPORT)
#include <filesystem>
#include <string>
#include <vector>

#ifndef NERVE_TEST_DATA_DIR
#error "NERVE_TEST_DATA_DIR must name tests/data (tests/CMakeLists.txt defines it)"
#endif

using namespace nerve;

namespace {

const std::filesystem::path fixtures = std::filesystem::path(NERVE_TEST_DATA_DIR) / "checkpoints";

constexpr double tolerance = 1e-5;

// The worst |got - expected| / max(|expected|, 0.1 * max|expected|) over an array, the measure of
// tests/torch/models.py's relative_error: a float32 output that sums terms of both signs to nearly
// zero is only known to within a rounding of the terms (an output of 0.0016 made of terms near 0.4
// differs by 3e-8, 2e-5 of itself, between two summation orders), so below a tenth of the array's
// largest value the tolerance is 1e-6 of that largest value (about 8 float32 roundings of it).
double worst_relative_error(const float* got, const float* expected, std::size_t n) {
  double scale = 0;
  for (std::size_t i = 0; i < n; ++i) scale = std::max(scale, std::abs(static_cast<double>(expected[i])));
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = expected[i];
    const double err = std::abs(static_cast<double>(got[i]) - e) / std::max(std::abs(e), 0.1 * scale);
    if (!(err <= worst)) worst = err;  // NaN counts as worst
  }
  return worst;
}

// Loads <name>.safetensors into a fresh Net and compares its outputs with PyTorch's, sample by
// sample (batch-1 inference) and all samples at once (batched inference).
template <class Net, class Fixture>
void check_fixture(const std::string& name, Fixture) {
  static_assert(Net::input_shape_t::size == Fixture::input_size);
  static_assert(Net::output_shape_t::size == Fixture::output_size);
  constexpr std::size_t S = Fixture::samples;
  Net net{Seed{99}};  // other weights: every one must come from the file
  load(net, fixtures / (name + ".safetensors"));
  for (std::size_t s = 0; s < S; ++s) {
    const auto y = net(Fixture::input + s * Fixture::input_size);
    const double worst =
        worst_relative_error(y.data(), Fixture::output + s * Fixture::output_size, Fixture::output_size);
    INFO(name << ", sample " << s << " alone: worst relative error " << worst);
    CHECK(worst <= tolerance);
#ifdef CHECKPOINT_TORCH_REPORT  // -DCHECKPOINT_TORCH_REPORT prints every worst error
    std::printf("%-5s sample %zu alone: worst relative error %.3g\n", name.c_str(), s, worst);
#endif
  }
  Tensor<float, decltype(concat(Shape<S>{}, typename Net::input_shape_t{}))> X;
  std::copy_n(Fixture::input, S * Fixture::input_size, X.data());
  typename Net::template Workspace<S> ws;
  const auto Y = net(X, ws);
  const double worst = worst_relative_error(Y.data(), Fixture::output, S * Fixture::output_size);
  INFO(name << ", " << S << " samples at once: worst relative error " << worst);
  CHECK(worst <= tolerance);
#ifdef CHECKPOINT_TORCH_REPORT
  std::printf("%-5s %zu samples at once: worst relative error %.3g\n", name.c_str(), S, worst);
#endif
}

}  // namespace

TEST_CASE("PyTorch's MLP checkpoint: nn.Sequential(Linear(5, 7), Tanh(), Linear(7, 3))",
          "[checkpoint][torch_fixture]") {
  check_fixture<Network<Input<5>, Dense<7>, Tanh, Dense<3>>>("mlp", checkpoint_fixtures::mlp{});
}

// BatchNorm's num_batches_tracked is an I64 array in PyTorch's file: nerve reads it as a count.
TEST_CASE("PyTorch's CNN checkpoint: Conv2d(1, 3, 3, stride=2, padding=1), BatchNorm2d (running "
          "statistics, num_batches_tracked as I64), ReLU, MaxPool2d(2), Flatten, Linear(18, 4)",
          "[checkpoint][torch_fixture]") {
  using Net = Network<Input<1, 11, 9>, Conv2D<3, Kernel<3, 3>, Stride<2>, Pad<1>>, BatchNorm<>, ReLU,
                      MaxPool<2>, Flatten, Dense<4>>;
  check_fixture<Net>("cnn", checkpoint_fixtures::cnn{});
  Net net;
  load(net, fixtures / "cnn.safetensors");
  CHECK(read_array(net, "1.num_batches_tracked") == std::vector<float>{3.0f});  // three training batches
}

TEST_CASE("PyTorch's LSTM checkpoint: LSTM(3, 5, batch_first) as \"0\", Linear(5, 2) on every step "
          "as \"1\"",
          "[checkpoint][torch_fixture]") {
  check_fixture<Network<Input<6, 3>, LSTM<5>, Dense<2>>>("lstm", checkpoint_fixtures::lstm{});
}

TEST_CASE("PyTorch's GRU checkpoint: GRU(3, 5, batch_first) as \"0\", Linear(5, 2) on every step "
          "as \"1\"",
          "[checkpoint][torch_fixture]") {
  check_fixture<Network<Input<6, 3>, GRU<5>, Dense<2>>>("gru", checkpoint_fixtures::gru{});
}
