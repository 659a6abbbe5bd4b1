// Trainer::check_finite: a NaN or an infinity in a training step is reported with the entry
// where it first appeared (position and name as summary() gives them), what it was (input,
// forward output, loss, gradient, updated parameter) and the step's number; off, nothing is
// checked and nothing is thrown.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

using namespace nerve;
using nerve::expr::x;

namespace {

constexpr float not_a_number = std::numeric_limits<float>::quiet_NaN();

// The report of the step, or none when it did not throw.
template <class Trainer, class Target>
std::optional<NonFinite> step_report(Trainer& trainer, const float* X, const Target* targets) {
  try {
    trainer.step(X, targets);
  } catch (const non_finite_error& e) {
    return e.report();
  }
  return std::nullopt;
}

template <class Net>
bool all_parameters_finite(const Net& net) {
  bool finite = true;
  net.for_each_parameter([&](std::size_t, const char*, const auto& t) {
    for (const auto v : t.flat()) finite = finite && std::isfinite(v);
  });
  return finite;
}

using Mlp = Network<Input<6>, Dense<8>, ReLU, Dense<5>, Tanh, Dense<3>, Softmax>;
const std::uint32_t labels[4] = {0, 1, 2, 1};

std::vector<float> inputs(std::size_t n) {
  std::vector<float> X(n);
  for (std::size_t i = 0; i < n; ++i) X[i] = std::sin(0.7f * static_cast<float>(i));
  return X;
}

}  // namespace

TEST_CASE("check_finite: a NaN in the input is reported as the input, with the sample's element",
          "[finite]") {
  Mlp net{Seed{1}};
  Trainer<Mlp, CrossEntropy, Adam, Batch<4>> trainer(net);
  auto X = inputs(4 * 6);
  trainer.check_finite(true);
  CHECK(trainer.checks_finite());
  REQUIRE_FALSE(step_report(trainer, X.data(), labels));  // finite: no report
  X[2 * 6 + 3] = not_a_number;
  const auto r = step_report(trainer, X.data(), labels);
  REQUIRE(r);
  CHECK(r->what == non_finite_in::input);
  CHECK(r->entry == 0);
  CHECK(r->layer == "Input<6>");
  CHECK(r->index == 2 * 6 + 3);
  CHECK(r->step == 2);
  CHECK(std::isnan(r->value));
  CHECK(r->message() == "step 2: the input of entry 0 (Input<6>) is NaN at element 15");
  CHECK_THROWS_WITH(trainer.step(X.data(), labels),
                    "Trainer::check_finite: step 3: the input of entry 0 (Input<6>) is NaN at "
                    "element 15");
}

TEST_CASE("check_finite: input rows ld apart: the culprit's index counts values, its value is "
          "read from its row", "[finite]") {
  Mlp net{Seed{1}};
  Trainer<Mlp, CrossEntropy, Adam, Batch<4>> trainer(net);
  trainer.check_finite(true);
  constexpr std::size_t ld = 9;  // 6 values and 3 of padding per row
  std::vector<float> X(4 * ld, 0.25f);
  for (std::size_t r = 0; r < 4; ++r) X[r * ld + 6] = not_a_number;  // padding: not looked at
  REQUIRE_NOTHROW(trainer.step(X.data(), ld, labels));
  X[2 * ld + 3] = -std::numeric_limits<float>::infinity();
  try {
    trainer.step(X.data(), ld, labels);
    FAIL("no non_finite_error");
  } catch (const non_finite_error& e) {
    CHECK(e.report().what == non_finite_in::input);
    CHECK(e.report().index == 2 * 6 + 3);
    CHECK(e.report().value == -std::numeric_limits<float>::infinity());
  }
}

TEST_CASE("check_finite: off (the default), a NaN goes through unreported", "[finite]") {
  Mlp net{Seed{1}};
  Trainer<Mlp, CrossEntropy, Adam, Batch<4>> trainer(net);
  CHECK_FALSE(trainer.checks_finite());
  auto X = inputs(4 * 6);
  X[5] = not_a_number;
  CHECK_NOTHROW(trainer.step(X.data(), labels));
  // The loss may well be finite (ReLU's max(z, 0) gives 0 for a NaN z, as maxps does), but the
  // first Dense's weight gradient, dz x^T, is not, and neither are its weights now.
  CHECK_FALSE(all_parameters_finite(net));
}

TEST_CASE("check_finite: the first layer whose output is not finite, with its fused activations",
          "[finite]") {
  // A NaN weight in the third Dense (entry 5): entries 1 to 4 are finite, so entry 5 is named,
  // not entry 1; its group's Softmax output and the later gradients are NaN too.
  Mlp net{Seed{1}};
  Trainer<Mlp, CrossEntropy, SGD, Batch<4>> trainer(net, SGD{.learning_rate = 0.1});
  trainer.check_finite(true);
  const auto X = inputs(4 * 6);
  net.parameters<3>().w(4, 2) = std::numeric_limits<float>::infinity();  // Dense<5>, entry 3
  const auto r = step_report(trainer, X.data(), labels);
  REQUIRE(r);
  CHECK(r->what == non_finite_in::output);
  CHECK(r->entry == 3);
  CHECK(r->layer == "Dense<5>");
  CHECK(r->fused_with == "Tanh");
  CHECK(r->index % 5 == 4);  // output 4 of some sample
  CHECK(r->step == 1);
  CHECK(r->message().starts_with("step 1: the forward output of entry 3 (Dense<5>, with Tanh fused) is "));
}

TEST_CASE("check_finite: a NaN target shows first in the loss", "[finite]") {
  using Net = Network<Input<3>, Dense<4>, Tanh, Dense<2>>;
  Net net{Seed{2}};
  // The fused path (the gradients of Dense are never written), and the write-then-update path
  // (which step() takes when clipping is on).
  Trainer<Net, MSE, SGD, Batch<8>> fused(net);
  STATIC_REQUIRE(decltype(fused)::fuses_update);
  Net other{Seed{2}};
  Trainer<Net, MSE, Adam, Batch<8>> separate(other);
  separate.clip_gradients(1e30);
  fused.check_finite(true);
  separate.check_finite(true);
  const auto X = inputs(8 * 3);
  std::vector<float> t(8 * 2, 0.5f);
  t[3] = not_a_number;
  for (const auto& r : {step_report(fused, X.data(), t.data()), step_report(separate, X.data(), t.data())}) {
    REQUIRE(r);
    CHECK(r->what == non_finite_in::loss);
    CHECK(r->entry == 3);
    CHECK(r->layer == "Dense<2>");
    CHECK(r->message() == "step 1: the loss of entry 3 (Dense<2>) is NaN");
  }
}

TEST_CASE("check_finite: a gradient that is not finite while every value is, named with its array",
          "[finite]") {
  // sqrt(|z|) at z = 0 is 0, and its derivative 0.5 / sqrt(|z|) * sign(z) is inf * 0 = NaN: the
  // forward pass and the loss are finite; the first Dense's gradient is not. Written, then
  // updated (step() with clipping on), so the gradient is seen before the parameters it spoils.
  using Net = Network<Input<3>, Dense<4>, Activation<expr::sqrt(expr::abs(x))>, Dense<1>>;
  Net net{Seed{3}};
  net.parameters<1>().weight.fill(0.0f);
  net.parameters<1>().bias.fill(0.0f);
  Trainer<Net, MSE, Adam, Batch<2>> trainer(net);
  trainer.clip_gradients(1e30);
  trainer.check_finite(true);
  const auto X = inputs(2 * 3);
  const float t[2] = {1.0f, -1.0f};
  const auto r = step_report(trainer, X.data(), t);
  REQUIRE(r);
  INFO(r->message());
  CHECK(r->what == non_finite_in::gradient);
  CHECK(r->entry == 1);
  CHECK(r->layer == "Dense<4>");
  CHECK(r->array == "weight");
  CHECK(std::isnan(r->value));
  CHECK(r->message().starts_with("step 1: the gradient weight of entry 1 (Dense<4>) is NaN at element "));
}

TEST_CASE("check_finite: a NaN gradient born late in the backward pass is named where it is born",
          "[finite]") {
  // The same NaN at the last Dense (entry 3): its gradient and, through dx, every earlier one are
  // NaN; the backward pass made entry 3's first, so entry 3 is the one reported.
  using Net = Network<Input<3>, Dense<4>, Tanh, Dense<2>, Activation<expr::sqrt(expr::abs(x))>>;
  Net net{Seed{3}};
  net.parameters<3>().weight.fill(0.0f);
  net.parameters<3>().bias.fill(0.0f);
  Trainer<Net, MSE, SGD, Batch<2>> trainer(net);
  trainer.clip_gradients(1e30);
  trainer.check_finite(true);
  const auto X = inputs(2 * 3);
  const float t[4] = {1.0f, -1.0f, 0.5f, 2.0f};
  const auto r = step_report(trainer, X.data(), t);
  REQUIRE(r);
  INFO(r->message());
  CHECK(r->what == non_finite_in::gradient);
  CHECK(r->entry == 3);
  CHECK(std::isnan(static_cast<float>(std::get<1>(trainer.gradients()).weight.data()[0])));
}

TEST_CASE("check_finite: a NaN pre-activation hidden by the activation after it is still found",
          "[finite]") {
  // relu as an expression keeps the pre-activation z for its derivative; max(NaN, 0) is 0, so the
  // group's output is finite, but z is not: reported as entry 1's output, not later as its weight.
  using Net = Network<Input<3>, Dense<4>, Activation<expr::relu(x)>, Dense<2>>;
  Net net{Seed{5}};
  net.parameters<1>().w(2, 1) = std::numeric_limits<float>::quiet_NaN();
  Trainer<Net, MSE, SGD, Batch<2>> trainer(net);
  trainer.check_finite(true);
  const auto X = inputs(2 * 3);
  const float t[4] = {1.0f, -1.0f, 0.5f, 2.0f};
  const auto r = step_report(trainer, X.data(), t);
  REQUIRE(r);
  INFO(r->message());
  CHECK(r->what == non_finite_in::output);
  CHECK(r->entry == 1);
  CHECK(r->fused_with == "Activation<relu(x)>");
  CHECK(std::isnan(r->value));
}

TEST_CASE("check_finite: a learning rate that blows the weights up is caught at the step it happens",
          "[finite]") {
  using Net = Network<Input<4>, Dense<16>, ReLU, Dense<16>, ReLU, Dense<1>>;
  for (const bool fused : {true, false}) {
    Net net{Seed{4}};
    // Plain SGD, rate 1e15: the weights grow by orders of magnitude each step until some value
    // overflows float. Batch 4 takes the fused path; clipping (never reached) the other one.
    Trainer<Net, MSE, SGD, Batch<4>> trainer(net, SGD{.learning_rate = 1e15});
    if (!fused) trainer.clip_gradients(1e30);
    trainer.check_finite(true);
    const auto X = inputs(4 * 4);
    const float t[4] = {1, -1, 2, 0.5f};
    std::optional<NonFinite> r;
    bool finite_before = false;
    for (int i = 0; i < 50 && !r; ++i) {
      finite_before = all_parameters_finite(net);
      r = step_report(trainer, X.data(), t);
    }
    INFO((fused ? "fused" : "write-then-update") << ": " << (r ? r->message() : "no report"));
    REQUIRE(r);
    CHECK(finite_before);  // the step before was clean: the report is not late
    CHECK(r->step == trainer.steps());
    CHECK(r->step >= 2);
    CHECK(r->entry >= 1);
    CHECK(r->layer.starts_with("Dense<"));
    CHECK(!std::isfinite(r->value));
  }
}

TEMPLATE_TEST_CASE("check_finite: the scan finds the first NaN or infinity wherever it is",
                   "[finite]", float, double) {
  using T = TestType;
  using limits = std::numeric_limits<T>;
  // Whole blocks of the vectorised scan, the tail after them, and their edges.
  for (const std::size_t n : {std::size_t{1}, std::size_t{511}, std::size_t{512}, std::size_t{513},
                              std::size_t{2000}}) {
    std::vector<T> v(n, T(0.5));
    v[0] = limits::max();
    if (n > 2) v[1] = limits::denorm_min();
    v[n - 1] = -limits::max();
    CHECK_FALSE(detail::first_non_finite(v.data(), n));  // extremes and denormals are finite
    for (const std::size_t at : {std::size_t{0}, n / 2, n - 1, std::size_t{511}, std::size_t{512}}) {
      if (at >= n) continue;
      for (const T bad : {limits::quiet_NaN(), limits::infinity(), -limits::infinity()}) {
        auto w = v;
        w[at] = bad;
        if (at + 1 < n) w[n - 1] = limits::infinity();  // a later one is not the first
        const auto found = detail::first_non_finite(w.data(), n);
        INFO("n " << n << ", at " << at << ", " << bad);
        REQUIRE(found);
        CHECK(*found == at);
      }
    }
  }
  // Rows ld apart: the padding between them is not looked at; the index is row * n + column.
  std::vector<T> rows(3 * 16, limits::quiet_NaN());
  for (std::size_t r = 0; r < 3; ++r) std::fill_n(rows.begin() + r * 16, 5, T(1));
  CHECK_FALSE(detail::first_non_finite(rows.data(), 3, 5, 16));
  rows[2 * 16 + 4] = limits::infinity();
  CHECK(detail::first_non_finite(rows.data(), 3, 5, 16) == std::optional<std::size_t>(14));
}
