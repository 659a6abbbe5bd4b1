// fit() and evaluate() on every kind of data: RegressionData, a DataView or plain spans over
// std::vector (not copied), LabelledData as before. Regression reaches a stated loss; evaluate()
// counts each sample exactly once when the last batch is partial; regression has no accuracy in
// summaries, progress lines or CSV; counts that do not match are clear errors; CrossEntropy on a
// network ending in its logits trains exactly as the same network with a final Softmax.
#include <catch2/catch.hpp>

#include <nerve/loss/huber.hpp>
#include <nerve/nerve.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <sstream>
#include <vector>

using namespace nerve;

namespace {

FitOptions quiet() {
  FitOptions options;
  options.progress.style = ProgressStyle::silent;
  return options;
}

// n points of y = sin(x) on [-3, 3].
void sine(std::size_t n, std::vector<float>& xs, std::vector<float>& ys) {
  xs.clear(), ys.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const float x = -3.0f + 6.0f * static_cast<float>(i) / static_cast<float>(n - 1);
    xs.push_back(x);
    ys.push_back(std::sin(x));
  }
}

// The Dense layers at positions 1 and 3 of two networks hold the same bits.
template <std::size_t I, class A, class B>
bool same_dense_at(const A& a, const B& b) {
  const auto& p = a.template parameters<I>();
  const auto& q = b.template parameters<I>();
  return std::memcmp(p.weight.data(), q.weight.data(), sizeof(p.weight.data()[0]) * p.weight.size) == 0 &&
         std::memcmp(p.bias.data(), q.bias.data(), sizeof(p.bias.data()[0]) * p.bias.size) == 0;
}
template <class A, class B>
bool same_dense(const A& a, const B& b) {
  return same_dense_at<1>(a, b) && same_dense_at<3>(a, b);
}

}  // namespace

TEST_CASE("fit data: y = sin(x) from std::vector reaches MSE < 0.01", "[training][regression]") {
  using Net = Network<Input<1>, Dense<32>, Tanh, Dense<1>>;
  std::vector<float> xs, ys;
  sine(200, xs, ys);
  Net net{Seed{4}};
  auto trainer = make_trainer<MSE, Adam, Batch<20>>(net, Adam{.learning_rate = 0.01});
  const auto before = trainer.evaluate(xs, ys);
  const auto history = trainer.fit(xs, ys, Epochs{150}, quiet());
  const auto after = trainer.evaluate(xs, ys);
  INFO("loss " << before.loss << " -> " << after.loss);
  CHECK(after.loss < 0.01);
  CHECK(after.loss < before.loss / 10);
  CHECK(after.samples == 200);
  CHECK_FALSE(after.has_accuracy);
  CHECK_FALSE(history.back().accuracy.has_value());
  CHECK(history.back().loss < history.front().loss);
}

TEST_CASE("fit data: a linear map with Huber from RegressionData, validation set too",
          "[training][regression][huber]") {
  // y = A x + b with 3 inputs and 2 outputs; a few outliers that Huber tolerates.
  using Net = Network<Input<3>, Dense<2>>;
  Random rng(Seed{3});
  std::vector<float> xs, ys;
  for (std::size_t i = 0; i < 300; ++i) {
    const float a = static_cast<float>(rng.uniform(-1, 1)), b = static_cast<float>(rng.uniform(-1, 1)),
                c = static_cast<float>(rng.uniform(-1, 1));
    xs.insert(xs.end(), {a, b, c});
    const float outlier = i < 250 && i % 50 == 7 ? 20.0f : 0.0f;  // none in validation
    ys.push_back(2 * a - b + 0.5f * c + 0.3f + outlier);
    ys.push_back(-a + 3 * c - 1.0f);
  }
  const RegressionData<float, Shape<3>, Shape<2>> all(xs, ys);
  const auto train = all.slice(0, 250), validation = all.slice(250, 50);
  Net net{Seed{2}};
  auto trainer = make_trainer<Huber<>, Adam, Batch<25>>(net, Adam{.learning_rate = 0.05});
  const auto history = trainer.fit(train, Epochs{100}, quiet(), &validation);
  REQUIRE(history.back().val_loss.has_value());
  CHECK_FALSE(history.back().val_accuracy.has_value());
  CHECK(*history.back().val_loss < 0.01);  // the validation slice has no outlier
  const auto& w = net.parameters<1>();
  INFO("bias " << w.bias(0) << " " << w.bias(1));
  CHECK(w.bias(1) == Approx(-1.0).margin(0.05));
  CHECK(w.bias(0) == Approx(0.3).margin(0.1));  // the outliers barely pull it (MSE would: +0.4)
}

TEST_CASE("fit data: evaluate() with a partial last batch is the exact mean over real samples",
          "[training][evaluate]") {
  // 23 samples, batches of 5: the last batch holds 3. Compared with a per-sample loop in double.
  using Net = BasicNetwork<double, Input<2>, Dense<6>, Tanh, Dense<3>>;
  Net net{Seed{8}};
  Random rng(Seed{9});
  std::vector<double> xs(23 * 2), ys(23 * 3);
  for (auto& v : xs) v = rng.uniform(-2, 2);
  for (auto& v : ys) v = rng.uniform(-2, 2);
  auto mse = make_trainer<MSE, SGD, Batch<5>>(net);
  auto huber = make_trainer<Huber<0.5>, SGD, Batch<5>>(net);
  double want_mse = 0, want_huber = 0;
  for (std::size_t i = 0; i < 23; ++i) {
    const auto y = net(xs.data() + 2 * i);
    for (std::size_t j = 0; j < 3; ++j) {
      const double d = y(j) - ys[3 * i + j];
      want_mse += d * d;
      want_huber += std::abs(d) < 0.5 ? 0.5 * d * d : 0.5 * (std::abs(d) - 0.25);
    }
  }
  want_mse /= 23 * 3;
  want_huber /= 23 * 3;
  const auto got = mse.evaluate(xs, ys);
  CHECK(got.samples == 23);
  CHECK(got.loss == Approx(want_mse).epsilon(1e-12));
  CHECK(huber.evaluate(DataView(xs, ys)).loss == Approx(want_huber).epsilon(1e-12));

  // Classification: cross-entropy on logits, 23 labelled samples, against logsumexp per sample.
  auto ce = make_trainer<CrossEntropy, SGD, Batch<5>>(net);
  std::vector<std::uint32_t> labels(23);
  for (std::size_t i = 0; i < 23; ++i) labels[i] = static_cast<std::uint32_t>(i % 3);
  double want_ce = 0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < 23; ++i) {
    const auto z = net(xs.data() + 2 * i);
    const double peak = std::max({z(0), z(1), z(2)});
    want_ce += peak + std::log(std::exp(z(0) - peak) + std::exp(z(1) - peak) + std::exp(z(2) - peak)) -
               z(labels[i]);
    correct += argmax(z.flat()) == labels[i];
  }
  const auto from_span = ce.evaluate(xs, labels);
  const auto from_labelled = ce.evaluate(LabelledData<double, Shape<2>>(xs, labels, 3));
  CHECK(from_span.loss == Approx(want_ce / 23).epsilon(1e-12));
  CHECK(from_labelled.loss == Approx(want_ce / 23).epsilon(1e-12));
  CHECK(from_span.has_accuracy);
  CHECK(from_span.accuracy == Approx(static_cast<double>(correct) / 23));
  CHECK(from_labelled.accuracy == Approx(static_cast<double>(correct) / 23));
}

TEST_CASE("fit data: CrossEntropy on logits trains exactly as with a final Softmax",
          "[training][cross_entropy]") {
  using Logits = Network<Input<2>, Dense<16>, ReLU, Dense<3>>;
  using Probabilities = Network<Input<2>, Dense<16>, ReLU, Dense<3>, Softmax>;
  Random rng(Seed{11});
  std::vector<float> xs(120 * 2);
  std::vector<std::uint32_t> labels(120);
  for (std::size_t i = 0; i < 120; ++i) {
    xs[2 * i] = static_cast<float>(rng.uniform(-1, 1));
    xs[2 * i + 1] = static_cast<float>(rng.uniform(-1, 1));
    labels[i] = xs[2 * i] > 0.3f ? 0 : (xs[2 * i + 1] > 0 ? 1 : 2);
  }
  const LabelledData<float, Shape<2>> data(xs, labels, 3);
  Logits a{Seed{5}};
  Probabilities b{Seed{5}};
  auto ta = make_trainer<CrossEntropy, Adam, Batch<12>>(a, Adam{.learning_rate = 0.02});
  auto tb = make_trainer<CrossEntropy, Adam, Batch<12>>(b, Adam{.learning_rate = 0.02});
  REQUIRE(same_dense(a, b));  // same seed, same initial weights
  // Step by step: the same loss values.
  for (std::size_t s = 0; s < 10; ++s) {
    const float la = ta.step(xs.data() + 24 * s, labels.data() + 12 * s);
    const float lb = tb.step(xs.data() + 24 * s, labels.data() + 12 * s);
    CHECK(la == lb);
  }
  // Through fit(): the same history and weights.
  const auto ha = ta.fit(data, Epochs{5}, quiet(), &data);
  const auto hb = tb.fit(data, Epochs{5}, quiet(), &data);
  for (std::size_t e = 0; e < 5; ++e) {
    CHECK(ha[e].loss == hb[e].loss);
    CHECK(ha[e].accuracy == hb[e].accuracy);
    CHECK(ha[e].val_loss == hb[e].val_loss);
    CHECK(ha[e].val_accuracy == hb[e].val_accuracy);
  }
  CHECK(same_dense(a, b));
  CHECK(ha.back().accuracy.value() > 0.8);
  // The outputs differ only by the Softmax: argmax (accuracy) is the same.
  const auto za = a(xs.data());
  const auto pb = b(xs.data());
  CHECK(argmax(za.flat()) == argmax(pb.flat()));
}

TEST_CASE("fit data: regression prints no accuracy and leaves the CSV accuracy fields empty",
          "[training][regression][csv]") {
  using Net = Network<Input<1>, Dense<8>, Tanh, Dense<1>>;
  std::vector<float> xs, ys, xv, yv;
  sine(40, xs, ys);
  sine(10, xv, yv);
  Net net{Seed{1}};
  auto trainer = make_trainer<MSE, SGD, Batch<8>>(net, SGD{.learning_rate = 0.1});
  const auto csv = std::filesystem::temp_directory_path() / "nerve_fit_regression.csv";
  std::ostringstream out;
  FitOptions options;
  options.out = &out;
  options.progress.style = ProgressStyle::lines;
  options.csv = csv;
  const auto history = trainer.fit(xs, ys, Epochs{3}, options, {xv, yv});
  REQUIRE(history.size() == 3);
  CHECK(history[2].val_loss.has_value());
  std::ifstream in(csv);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy,seconds");
  CHECK(lines[3].rfind("3,", 0) == 0);
  CHECK(lines[3].find(",,") != std::string::npos);  // accuracy empty
  const std::string text = out.str();
  CHECK(text.find("epoch 3/3  loss ") != std::string::npos);
  CHECK(text.find("val_loss") != std::string::npos);
  CHECK(text.find("acc") == std::string::npos);
  std::filesystem::remove(csv);

  // The bar leaves accuracy out as well.
  std::ostringstream bar_out;
  ProgressOptions bar_options;
  bar_options.style = ProgressStyle::bar;
  bar_options.columns = 100;
  Progress bar(bar_out, bar_options);
  bar.begin_epoch(1, 1, 2);
  bar.update(2, 0.25, std::nullopt, 16);
  CHECK(bar_out.str().find("loss 0.2500") != std::string::npos);
  CHECK(bar_out.str().find("acc") == std::string::npos);
}

TEST_CASE("fit data: counts that do not match are std::invalid_argument naming them",
          "[training][data]") {
  using Shape1 = Shape<1>;
  CHECK_THROWS_WITH((RegressionData<float, Shape<2>, Shape1>(std::vector<float>(5), std::vector<float>(2))),
                    "RegressionData: 5 values are not a whole number of samples of shape (2) (2 values each)");
  CHECK_THROWS_WITH((RegressionData<float, Shape<2>, Shape<3>>(std::vector<float>(4), std::vector<float>(5))),
                    "RegressionData: 5 target values for 2 samples of 3 targets each (6 needed)");
  const RegressionData<float, Shape<2>> ok(std::vector<float>(6), std::vector<float>(3));
  CHECK(ok.size() == 3);
  CHECK_THROWS_AS(ok.target(3), std::out_of_range);

  using Net = Network<Input<2>, Dense<4>, Dense<3>>;
  Net net;
  auto mse = make_trainer<MSE, SGD, Batch<2>>(net);
  std::vector<float> xs(8), ys(9);
  CHECK_THROWS_WITH(mse.fit(xs, ys, Epochs{1}, quiet()),
                    "Trainer::fit: 9 targets for 4 samples; the loss takes 3 per sample (12 needed)");
  std::vector<float> odd(7);
  CHECK_THROWS_WITH(mse.evaluate(odd, ys),
                    "Trainer::evaluate: 7 input values are not a whole number of samples of 2 values "
                    "(the network's input)");
  CHECK_THROWS_WITH(mse.fit(xs, std::vector<float>(12), Epochs{1}, quiet(), {xs, ys}),
                    "Trainer::fit (validation set): 9 targets for 4 samples; the loss takes 3 per "
                    "sample (12 needed)");

  auto ce = make_trainer<CrossEntropy, SGD, Batch<2>>(net);
  const std::vector<std::uint32_t> labels = {0, 1, 5, 2};
  CHECK_THROWS_WITH(ce.fit(xs, labels, Epochs{1}, quiet()),
                    "Trainer::fit: label 5 at index 2, but the network has 3 outputs");
  CHECK_THROWS_WITH(ce.fit(std::vector<float>(2), std::vector<std::uint32_t>{1}, Epochs{1}, quiet()),
                    Catch::Contains("fewer than one batch of 2"));
}

// PyTorch's nn.Embedding raises on an index outside its table; a forward pass here is noexcept
// and reads such a value as a row of zeros, so fit() and evaluate() check the ids first.
TEST_CASE("fit data: a value that is not a token id of the first layer is std::invalid_argument "
          "naming it", "[training][data][embedding]") {
  using Shape4 = Shape<4>;
  std::vector<float> ids = {0, 1, 2, 3, 4, 5, 0, 1};  // two samples of 4 steps, vocabulary 6
  const std::vector<std::uint32_t> labels = {0, 1};

  using Embedded = Network<Input<4>, Embedding<6, 3>, Flatten, Dense<2>>;
  Embedded net;
  auto trainer = make_trainer<CrossEntropy, SGD, Batch<2>>(net);
  CHECK_NOTHROW(trainer.fit(ids, labels, Epochs{1}, quiet()));
  ids[6] = 6;  // one past the vocabulary
  CHECK_THROWS_WITH(trainer.fit(ids, labels, Epochs{1}, quiet()),
                    "Trainer::fit: input value 6 (sample 1, step 2) is not a token id of "
                    "Embedding<6, 3>, which takes whole numbers from 0 to 5");
  ids[6] = 2.5f;
  CHECK_THROWS_WITH(trainer.evaluate(ids, labels),
                    "Trainer::evaluate: input value 2.5 (sample 1, step 2) is not a token id of "
                    "Embedding<6, 3>, which takes whole numbers from 0 to 5");
  ids[6] = 0;
  ids[0] = -1;
  const LabelledData<float, Shape4> data(ids, labels, 2);
  CHECK_THROWS_WITH(trainer.fit(data, Epochs{1}, quiet()),
                    Catch::Contains("input value -1 (sample 0, step 0) is not a token id"));
  ids[0] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> good = ids;
  good[0] = 0;
  CHECK_THROWS_WITH(trainer.fit(good, labels, Epochs{1}, quiet(), {ids, labels}),
                    Catch::Contains("Trainer::fit (validation set): input value nan (sample 0"));

  SECTION("a recurrent layer with OneHot: its vocabulary") {
    using Hot = Network<Input<4>, GRU<3, OneHot<5>, LastStep>, Dense<2>>;
    Hot hot;
    auto t = make_trainer<CrossEntropy, Adam, Batch<2>>(hot);
    std::vector<float> x = {0, 1, 2, 3, 4, 4, 0, 1};
    CHECK_NOTHROW(t.evaluate(x, labels));
    x[5] = 5;
    CHECK_THROWS_WITH(t.evaluate(x, labels),
                      "Trainer::evaluate: input value 5 (sample 1, step 1) is not a token id of "
                      "GRU<3, OneHot<5>, LastStep>, which takes whole numbers from 0 to 4");
  }
  SECTION("any other first layer takes any value") {
    using Plain = Network<Input<4>, Dense<2>>;
    Plain plain;
    auto t = make_trainer<CrossEntropy, SGD, Batch<2>>(plain);
    ids[0] = 1e9f;
    CHECK_NOTHROW(t.evaluate(ids, labels));
  }
}
