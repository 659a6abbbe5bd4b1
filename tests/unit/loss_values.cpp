// Loss values and gradients against plain loops written from PyTorch's definitions (MSELoss,
// BCELoss with its log clamped at -100, BCEWithLogitsLoss, HuberLoss(delta), CrossEntropyLoss),
// in float and double, at widths below, at and above every SIMD width, with a partial batch
// (rows < B); and which networks each loss accepts and fuses with, decided from layer traits.
#include <catch2/catch.hpp>

#include <nerve/loss/huber.hpp>
#include <nerve/nerve.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

using namespace nerve;

namespace {

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 2e-6 : 1e-13;

// What a loss writes: the mean loss and the gradient rows (dense, without padding), plus
// whether the padding came back as exact zeros.
template <class T>
struct loss_run {
  double loss;
  std::vector<T> grad;
  bool padding_zero = true;
};

// Loss::evaluate on B rows of N values: y (the output, or the logits when Fused, with p the
// output for cross-entropy) and targets, laid out with padded rows as the trainer does.
template <class Loss, std::size_t B, std::size_t N, class T, bool Fused, class Target>
loss_run<T> run(const std::vector<T>& out, const std::vector<T>& logits,
                const std::vector<Target>& targets, std::size_t rows = B) {
  constexpr std::size_t ld = kernels::padded<N, T>;
  std::vector<T> y(B * ld, T(7)), z(B * ld, T(7)), g(B * ld, T(7));  // 7: padding to overwrite
  for (std::size_t i = 0; i < B; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      y[i * ld + j] = out[i * N + j];
      if (!logits.empty()) z[i * ld + j] = logits[i * N + j];
    }
  }
  const loss_input<T> in{y.data(), ld, logits.empty() ? nullptr : z.data(), ld};
  loss_run<T> r;
  r.loss = static_cast<double>(
      Loss::template evaluate<B, Shape<N>, T, Fused>(in, targets.data(), g.data(), ld, rows));
  for (std::size_t i = 0; i < B; ++i) {
    for (std::size_t j = 0; j < N; ++j) r.grad.push_back(g[i * ld + j]);
    for (std::size_t j = N; j < ld; ++j) r.padding_zero = r.padding_zero && g[i * ld + j] == T(0);
  }
  return r;
}

// Deterministic values in [lo, hi] with a few exact points put in.
template <class T>
std::vector<T> spread(std::size_t n, double lo, double hi, std::uint64_t seed) {
  Random rng(Seed{seed});
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(rng.uniform(lo, hi));
  return v;
}

double rel(double a, double b) { return std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-3}); }

template <class T>
void check_grad(const std::vector<T>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t k = 0; k < got.size(); ++k) {
    REQUIRE(std::isfinite(static_cast<double>(got[k])));
    const double e = std::abs(static_cast<double>(got[k]) - want[k]) /
                     std::max(std::abs(want[k]), 1e-3 * std::abs(*std::max_element(
                                                      want.begin(), want.end(),
                                                      [](double a, double b) { return std::abs(a) < std::abs(b); })));
    if (e > worst) worst = e, at = k;
  }
  INFO("worst element " << at << ": " << got[at] << " vs " << want[at]);
  CHECK(worst < 50 * tolerance<T>);
}

// ---- the references: PyTorch's definitions, in double ------------------------------------
double ref_mse(double y, double t) { return (y - t) * (y - t); }
double ref_mse_grad(double y, double t) { return 2 * (y - t); }
double ref_bce(double y, double t) {  // BCELoss: each log clamped at -100
  return -(t * std::max(std::log(y), -100.0) + (1 - t) * std::max(std::log(1 - y), -100.0));
}
double ref_bce_grad(double y, double t) { return (y - t) / std::max(y * (1 - y), 1e-12); }
double ref_bce_logits(double z, double t) {  // BCEWithLogitsLoss: (1 - t) z - log sigmoid(z)
  return (1 - t) * z - (std::min(z, 0.0) - std::log1p(std::exp(-std::abs(z))));
}
double ref_bce_logits_grad(double z, double t) { return 1 / (1 + std::exp(-z)) - t; }
double ref_huber(double y, double t, double delta) {
  const double d = std::abs(y - t);
  return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
}
double ref_huber_grad(double y, double t, double delta) {  // PyTorch's huber_backward
  const double d = y - t;
  return d < -delta ? -delta : (d > delta ? delta : d);
}

template <class Loss, std::size_t B, std::size_t N, class T, bool Fused, class F, class G>
void check_elementwise(const std::vector<T>& y, const std::vector<T>& t, F value, G derivative,
                       std::size_t rows) {
  const auto r = Fused ? run<Loss, B, N, T, true>(std::vector<T>(B * N, T(0.5)), y, t, rows)
                       : run<Loss, B, N, T, false>(y, {}, t, rows);
  double want = 0;
  for (std::size_t k = 0; k < rows * N; ++k) want += value(static_cast<double>(y[k]), static_cast<double>(t[k]));
  want /= static_cast<double>(rows * N);
  std::vector<double> grad(B * N);
  for (std::size_t k = 0; k < B * N; ++k)
    grad[k] = derivative(static_cast<double>(y[k]), static_cast<double>(t[k])) / (B * N);
  INFO(Loss::name << " N = " << N << " rows " << rows << " of " << B);
  CHECK(rel(r.loss, want) < 10 * tolerance<T>);
  CHECK(r.padding_zero);
  check_grad(r.grad, grad);
}

template <std::size_t N, class T>
void elementwise_at_width() {
  constexpr std::size_t B = 3;
  for (std::size_t rows : {std::size_t{3}, std::size_t{2}}) {
    auto y = spread<T>(B * N, -2, 2, N);
    auto t = spread<T>(B * N, -2, 2, N + 50);
    check_elementwise<MSE, B, N, T, false>(y, t, ref_mse, ref_mse_grad, rows);

    // Huber: points inside, outside and exactly at |d| = delta (0.5 and 1 are exact in binary).
    y[0] = T(1.5), t[0] = T(0.5);      // d = 1 = delta of Huber<>
    if (B * N > 1) y[1] = T(-0.25), t[1] = T(0.75);  // d = -1
    if (B * N > 2) y[2] = T(0.75), t[2] = T(0.25);   // d = 0.5 = delta of Huber<0.5>
    if (B * N > 3) y[3] = T(0.5), t[3] = T(0.5);     // d = 0
    check_elementwise<Huber<>, B, N, T, false>(
        y, t, [](double a, double b) { return ref_huber(a, b, 1.0); },
        [](double a, double b) { return ref_huber_grad(a, b, 1.0); }, rows);
    check_elementwise<Huber<0.5>, B, N, T, false>(
        y, t, [](double a, double b) { return ref_huber(a, b, 0.5); },
        [](double a, double b) { return ref_huber_grad(a, b, 0.5); }, rows);
    check_elementwise<Huber<3>, B, N, T, false>(
        y, t, [](double a, double b) { return ref_huber(a, b, 3.0); },
        [](double a, double b) { return ref_huber_grad(a, b, 3.0); }, rows);

    // BCE on probabilities in (0, 1), targets in [0, 1].
    auto p = spread<T>(B * N, 0.02, 0.98, N + 7);
    auto q = spread<T>(B * N, 0, 1, N + 8);
    check_elementwise<BCE, B, N, T, false>(p, q, ref_bce, ref_bce_grad, rows);

    // BCE from logits, including z = 0 exactly (zero-initialised weights) and large |z|.
    auto z = spread<T>(B * N, -6, 6, N + 9);
    z[0] = T(0);
    if (B * N > 1) z[1] = T(30);
    if (B * N > 2) z[2] = T(-30);
    check_elementwise<BCE, B, N, T, true>(z, q, ref_bce_logits, ref_bce_logits_grad, rows);
  }
}

template <std::size_t N, class T>
void cross_entropy_at_width() {
  constexpr std::size_t B = 3;
  for (std::size_t rows : {std::size_t{3}, std::size_t{1}}) {
    const auto z = spread<T>(B * N, -5, 5, N + 3);
    const std::vector<std::uint32_t> labels = {0, static_cast<std::uint32_t>(N - 1),
                                               static_cast<std::uint32_t>(N / 2)};
    std::vector<T> p(B * N);
    double want = 0;
    std::vector<double> grad(B * N);
    for (std::size_t i = 0; i < B; ++i) {
      double peak = -1e300, sum = 0;
      for (std::size_t j = 0; j < N; ++j) peak = std::max(peak, static_cast<double>(z[i * N + j]));
      for (std::size_t j = 0; j < N; ++j) sum += std::exp(static_cast<double>(z[i * N + j]) - peak);
      if (i < rows) want += peak + std::log(sum) - static_cast<double>(z[i * N + labels[i]]);
      for (std::size_t j = 0; j < N; ++j) {
        const double pj = std::exp(static_cast<double>(z[i * N + j]) - peak) / sum;
        p[i * N + j] = static_cast<T>(pj);
        grad[i * N + j] = (pj - (j == labels[i] ? 1.0 : 0.0)) / B;
      }
    }
    want /= static_cast<double>(rows);
    const auto fused = run<CrossEntropy, B, N, T, true>(p, z, labels, rows);
    const auto logits = run<CrossEntropy, B, N, T, false>(z, {}, labels, rows);
    INFO("N = " << N << " rows " << rows);
    CHECK(rel(fused.loss, want) < 10 * tolerance<T>);
    CHECK(rel(logits.loss, want) < 10 * tolerance<T>);
    CHECK(fused.padding_zero);
    CHECK(logits.padding_zero);
    check_grad(fused.grad, grad);
    check_grad(logits.grad, grad);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("loss values: MSE, Huber, BCE (probabilities and logits) against PyTorch's definitions",
                   "[loss]", float, double) {
  elementwise_at_width<1, TestType>();
  elementwise_at_width<7, TestType>();
  elementwise_at_width<16, TestType>();
  elementwise_at_width<33, TestType>();
}

TEMPLATE_TEST_CASE("loss values: cross-entropy fused with Softmax and on logits", "[loss]", float,
                   double) {
  cross_entropy_at_width<1, TestType>();
  cross_entropy_at_width<7, TestType>();
  cross_entropy_at_width<16, TestType>();
  cross_entropy_at_width<33, TestType>();
}

TEMPLATE_TEST_CASE("loss values: Huber exactly at |d| = delta is 0.5 delta^2 with gradient d",
                   "[loss][huber]", float, double) {
  using T = TestType;
  const std::vector<T> y = {T(1.5), T(-0.5), T(0.25), T(2.0)};
  const std::vector<T> t = {T(0.5), T(0.5), T(0.25), T(-1.0)};  // d = 1, -1, 0, 3
  const auto r = run<Huber<>, 1, 4, T, false>(y, {}, t);
  CHECK(r.loss == Approx((0.5 + 0.5 + 0.0 + 2.5) / 4));
  CHECK(r.grad[0] == Approx(1.0 / 4));
  CHECK(r.grad[1] == Approx(-1.0 / 4));
  CHECK(r.grad[2] == T(0));
  CHECK(r.grad[3] == Approx(1.0 / 4));
  const auto h = run<Huber<2.0>, 1, 4, T, false>(y, {}, t);  // d = 3 > 2: 2 (3 - 1) = 4
  CHECK(h.loss == Approx((0.5 + 0.5 + 0.0 + 4.0) / 4));
  CHECK(h.grad[0] == Approx(1.0 / 4));
  CHECK(h.grad[3] == Approx(2.0 / 4));
}

TEMPLATE_TEST_CASE("loss values: BCE clamps each log at -100 as PyTorch; logits never overflow",
                   "[loss][bce]", float, double) {
  using T = TestType;
  // y exactly 0 or 1: PyTorch's BCELoss gives 100 where the target disagrees, 0 where it agrees.
  const std::vector<T> y = {T(0), T(1), T(0), T(1)};
  const std::vector<T> t = {T(1), T(0), T(0), T(1)};
  const auto r = run<BCE, 1, 4, T, false>(y, {}, t);
  CHECK(r.loss == Approx(50.0));
  for (T g : r.grad) CHECK(std::isfinite(g));
  // Logits far beyond exp's range in float: loss |z| where the target disagrees, 0 where it agrees.
  const std::vector<T> z = {T(-200), T(200), T(-200), T(200)};
  const auto s = run<BCE, 1, 4, T, true>(std::vector<T>(4, T(0.5)), z, t);
  CHECK(s.loss == Approx(100.0));
  CHECK(s.grad[0] == Approx(-0.25));
  CHECK(s.grad[1] == Approx(0.25));
  CHECK(s.grad[2] == Approx(0.0).margin(1e-30));
  CHECK(s.grad[3] == Approx(0.0).margin(1e-30));
  // z = 0: sigmoid(0) - t = 0.5 - t, though max(z, 0) and |z| have kinks there.
  const auto zero = run<BCE, 1, 2, T, true>(std::vector<T>(2, T(0.5)), std::vector<T>{T(0), T(0)},
                                             std::vector<T>{T(1), T(0)});
  CHECK(zero.grad[0] == Approx(-0.25));
  CHECK(zero.grad[1] == Approx(0.25));
  CHECK(zero.loss == Approx(std::log(2.0)));
}

TEST_CASE("loss values: the gradients are derived from the per-element expressions", "[loss]") {
  using expr::to_string;
  CHECK(to_string(MSE::gradient) == "(2 * (x - v1))");
  CHECK(to_string(Huber<>::gradient) == "select((1 - abs((x - v1))), (x - v1), sign((x - v1)))");
  CHECK(to_string(Huber<0.5>::gradient) ==
        "select((0.5 - abs((x - v1))), (x - v1), (0.5 * sign((x - v1))))");
}

namespace {
using expr::x;
using SigmoidExpr = Activation<expr::sigmoid(x)>;
template <class Loss, class Net>
constexpr bool accepts = Loss::template accepts_output<typename Net::template entry<Net::depth - 1>>;
template <class Loss, class Net, bool DenseThenLast>
constexpr loss_fusion fusion_of =
    Loss::template fusion<typename Net::template entry<Net::depth - 1>, DenseThenLast>;
using Logits = Network<Input<4>, Dense<3>>;
using WithSoftmax = Network<Input<4>, Dense<3>, Softmax>;
using EndsInSigmoid = Network<Input<4>, Dense<3>, Sigmoid>;
using EndsInSigmoidExpr = Network<Input<4>, Dense<3>, SigmoidExpr>;
using EndsInSwish = Network<Input<4>, Dense<3>, Activation<x * expr::sigmoid(x)>>;
using EndsInTanh = Network<Input<4>, Dense<3>, Tanh>;
}  // namespace

TEST_CASE("loss values: which outputs each loss accepts and fuses with (layer traits)", "[loss]") {
  STATIC_REQUIRE(accepts<CrossEntropy, Logits>);
  STATIC_REQUIRE(accepts<CrossEntropy, WithSoftmax>);
  STATIC_REQUIRE_FALSE(accepts<CrossEntropy, EndsInSigmoid>);
  STATIC_REQUIRE_FALSE(accepts<CrossEntropy, EndsInTanh>);
  STATIC_REQUIRE(fusion_of<CrossEntropy, WithSoftmax, false> == loss_fusion::softmax);
  STATIC_REQUIRE(fusion_of<CrossEntropy, Logits, false> == loss_fusion::none);

  STATIC_REQUIRE(accepts<BCE, EndsInSigmoid>);
  STATIC_REQUIRE(accepts<BCE, EndsInSigmoidExpr>);
  STATIC_REQUIRE_FALSE(accepts<BCE, EndsInSwish>);
  STATIC_REQUIRE_FALSE(accepts<BCE, Logits>);
  STATIC_REQUIRE(fusion_of<BCE, EndsInSigmoidExpr, true> == loss_fusion::last_activation);
  STATIC_REQUIRE(fusion_of<BCE, EndsInSigmoid, true> == loss_fusion::last_activation);
  STATIC_REQUIRE(fusion_of<BCE, EndsInSigmoid, false> == loss_fusion::none);

  STATIC_REQUIRE(accepts<MSE, EndsInTanh>);
  STATIC_REQUIRE(accepts<Huber<>, Logits>);
  STATIC_REQUIRE(fusion_of<Huber<>, EndsInSigmoid, true> == loss_fusion::none);
}
