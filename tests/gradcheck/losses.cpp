// Every loss's derived gradient through whole networks, against central differences in double:
// MSE, Huber (both sides of delta, and a non-default delta), BCE fused (Dense + Sigmoid, Dense +
// Activation<sigmoid(x)>) and unfused, and CrossEntropy on logits (no Softmax) at widths 1, 7,
// 16 and 33.
#include <catch2/catch.hpp>

#include <nerve/loss/huber.hpp>

#include "support/network_check.hpp"

using namespace nerve;
using nerve::expr::x;
using nerve_test::gradcheck;
using nerve_test::random_inputs;

namespace {

constexpr double tolerance = 1e-5;

template <class Net, class Loss, std::size_t B, class Target>
nerve_test::gradcheck_result check(const Target* targets, std::uint64_t seed = 1) {
  Net net{Seed{seed}};
  Trainer<Net, Loss, SGD, Batch<B>> trainer(net);
  const auto X = random_inputs(B * Net::input_shape_t::size, seed + 100);
  const auto r = gradcheck(trainer, X, targets);
  INFO(Net::summary_string() << " with " << Loss::name);
  INFO("worst: " << r.worst_where);
  CHECK(r.checked > 0);
  CHECK(r.largest_gradient > 1e-4);
  CHECK(r.worst_relative_error < tolerance);
  return r;
}

const std::uint32_t labels[3] = {0, 2, 1};
// Targets in [0, 1] (BCE), or spread for regression.
const double values[3 * 33] = {0.1, 0.9, 0.3, 0.5, 0.2, 0.7, 0.05, 0.95, 0.4, 0.6, 0.33, 0.67,
                               0.8, 0.15, 0.25, 0.45, 0.55, 0.65, 0.75, 0.85, 0.35, 0.1, 0.2,
                               0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.12, 0.34, 0.56};

// Targets that put some outputs within delta of their target and others beyond it.
std::vector<double> huber_targets(std::size_t n) {
  std::vector<double> t(n);
  for (std::size_t k = 0; k < n; ++k) t[k] = (k % 3 == 0) ? 0.05 : (k % 3 == 1 ? 2.5 : -1.7);
  return t;
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("gradcheck: CrossEntropy on logits (no Softmax) at every width",
                       "[gradcheck][cross_entropy]", ((std::size_t N), N), 1, 7, 16, 33) {
  using Net = BasicNetwork<double, Input<5>, Dense<N>, Tanh, Dense<3>>;
  check<Net, CrossEntropy, 3>(labels);
  check<Net, CrossEntropy, 1>(labels);
  // N classes (one class has no gradient at all: softmax of one logit is 1).
  if constexpr (N > 1) {
    using Wide = BasicNetwork<double, Input<4>, Dense<7>, Tanh, Dense<N>>;
    const std::uint32_t wide_labels[3] = {0, static_cast<std::uint32_t>(N - 1),
                                          static_cast<std::uint32_t>(N / 2)};
    check<Wide, CrossEntropy, 3>(wide_labels, 2);
  }
}

TEMPLATE_TEST_CASE_SIG("gradcheck: MSE and Huber at every width", "[gradcheck][mse][huber]",
                       ((std::size_t N), N), 1, 7, 16, 33) {
  using Net = BasicNetwork<double, Input<6>, Dense<9>, Tanh, Dense<N>>;
  const auto t = huber_targets(3 * N);
  check<Net, MeanSquaredError, 3>(t.data());
  check<Net, Huber<>, 3>(t.data());
  check<Net, Huber<0.3>, 3>(t.data(), 5);
  check<Net, Huber<4>, 3>(t.data(), 6);  // every element inside delta: Huber is MSE / 2 there
}

TEST_CASE("gradcheck: Huber sees elements on both sides of delta", "[gradcheck][huber]") {
  // Outputs of a fresh net are small, the targets 0.05, 2.5 and -1.7: |d| is below 1 for the
  // first and above it for the others, so both branches of the derived gradient are checked.
  using Net = BasicNetwork<double, Input<6>, Dense<9>, Tanh, Dense<7>>;
  Net net{Seed{1}};
  const auto X = random_inputs(3 * 6, 101);
  const auto t = huber_targets(3 * 7);
  std::size_t inside = 0, outside = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto y = net(X.data() + i * 6);
    for (std::size_t j = 0; j < 7; ++j) (std::abs(y(j) - t[i * 7 + j]) < 1 ? inside : outside)++;
  }
  CHECK(inside > 3);
  CHECK(outside > 3);
}

TEMPLATE_TEST_CASE_SIG("gradcheck: BCE fused after Dense + Sigmoid and Dense + Activation<sigmoid(x)>",
                       "[gradcheck][bce]", ((std::size_t N), N), 1, 7, 16, 33) {
  using Fused = BasicNetwork<double, Input<7>, Dense<16>, ReLU, Dense<N>, Sigmoid>;
  using FusedExpr = BasicNetwork<double, Input<7>, Dense<16>, ReLU, Dense<N>,
                                 Activation<expr::sigmoid(x)>>;
  check<Fused, BinaryCrossEntropy, 3>(values);
  check<FusedExpr, BinaryCrossEntropy, 3>(values);
}

TEST_CASE("gradcheck: BCE unfused (after another activation, or after an element-wise group)",
          "[gradcheck][bce]") {
  using AfterTanh = BasicNetwork<double, Input<7>, Dense<5>, Tanh, Sigmoid>;
  using AfterTanhExpr = BasicNetwork<double, Input<7>, Dense<33>, Tanh, Activation<expr::sigmoid(x)>>;
  using AfterFlatten = BasicNetwork<double, Input<8>, Dense<7>, Flatten, Sigmoid>;
  check<AfterTanh, BinaryCrossEntropy, 3>(values);
  check<AfterTanhExpr, BinaryCrossEntropy, 3>(values, 2);
  check<AfterFlatten, BinaryCrossEntropy, 3>(values, 3);
}
