// Sequence networks over time: stateful stepping (step() equal to the unrolled forward pass, and
// reset), truncated backpropagation through time (carry_state: equal to full BPTT when one window
// covers the sequence; windows carried end to end equal one long pass), gradient clipping by
// global norm (torch.nn.utils.clip_grad_norm_'s rule), per-step labels through fit(), and a small
// sequence task learnt end to end (Embedding, LSTM, Dense and Softmax at every step).
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

using namespace nerve;

namespace {

std::vector<float> wave(std::size_t n, float phase) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(0.37f * static_cast<float>(i) + phase);
  return v;
}

// step() fed x one step at a time gives the rows of the whole-sequence output, in order.
template <class Net>
void check_stepping(std::uint64_t seed) {
  constexpr std::size_t S = Net::input_shape_t::dims[0];
  constexpr std::size_t F = Net::input_shape_t::size / S;
  constexpr std::size_t O = Net::output_shape_t::size / S;
  const Net net{Seed{seed}};
  const auto x = wave(Net::input_shape_t::size, 0.1f * static_cast<float>(seed));
  typename Net::template Workspace<1> ws;
  const auto y = net(x.data(), ws);
  typename Net::StepState state;
  for (int round = 0; round < 2; ++round) {  // the second time after reset(): the same again
    for (std::size_t t = 0; t < S; ++t) {
      const auto out = net.step(x.data() + t * F, state);
      for (std::size_t j = 0; j < O; ++j) CHECK(out.data()[j] == Approx(y.data()[t * O + j]).margin(1e-6));
    }
    state.reset();
  }
}

}  // namespace

TEST_CASE("step(): one step at a time equals the whole sequence, for every cell", "[recurrent][step]") {
  check_stepping<Network<Input<6, 3>, LSTM<5>, Dense<4>, Softmax>>(1);
  check_stepping<Network<Input<6, 3>, GRU<17>, Dense<2>>>(2);
  check_stepping<Network<Input<9, 1>, SimpleRNN<7>, LSTM<3>, GRU<4>>>(3);
}

TEST_CASE("step(): a language model fed token ids one at a time", "[recurrent][step][embedding]") {
  using LM = Network<Input<8>, Embedding<11, 6>, LSTM<9>, Dense<11>, Softmax>;
  const LM lm{Seed{4}};
  const std::vector<float> ids = {3, 1, 4, 1, 5, 9, 2, 6};
  LM::Workspace<1> ws;
  const auto y = lm(ids.data(), ws);
  LM::StepState state;
  for (std::size_t t = 0; t < 8; ++t) {
    const auto p = lm.step(&ids[t], state);
    STATIC_REQUIRE(decltype(p)::shape_type::size == 11);
    for (std::size_t j = 0; j < 11; ++j) CHECK(p.data()[j] == Approx(y(t, j)).margin(1e-6));
  }
  // A fresh state and a reset one give the same first step.
  LM::StepState fresh;
  state.reset();
  const float first = lm.step(&ids[0], fresh)(0, 2);
  CHECK(lm.step(&ids[0], state)(0, 2) == first);
}

TEST_CASE("truncated BPTT: one window covering the sequence is full BPTT", "[recurrent][truncated]") {
  using Net = BasicNetwork<double, Input<5, 2>, GRU<4>, Dense<3>, Softmax>;
  Net a{Seed{5}}, b{Seed{5}};
  Trainer<Net, CrossEntropy, SGD, Batch<2>> full(a), windowed(b);
  windowed.carry_state(true);
  std::vector<double> x(20);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.3 * static_cast<double>(i));
  const std::uint32_t labels[10] = {0, 1, 2, 0, 1, 2, 2, 1, 0, 0};
  windowed.reset_state();
  const double la = full.compute_gradients(x.data(), labels);
  const double lb = windowed.compute_gradients(x.data(), labels);
  CHECK(la == lb);
  const auto& ga = std::get<1>(full.gradients());
  const auto& gb = std::get<1>(windowed.gradients());
  for (std::size_t e = 0; e < ga.weight_hh.size; ++e) CHECK(ga.weight_hh.data()[e] == gb.weight_hh.data()[e]);
  for (std::size_t e = 0; e < ga.weight_ih.size; ++e) CHECK(ga.weight_ih.data()[e] == gb.weight_ih.data()[e]);
}

TEST_CASE("truncated BPTT: windows carried end to end equal one long pass", "[recurrent][truncated]") {
  // Two streams (batch rows) of 12 steps as three windows of 4: each window starts where the
  // last ended, so the outputs are those of a 12-step network on the whole streams.
  using Window = Network<Input<4, 2>, LSTM<6>, Dense<3>>;
  using Whole = Network<Input<12, 2>, LSTM<6>, Dense<3>>;
  Window w{Seed{6}};
  Whole whole{Seed{6}};  // the same parameters: they do not depend on the length
  std::vector<float> streams = wave(2 * 24, 0.5f);
  Whole::Workspace<2> ws;
  Tensor<float, Shape<2, 12, 2>> X;
  std::copy(streams.begin(), streams.end(), X.data());
  const auto y = whole(X, ws);
  Trainer<Window, MSE, SGD, Batch<2>> trainer(w);
  trainer.carry_state(true);
  for (std::size_t k = 0; k < 3; ++k) {
    Tensor<float, Shape<2, 8>> rows;
    for (std::size_t b = 0; b < 2; ++b)
      std::copy_n(streams.data() + b * 24 + k * 8, 8, rows.data() + b * 8);
    const float* out = trainer.forward(rows.data(), 8);
    for (std::size_t b = 0; b < 2; ++b)
      for (std::size_t j = 0; j < 12; ++j)
        CHECK(out[b * decltype(trainer)::ld_output() + j] == Approx(y(b, 4 * k + j / 3, j % 3)).margin(1e-5));
  }
  // Off again: every window starts from zero, so the second window differs from the carried one.
  trainer.carry_state(false);
  Tensor<float, Shape<2, 8>> rows;
  for (std::size_t b = 0; b < 2; ++b) std::copy_n(streams.data() + b * 24 + 8, 8, rows.data() + b * 8);
  const float* out = trainer.forward(rows.data(), 8);
  CHECK(std::abs(out[0] - y(0, 4, 0)) > 1e-4);
}

TEST_CASE("gradient clipping by global norm", "[recurrent][clipping]") {
  using Net = BasicNetwork<double, Input<6, 3>, LSTM<4>, Dense<2>, Softmax>;
  std::vector<double> x(2 * 18);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 3 * std::sin(1.7 * static_cast<double>(i));
  const std::uint32_t labels[12] = {0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0};
  Net reference{Seed{7}};
  Trainer<Net, CrossEntropy, SGD, Batch<2>> probe(reference, SGD{.learning_rate = 1.0});
  probe.compute_gradients(x.data(), labels);
  double norm = 0;
  probe.gradients();
  std::apply([&](const auto&... g) {
    (g.for_each([&](const char*, const auto& t) {
      for (const double v : t.flat()) norm += v * v;
    }), ...);
  }, probe.gradients());
  norm = std::sqrt(norm);
  REQUIRE(norm > 0.1);

  for (const double max_norm : {norm / 4, 10 * norm}) {
    Net net{Seed{7}};
    Trainer<Net, CrossEntropy, SGD, Batch<2>> trainer(net, SGD{.learning_rate = 1.0});
    trainer.clip_gradients(max_norm);
    trainer.step(x.data(), labels);
    CHECK(trainer.last_gradient_norm() == Approx(norm).epsilon(1e-12));
    // SGD with rate 1: the change of each parameter is minus its (clipped) gradient.
    const double scale = max_norm < norm ? max_norm / (norm + 1e-6) : 1.0;
    const auto& before = std::get<1>(reference.parameter_arrays());
    const auto& after = std::get<1>(net.parameter_arrays());
    const auto& g = std::get<1>(probe.gradients());
    for (std::size_t e = 0; e < before.weight_hh.size; ++e) {
      CHECK(after.weight_hh.data()[e] ==
            Approx(before.weight_hh.data()[e] - scale * g.weight_hh.data()[e]).margin(1e-12));
    }
  }
  Net net{Seed{7}};
  Trainer<Net, CrossEntropy, SGD, Batch<2>> trainer(net);
  CHECK_THROWS_WITH(trainer.clip_gradients(-1.0),
                    "Trainer::clip_gradients: max_norm must be 0 (off) or positive, not -1.000000");
}

TEST_CASE("a sequence task learnt end to end: repeat the token of two steps before",
          "[recurrent][training]") {
  // Tokens 0..5 in, at every step the token of two steps earlier out (0 for the first two): the
  // LSTM must hold two tokens in its state. Labels per step go through fit() as targets, and
  // accuracy is counted per step.
  constexpr std::size_t S = 10, V = 6, N = 512;
  using Net = Network<Input<S>, Embedding<V, 8>, LSTM<24>, Dense<V>, Softmax>;
  Random rng(Seed{8});
  std::vector<float> inputs(N * S);
  std::vector<std::uint32_t> targets(N * S);
  for (std::size_t n = 0; n < N; ++n) {
    for (std::size_t t = 0; t < S; ++t) {
      const auto token = static_cast<std::uint32_t>(rng.uniform() * V) % V;
      inputs[n * S + t] = static_cast<float>(token);
      targets[n * S + t] = t >= 2 ? static_cast<std::uint32_t>(inputs[n * S + t - 2]) : 0;
    }
  }
  Net net{Seed{9}};
  Trainer<Net, CrossEntropy, Adam, Batch<16>> trainer(net, Adam{.learning_rate = 0.01});
  FitOptions quiet;
  std::ostringstream sink;
  quiet.out = &sink;
  trainer.fit(std::span<const float>(inputs), std::span<const std::uint32_t>(targets), Epochs{12}, quiet);
  const Evaluation e = trainer.evaluate(std::span<const float>(inputs), std::span<const std::uint32_t>(targets));
  REQUIRE(e.has_accuracy);
  CHECK(e.accuracy > 0.97);
  // A label past the classes of a step is refused with the step's size in the message.
  targets[5] = 6;
  CHECK_THROWS_WITH(trainer.evaluate(std::span<const float>(inputs), std::span<const std::uint32_t>(targets)),
                    "Trainer::evaluate: label 6 at index 5, but the network has 6 outputs per step");
}

TEST_CASE("CrossEntropy: one label per step only for a sequence output", "[recurrent][loss]") {
  // A (steps, classes) output is steps classifications; any other shape (a vector, a
  // convolution's (C, 1, 1)) is one classification over all of it.
  using Seq = Network<Input<5, 2>, GRU<3>, Dense<4>>;
  using Fcn = Network<Input<1, 4, 4>, Conv2D<3, Kernel<4, 4>>>;
  STATIC_REQUIRE(Trainer<Seq, CrossEntropy, SGD, Batch<2>>::targets_per_sample == 5);
  STATIC_REQUIRE(Trainer<Fcn, CrossEntropy, SGD, Batch<2>>::targets_per_sample == 1);
  Fcn net{Seed{1}};
  Trainer<Fcn, CrossEntropy, SGD, Batch<2>> trainer(net);
  std::vector<float> x(32, 0.5f);
  const std::uint32_t labels[2] = {2, 0};
  CHECK(trainer.step(x.data(), labels) > 0.5f);  // about log 3, not 0
}

TEST_CASE("carry_state with fit() is refused: fit() shuffles the streams' windows", "[recurrent][truncated]") {
  using Net = Network<Input<4, 1>, LSTM<3>, Dense<2>>;
  Net net;
  Trainer<Net, CrossEntropy, SGD, Batch<2>> trainer(net);
  trainer.carry_state(true);
  std::vector<float> x(8, 0.f);
  std::vector<std::uint32_t> y(8, 0);
  CHECK_THROWS_WITH(trainer.fit(std::span<const float>(x), std::span<const std::uint32_t>(y), Epochs{1}),
                    Catch::StartsWith("Trainer::fit: carry_state(true) needs the streams' windows in order"));
}
