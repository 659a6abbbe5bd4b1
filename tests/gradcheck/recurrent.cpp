// Backpropagation through time against central differences, in double, for every recurrent cell
// (SimpleRNN, LSTM, GRU) and Embedding: sequence lengths 1, 2 and 7, odd input and hidden sizes
// (hidden 17 has SIMD bodies and a scalar tail; hidden 16 gives gate rows with no padding),
// batches 1 and 3, a loss at every step (Dense and Softmax applied per step, cross-entropy over
// all steps) and at the last step only (LastStep, MSE); token ids read as one-hot rows (OneHot);
// stacked layers (the lower layer's gradients go through the upper one's dx); the input gradient
// of a sequence network; and gradients through a carried initial state.
#include <catch2/catch.hpp>

#include "support/check_gradients.hpp"

#include "../../examples/user_layers/coupled_lstm.hpp"

#include <cmath>
#include <vector>

using namespace nerve;
using nerve_test::gradcheck;
using nerve_test::random_inputs;

namespace {

constexpr double tolerance = 1e-5;

// Labels 0..classes-1 for every step of every sample.
std::vector<std::uint32_t> step_labels(std::size_t n, std::uint32_t classes, std::uint64_t seed) {
  Random rng(Seed{seed});
  std::vector<std::uint32_t> v(n);
  for (auto& l : v) l = static_cast<std::uint32_t>(rng.uniform() * classes) % classes;
  return v;
}

// Every step's output classified: Cell<H> then Dense<4>, Softmax, cross-entropy at every step.
template <template <long, class...> class Cell, std::size_t S, std::size_t I, std::size_t H,
          std::size_t B>
void every_step(std::uint64_t seed) {
  using Net = BasicNetwork<double, Input<S, I>, Cell<H>, Dense<4>, Softmax>;
  const auto labels = step_labels(B * S, 4, seed);
  nerve_test::check_gradients<Net, CrossEntropy, B>(labels.data(), seed, nerve_test::leave_as_is{},
                                                   tolerance);
}

// Only the last step's h reaches the loss: Cell<H, LastStep>, MSE against random targets.
template <template <long, class...> class Cell, std::size_t S, std::size_t I, std::size_t H,
          std::size_t B>
void last_step(std::uint64_t seed) {
  using Net = BasicNetwork<double, Input<S, I>, Cell<H, LastStep>>;
  const auto targets = random_inputs(B * H, seed + 7);
  nerve_test::check_gradients<Net, MSE, B>(targets.data(), seed, nerve_test::leave_as_is{},
                                           tolerance);
}

template <template <long, class...> class Cell>
void every_shape(std::uint64_t seed) {
  every_step<Cell, 1, 3, 5, 3>(seed);
  every_step<Cell, 2, 3, 5, 1>(seed + 1);
  every_step<Cell, 7, 3, 5, 3>(seed + 2);
  every_step<Cell, 7, 1, 17, 1>(seed + 3);
  every_step<Cell, 3, 2, 16, 3>(seed + 8);  // G * 16 gate rows: no padding (dW_hh reads dr in place)
  last_step<Cell, 1, 5, 3, 1>(seed + 4);
  last_step<Cell, 2, 5, 3, 3>(seed + 5);
  last_step<Cell, 7, 5, 3, 3>(seed + 6);
  last_step<Cell, 7, 2, 17, 1>(seed + 7);
}

}  // namespace

TEST_CASE("gradcheck: SimpleRNN through time", "[gradcheck][recurrent]") { every_shape<SimpleRNN>(10); }
TEST_CASE("gradcheck: LSTM through time", "[gradcheck][recurrent]") { every_shape<LSTM>(20); }
TEST_CASE("gradcheck: GRU through time", "[gradcheck][recurrent]") { every_shape<GRU>(30); }

TEST_CASE("gradcheck: stacked recurrent layers (dx of the upper layer trains the lower one)",
          "[gradcheck][recurrent]") {
  using Net = BasicNetwork<double, Input<7, 3>, SimpleRNN<5>, GRU<4>, LSTM<3, LastStep>, Dense<2>, Softmax>;
  const std::uint32_t labels[3] = {1, 0, 1};
  nerve_test::check_gradients<Net, CrossEntropy, 3>(labels, 40, nerve_test::leave_as_is{}, tolerance);
}

TEST_CASE("gradcheck: Embedding, a table row per token id, then a GRU", "[gradcheck][embedding]") {
  using Net = BasicNetwork<double, Input<7>, Embedding<6, 4>, GRU<5>, Dense<6>, Softmax>;
  Net net{Seed{50}};
  Trainer<Net, CrossEntropy, SGD, Batch<3>> trainer(net);
  // Ids, one repeated within and across samples (its rows' gradients add), one out of range (7:
  // a zero vector, no gradient), one not an integer (2.5: the same).
  const std::vector<double> ids = {0, 1, 2, 3, 4, 5, 1, 1, 1, 0, 7, 2, 2.5, 5, 3, 3, 3, 3, 0, 0, 1};
  const auto labels = step_labels(3 * 7, 6, 51);
  const auto r = gradcheck(trainer, ids, labels.data());
  INFO("worst: " << r.worst_where);
  CHECK(r.checked > 0);
  CHECK(r.worst_relative_error < tolerance);
}

TEST_CASE("gradcheck: token ids read as one-hot rows (OneHot<V>), every step and the last step",
          "[gradcheck][recurrent][one-hot]") {
  // Ids as in the Embedding case: one repeated (its rows of dW_ih add), 7 out of range and 2.5
  // not an integer (a row of zeros: no gradient).
  const std::vector<double> ids = {0, 1, 2, 3, 4, 5, 1, 1, 1, 0, 7, 2, 2.5, 5, 3, 3, 3, 3, 0, 0, 1};
  {
    using Net = BasicNetwork<double, Input<7>, LSTM<5, OneHot<6>>, Dense<6>, Softmax>;
    Net net{Seed{55}};
    Trainer<Net, CrossEntropy, SGD, Batch<3>> trainer(net);
    const auto labels = step_labels(3 * 7, 6, 56);
    const auto r = gradcheck(trainer, ids, labels.data());
    INFO("worst: " << r.worst_where);
    CHECK(r.checked > 0);
    CHECK(r.worst_relative_error < tolerance);
  }
  {
    using Net = BasicNetwork<double, Input<7>, GRU<17, OneHot<6>, LastStep>, Dense<2>, Softmax>;
    Net net{Seed{57}};
    Trainer<Net, CrossEntropy, SGD, Batch<3>> trainer(net);
    const std::uint32_t labels[3] = {1, 0, 1};
    const auto r = gradcheck(trainer, ids, labels);
    INFO("worst: " << r.worst_where);
    CHECK(r.checked > 0);
    CHECK(r.worst_relative_error < tolerance);
  }
}

TEST_CASE("gradcheck: the input gradient of a sequence network", "[gradcheck][recurrent]") {
  using Net = BasicNetwork<double, Input<5, 3>, LSTM<4>, Dense<2>, Tanh>;
  const Net net{Seed{60}};
  Net::GradientWorkspace<2> ws;
  const auto X = random_inputs(2 * 15, 61);
  const auto dY = random_inputs(2 * 10, 62);
  const auto dX = net.input_gradient<2>(X.data(), dY.data(), ws);
  Net::Workspace<2> fws;
  const auto loss = [&](const std::vector<double>& x) {
    Tensor<double, Shape<2, 5, 3>> t;
    std::copy(x.begin(), x.end(), t.data());
    const auto y = net(t, fws);
    double s = 0;
    for (std::size_t i = 0; i < 20; ++i) s += y.data()[i] * dY[i];
    return s;
  };
  double worst = 0;
  for (std::size_t e = 0; e < X.size(); ++e) {
    auto up = X, down = X;
    up[e] += 1e-6;
    down[e] -= 1e-6;
    const double fd = (loss(up) - loss(down)) / 2e-6;
    const double g = dX.data()[e];
    worst = std::max(worst, std::abs(fd - g) / std::max(std::abs(fd) + std::abs(g), 1e-4));
  }
  CHECK(worst < tolerance);
}

TEST_CASE("gradcheck: a window that starts from a carried state (truncated BPTT)",
          "[gradcheck][recurrent][truncated]") {
  // The second window starts from the state the first one left; its gradients are those of the
  // second window's loss with that initial state held constant (no gradient flows back into the
  // first window). The finite differences hold it constant too: the first window runs with the
  // weights unperturbed, then one weight moves for the second.
  using Net = BasicNetwork<double, Input<4, 3>, LSTM<5>, Dense<3>, Softmax>;
  Net net{Seed{70}};
  const auto first = random_inputs(2 * 12, 71);
  const auto second = random_inputs(2 * 12, 72);
  const auto labels = step_labels(2 * 4, 3, 73);
  Trainer<Net, CrossEntropy, SGD, Batch<2>> trainer(net);
  trainer.carry_state(true);
  trainer.batch_loss(first.data(), 12, labels.data(), nullptr);
  trainer.compute_gradients(second.data(), 12, labels.data());
  const auto grads = trainer.gradients();
  const auto second_loss = [&](double* p, double value) {
    Trainer<Net, CrossEntropy, SGD, Batch<2>> t(net);
    t.carry_state(true);
    t.batch_loss(first.data(), 12, labels.data(), nullptr);
    const double old = *p;
    *p = value;
    const double loss = t.batch_loss(second.data(), 12, labels.data(), nullptr);
    *p = old;
    return loss;
  };
  std::vector<const double*> gradient_arrays;
  nerve_test::for_each_array(grads, [&](std::size_t, std::size_t, const auto& t) {
    gradient_arrays.push_back(t.data());
  });
  double worst = 0, largest = 0;
  std::size_t n = 0, a = 0;
  nerve_test::for_each_array(net.parameter_arrays(), [&](std::size_t, std::size_t, auto& t) {
    const double* g = gradient_arrays[a++];
    for (std::size_t e = 0; e < t.size; e += 3) {
      double* p = t.data() + e;
      const double fd = (second_loss(p, *p + 1e-6) - second_loss(p, *p - 1e-6)) / 2e-6;
      largest = std::max(largest, std::abs(g[e]));
      const double scale = std::abs(fd) + std::abs(g[e]);
      if (scale < 1e-7) continue;
      ++n;
      worst = std::max(worst, std::abs(fd - g[e]) / std::max(scale, 1e-4));
    }
  });
  CHECK(n > 0);
  CHECK(largest > 1e-4);
  CHECK(worst < tolerance);
}

TEST_CASE("gradcheck: a user's own cell (coupled-gate LSTM, examples/user_layers), derived",
          "[gradcheck][recurrent][user-layer]") {
  every_shape<user::CoupledLSTM>(80);
}
