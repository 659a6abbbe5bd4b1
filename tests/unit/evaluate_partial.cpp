// evaluate() when the data set is not a whole number of batches: the last batch is only partly
// filled (evaluate pads it with copies of its first sample, which must count for nothing), or the
// whole set is smaller than one batch. Loss and accuracy against a plain loop over the samples one
// at a time (net(x), batch 1), for the paths tests/unit/fit_data.cpp does not take: cross-entropy
// fused with a final Softmax, binary cross-entropy fused with a final Sigmoid (accuracy by
// p > 0.5), and a sequence output (one classification per step) whose accuracy counts steps.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

using namespace nerve;

namespace {

std::vector<float> random_values(std::size_t n, std::uint64_t seed) {
  Random rng(Seed{seed});
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(-2, 2));
  return v;
}

std::vector<std::uint32_t> random_labels(std::size_t n, std::uint32_t classes, std::uint64_t seed) {
  Random rng(Seed{seed});
  std::vector<std::uint32_t> v(n);
  for (auto& x : v) x = static_cast<std::uint32_t>(rng.below(classes));
  return v;
}

}  // namespace

TEST_CASE("evaluate: softmax cross-entropy over a partial last batch, against a plain loop",
          "[training][evaluate]") {
  using Net = Network<Input<4>, Dense<8>, Tanh, Dense<3>, Softmax>;
  Net net{Seed{21}};
  auto trainer = make_trainer<CrossEntropy, SGD, Batch<8>>(net);
  // 23 = 2 batches and 7 (one padding row), 5 (< one batch: 3 padding rows), 17 (7 padding
  // rows), 16 (whole batches, no padding).
  for (const std::size_t n : {23u, 5u, 17u, 16u}) {
    const auto xs = random_values(n * 4, 100 + n);
    const auto labels = random_labels(n, 3, 200 + n);
    double loss = 0;
    std::size_t correct = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto p = net(xs.data() + 4 * i);
      loss -= std::log(static_cast<double>(p(labels[i])));
      correct += argmax(p.flat()) == labels[i];
    }
    INFO(n << " samples, batches of 8: " << correct << " right");
    REQUIRE(correct > 0);  // an accuracy of 0 or 1 would hide padding counted in it
    REQUIRE(correct < n);
    const Evaluation e = trainer.evaluate(LabelledData<float, Shape<4>>(xs, labels, 3));
    CHECK(e.samples == n);
    CHECK(e.has_accuracy);
    CHECK(e.loss == Approx(loss / static_cast<double>(n)).epsilon(1e-5));
    CHECK(e.accuracy == Approx(static_cast<double>(correct) / static_cast<double>(n)).epsilon(1e-12));
    // the same through spans of the caller's vectors
    const Evaluation s = trainer.evaluate(std::span<const float>(xs), std::span<const std::uint32_t>(labels));
    CHECK(s.loss == Approx(e.loss).epsilon(1e-12));
    CHECK(s.accuracy == e.accuracy);
  }
}

TEST_CASE("evaluate: binary cross-entropy after a Sigmoid over a partial last batch", "[training][evaluate]") {
  using Net = Network<Input<3>, Dense<6>, ReLU, Dense<1>, Sigmoid>;
  Net net{Seed{22}};
  auto trainer = make_trainer<BinaryCrossEntropy, SGD, Batch<5>>(net);
  for (const std::size_t n : {13u, 3u}) {  // the last batch holds 3 of 5
    const auto xs = random_values(n * 3, 300 + n);
    const auto labels = random_labels(n, 2, 400 + n);
    double loss = 0;
    std::size_t correct = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double p = net(xs.data() + 3 * i)(0);
      const double t = labels[i];
      loss -= t * std::log(p) + (1 - t) * std::log(1 - p);
      correct += (p > 0.5 ? 1u : 0u) == labels[i];
    }
    INFO(n << " samples, batches of 5: " << correct << " right");
    REQUIRE(correct > 0);
    REQUIRE(correct < n);
    const Evaluation e = trainer.evaluate(LabelledData<float, Shape<3>>(xs, labels, 2));
    CHECK(e.samples == n);
    CHECK(e.loss == Approx(loss / static_cast<double>(n)).epsilon(1e-5));
    CHECK(e.accuracy == Approx(static_cast<double>(correct) / static_cast<double>(n)).epsilon(1e-12));
  }
}

TEST_CASE("evaluate: a sequence output over a partial last batch counts every step once",
          "[training][evaluate][recurrent]") {
  // (steps 6, features 3) -> GRU -> Dense + Softmax at every step: 6 classifications per sample.
  constexpr std::size_t S = 6, F = 3, C = 4;
  using Net = Network<Input<S, F>, GRU<5>, Dense<C>, Softmax>;
  Net net{Seed{23}};
  auto trainer = make_trainer<CrossEntropy, SGD, Batch<4>>(net);
  const std::size_t n = 6;  // one batch of 4 and one of 2 (two padding rows)
  const auto xs = random_values(n * S * F, 500);
  const auto targets = random_labels(n * S, C, 501);
  double loss = 0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto p = net(xs.data() + i * S * F);
    for (std::size_t s = 0; s < S; ++s) {
      const std::uint32_t label = targets[i * S + s];
      loss -= std::log(static_cast<double>(p(s, label)));
      std::size_t best = 0;
      for (std::size_t j = 1; j < C; ++j) best = p(s, j) > p(s, best) ? j : best;
      correct += best == label;
    }
  }
  INFO(correct << " of " << n * S << " steps right");
  REQUIRE(correct > 0);
  REQUIRE(correct < n * S);
  const Evaluation e = trainer.evaluate(std::span<const float>(xs), std::span<const std::uint32_t>(targets));
  CHECK(e.samples == n);
  CHECK(e.loss == Approx(loss / static_cast<double>(n * S)).epsilon(1e-5));
  CHECK(e.accuracy == Approx(static_cast<double>(correct) / static_cast<double>(n * S)).epsilon(1e-12));
}
