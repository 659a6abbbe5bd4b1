// Training end to end on small problems: XOR and two spirals reach a stated loss and accuracy;
// the same seed and data give bit-identical weights; fit() reports per epoch and writes CSV.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <vector>

using namespace nerve;

namespace {

// Two interleaved spirals, n points each, class 0 and 1, with a little noise.
LabelledData<float, Shape<2>> two_spirals(std::size_t n, std::uint64_t seed) {
  Random rng(Seed{seed});
  std::vector<float> xs;
  std::vector<std::uint32_t> labels;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = 0.25 + 2.75 * std::numbers::pi * static_cast<double>(i) / n;
    for (std::uint32_t c = 0; c < 2; ++c) {
      const double sign = c == 0 ? 1.0 : -1.0;
      xs.push_back(static_cast<float>(sign * t * std::cos(t) / 8 + rng.uniform(-0.02, 0.02)));
      xs.push_back(static_cast<float>(sign * t * std::sin(t) / 8 + rng.uniform(-0.02, 0.02)));
      labels.push_back(c);
    }
  }
  return LabelledData<float, Shape<2>>(std::move(xs), std::move(labels), 2);
}

}  // namespace

TEST_CASE("training: XOR with Tanh and softmax cross-entropy reaches loss < 0.02", "[training]") {
  using Net = Network<Input<2>, Dense<8>, Tanh, Dense<2>, Softmax>;
  Net net{Seed{1}};
  Trainer<Net, CrossEntropy, Adam, Batch<4>> trainer(net, Adam{.learning_rate = 0.05});
  const float X[8] = {0, 0, 0, 1, 1, 0, 1, 1};
  const std::uint32_t y[4] = {0, 1, 1, 0};
  float loss = 0;
  for (int i = 0; i < 500; ++i) loss = trainer.step(X, y);
  CHECK(loss < 0.02f);
  for (int i = 0; i < 4; ++i) {
    const auto p = net(X + 2 * i);
    CHECK((p(1) > p(0)) == (y[i] == 1));
  }
}

TEST_CASE("training: user activations (swish, GELU) train with derived derivatives", "[training]") {
  using nerve::expr::x;
  using Swish = Activation<x * expr::sigmoid(x)>;
  using Gelu = Activation<0.5 * x * (1.0 + expr::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))>;
  using Net = Network<Input<2>, Dense<8>, Swish, Dense<8>, Gelu, Dense<2>, Softmax>;
  Net net{Seed{2}};
  Trainer<Net, CrossEntropy, Adam, Batch<4>> trainer(net, Adam{.learning_rate = 0.05});
  const float X[8] = {0, 0, 0, 1, 1, 0, 1, 1};
  const std::uint32_t y[4] = {0, 1, 1, 0};
  const float first = trainer.step(X, y);
  float loss = first;
  for (int i = 0; i < 500; ++i) loss = trainer.step(X, y);
  INFO("first loss " << first);
  CHECK(loss < 0.02f);
}

TEST_CASE("training: XOR with one sigmoid output and binary cross-entropy", "[training]") {
  using Net = Network<Input<2>, Dense<8>, ReLU, Dense<1>, Sigmoid>;
  Net net{Seed{3}};
  Trainer<Net, BinaryCrossEntropy, Adam, Batch<4>> trainer(net, Adam{.learning_rate = 0.05});
  const float X[8] = {0, 0, 0, 1, 1, 0, 1, 1};
  const float t[4] = {0, 1, 1, 0};
  float loss = 0;
  for (int i = 0; i < 600; ++i) loss = trainer.step(X, t);
  CHECK(loss < 0.05f);
}

TEST_CASE("training: regression with MSE and SGD with momentum fits sin(x)", "[training]") {
  using Net = Network<Input<1>, Dense<16>, Tanh, Dense<1>>;
  Net net{Seed{4}};
  Trainer<Net, MeanSquaredError, SGD, Batch<16>> trainer(
      net, SGD{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true});
  float X[16], t[16];
  for (int i = 0; i < 16; ++i) {
    X[i] = -3.0f + 6.0f * static_cast<float>(i) / 15.0f;
    t[i] = std::sin(X[i]);
  }
  float first = trainer.step(X, t), loss = first;
  for (int i = 0; i < 2000; ++i) loss = trainer.step(X, t);
  INFO("first loss " << first << ", last " << loss);
  CHECK(loss < 0.01f);
}

// ReLU rather than Tanh: with Adam at 0.01 a 32-32 tanh net saturates on this data and stalls
// near chance (seen with correct gradients, checked in tests/gradcheck), which tests the data,
// not nerve.
TEST_CASE("training: two spirals reach 95% accuracy with fit()", "[training]") {
  using Net = Network<Input<2>, Dense<64>, ReLU, Dense<64>, ReLU, Dense<2>, Softmax>;
  const auto data = two_spirals(200, 7);
  Net net{Seed{5}};
  auto trainer = make_trainer<CrossEntropy, Adam, Batch<20>>(net, Adam{.learning_rate = 0.01});
  std::ostringstream out;
  FitOptions options;
  options.out = &out;
  options.progress.style = ProgressStyle::lines;
  const auto history = trainer.fit(data, Epochs{300}, options);
  REQUIRE(history.size() == 300);
  const auto eval = trainer.evaluate(data);
  INFO(out.str().substr(out.str().size() - 300));
  CHECK(eval.accuracy > 0.95);
  CHECK(eval.loss < 0.15);
  CHECK(history.back().loss < history.front().loss);
  CHECK(eval.samples == 400);
}

TEST_CASE("training: same seed, same data, bit-identical weights", "[training][determinism]") {
  using Net = Network<Input<2>, Dense<16>, ReLU, Dense<2>, Softmax>;
  const auto data = two_spirals(64, 9);
  auto train = [&](std::uint64_t init, std::uint64_t shuffle) {
    Net net{Seed{init}};
    auto trainer = make_trainer<CrossEntropy, Adam, Batch<8>>(net);
    std::ostringstream sink;
    FitOptions options;
    options.out = &sink;
    options.progress.style = ProgressStyle::silent;
    options.shuffle_seed = Seed{shuffle};
    trainer.fit(data, Epochs{3}, options);
    return net;
  };
  const Net a = train(1, 2), b = train(1, 2), c = train(1, 3), d = train(5, 2);
  auto same = [](const Net& x, const Net& y) {
    const auto& p = x.parameters<1>();
    const auto& q = y.parameters<1>();
    const auto& r = x.parameters<3>();
    const auto& s = y.parameters<3>();
    return std::memcmp(p.weight.data(), q.weight.data(), sizeof(float) * p.weight.size) == 0 &&
           std::memcmp(p.bias.data(), q.bias.data(), sizeof(float) * p.bias.size) == 0 &&
           std::memcmp(r.weight.data(), s.weight.data(), sizeof(float) * r.weight.size) == 0;
  };
  CHECK(same(a, b));
  CHECK_FALSE(same(a, c));  // another shuffle
  CHECK_FALSE(same(a, d));  // another initialisation
}

TEST_CASE("training: fit() writes one CSV row per epoch and one line per epoch off a terminal",
          "[training][csv]") {
  using Net = Network<Input<2>, Dense<4>, Tanh, Dense<2>, Softmax>;
  const auto data = two_spirals(32, 2);
  Net net{Seed{1}};
  auto trainer = make_trainer<CrossEntropy, SGD, Batch<8>>(net, SGD{.learning_rate = 0.1});
  const auto csv = std::filesystem::temp_directory_path() / "nerve_fit_history.csv";
  std::ostringstream out;
  FitOptions options;
  options.out = &out;
  options.progress.style = ProgressStyle::lines;
  options.csv = csv;
  std::size_t callbacks = 0;
  options.on_epoch = [&](const EpochSummary& s) { CHECK(s.epoch == ++callbacks); };
  trainer.fit(data, Epochs{4}, options, &data);
  CHECK(callbacks == 4);
  std::ifstream in(csv);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].rfind("epoch,loss,accuracy,val_loss,val_accuracy,seconds", 0) == 0);
  CHECK(lines[4].rfind("4,", 0) == 0);
  const std::string text = out.str();
  CHECK(text.find("epoch 1/4") != std::string::npos);
  CHECK(text.find("epoch 4/4") != std::string::npos);
  CHECK(text.find("val_acc") != std::string::npos);
  std::filesystem::remove(csv);
}

TEST_CASE("training: fit() refuses a data set smaller than one batch", "[training]") {
  using Net = Network<Input<2>, Dense<4>, Dense<2>, Softmax>;
  Net net;
  auto trainer = make_trainer<CrossEntropy, SGD, Batch<64>>(net);
  const auto data = two_spirals(8, 1);
  CHECK_THROWS_WITH(trainer.fit(data, Epochs{1}), Catch::Contains("fewer than one batch of 64"));
}
