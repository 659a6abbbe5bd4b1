// Metrics of a training loop: argmax, running mean, accuracy, confusion matrix.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nerve/train/metrics.hpp>
#include <span>
#include <stdexcept>
#include <vector>

using namespace nerve;

TEST_CASE("argmax: index of the largest value, the first on ties, NaN never wins",
          "[train][metrics]") {
  const std::array<float, 5> a{0.1f, 0.7f, -2.f, 0.7f, 0.3f};
  CHECK(argmax(std::span<const float>(a)) == 1);
  CHECK(argmax(a) == 1);
  const std::vector<double> v{-3, -1, -2};
  CHECK(argmax(v) == 1);
  CHECK(argmax(std::span<const double, 3>(v.data(), 3)) == 1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(argmax(std::vector<double>{nan, 0.2, 0.5, nan, 0.4}) == 2);
  CHECK(argmax(std::vector<double>{0.2, nan, 0.1}) == 0);
  CHECK(argmax(std::vector<double>{nan, nan}) == 0);
  CHECK(argmax(std::vector<double>{}) == 0);
  CHECK(argmax(std::vector<float>{-std::numeric_limits<float>::infinity(), -1e30f}) == 1);
  // Against a plain loop on many small vectors.
  for (int k = 0; k < 50; ++k) {
    std::vector<double> x(10);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(1.7 * double(i) * (k + 1) + k);
    std::size_t best = 0;
    for (std::size_t i = 1; i < x.size(); ++i)
      if (x[i] > x[best]) best = i;
    CHECK(argmax(x) == best);
  }
}

TEST_CASE("RunningMean: mean of single values and of weighted batch means", "[train][metrics]") {
  RunningMean m;
  CHECK(m.mean() == 0);
  CHECK(m.count() == 0);
  m.add(1);
  m.add(2);
  m.add(6);
  CHECK(m.mean() == Approx(3));
  CHECK(m.count() == 3);
  m.reset();
  m.add(0.5, 64);  // a batch of 64 with mean loss 0.5
  m.add(2.0, 16);  // a last, smaller batch
  CHECK(m.mean() == Approx((0.5 * 64 + 2.0 * 16) / 80));
  CHECK(m.count() == 80);
  // Sums in double: 60,000 float losses of 0.1 average to 0.1 within 1e-9.
  RunningMean many;
  for (int i = 0; i < 60000; ++i) many.add(0.1f);
  CHECK(many.mean() == Approx(double(0.1f)).epsilon(1e-9));
}

TEST_CASE("Accuracy: fraction of predictions equal to their label", "[train][metrics]") {
  Accuracy a;
  CHECK(a.value() == 0);
  a.add(3, 3);
  a.add(1, 2);
  a.add(std::array<float, 4>{0.1f, 0.2f, 0.6f, 0.1f}, 2);  // argmax 2: correct
  a.add(std::vector<double>{5, 1, 0}, 1);                  // argmax 0: wrong
  CHECK(a.correct() == 2);
  CHECK(a.total() == 4);
  CHECK(a.value() == Approx(0.5));
  a.add_counts(6, 6);
  CHECK(a.value() == Approx(0.8));
  a.reset();
  CHECK(a.total() == 0);
}

TEST_CASE("ConfusionMatrix: counts by (label, predicted), accuracy, precision, recall",
          "[train][metrics]") {
  ConfusionMatrix<3> cm;
  STATIC_REQUIRE(ConfusionMatrix<3>::classes == 3);
  // labels:     0 0 0 1 1 2 2 2
  // predicted:  0 0 1 1 2 2 2 0
  const std::array<std::size_t, 8> labels{0, 0, 0, 1, 1, 2, 2, 2};
  const std::array<std::size_t, 8> predicted{0, 0, 1, 1, 2, 2, 2, 0};
  for (std::size_t i = 0; i < 8; ++i) cm.add(labels[i], predicted[i]);
  CHECK(cm(0, 0) == 2);
  CHECK(cm(0, 1) == 1);
  CHECK(cm(1, 1) == 1);
  CHECK(cm(1, 2) == 1);
  CHECK(cm(2, 2) == 2);
  CHECK(cm(2, 0) == 1);
  CHECK(cm(1, 0) == 0);
  CHECK(cm.total() == 8);
  CHECK(cm.accuracy() == Approx(5.0 / 8));
  CHECK(cm.recall(0) == Approx(2.0 / 3));
  CHECK(cm.recall(1) == Approx(1.0 / 2));
  CHECK(cm.precision(0) == Approx(2.0 / 3));  // predicted 0: labels 0, 0, 2
  CHECK(cm.precision(2) == Approx(2.0 / 3));  // predicted 2: labels 1, 2, 2
  cm.add_scores(std::array<float, 3>{0, 0, 9}, 1);
  CHECK(cm(1, 2) == 2);
  CHECK_THROWS_WITH(cm.add(3, 0),
                    "ConfusionMatrix<3>::add: class 3 is out of range; classes are 0 to 2");
  CHECK_THROWS_AS(cm.add(0, 7), std::out_of_range);
  CHECK(cm.total() == 9);
  cm.reset();
  CHECK(cm.total() == 0);
  CHECK(cm(0, 0) == 0);
  CHECK(cm.recall(1) == 0);
  CHECK(cm.precision(1) == 0);
}
