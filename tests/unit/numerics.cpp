// Numerical hygiene at the edges of float: logits of +-1e4 through Softmax and cross-entropy
// (fused and on logits), sigmoid and tanh at +-100 (scalar, SIMD, as layers and as derived
// expressions, in a recurrent cell), logs of probabilities that are exactly 0 or 1 (binary
// cross-entropy), and clipping of a gradient too large to use. Every loss, output and gradient
// must be finite, and where the exact value is known, equal to it.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <cmath>
#include <cstddef>
#include <algorithm>  // std::min
#include <cstdint>
#include <limits>
#include <vector>

using namespace nerve;
using nerve::expr::x;

namespace {

constexpr double big = 1e4;

// Entry 1 (a Dense of N units on N inputs) made the identity, so that the logits are the input.
template <class Net>
void make_identity(Net& net) {
  auto& p = net.template parameters<1>();
  p.weight.fill(0);
  p.bias.fill(0);
  for (std::size_t i = 0; i < Net::input_shape_t::size; ++i) p.w(i, i) = 1;
}

// Every value of every gradient array of a trainer.
template <class Trainer>
std::vector<double> all_gradients(const Trainer& trainer) {
  std::vector<double> out;
  std::apply([&](const auto&... g) {
    (g.for_each([&](const char*, const auto& t) {
      for (const auto v : t.flat()) out.push_back(static_cast<double>(v));
    }), ...);
  }, trainer.gradients());
  return out;
}

bool all_finite(const std::vector<double>& v) {
  for (const double e : v) {
    if (!std::isfinite(e)) return false;
  }
  return true;
}

// Row i of B rows of N logits: +big and -big alternating, starting with +big on even rows.
template <class T>
std::vector<T> extreme_logits(std::size_t B, std::size_t N) {
  std::vector<T> z(B * N);
  for (std::size_t i = 0; i < B; ++i) {
    for (std::size_t j = 0; j < N; ++j) z[i * N + j] = static_cast<T>((i + j) % 2 == 0 ? big : -big);
  }
  return z;
}

// The exact cross-entropy of such a row with its label: logsumexp(z) - z[label], where the k
// largest logits are equal: max + log k - z[label]; its gradient (softmax - onehot) / B.
struct expected_ce {
  double loss = 0;
  std::vector<double> grad;
};
template <class T>
expected_ce exact_cross_entropy(const std::vector<T>& z, const std::uint32_t* labels, std::size_t B,
                                std::size_t N) {
  expected_ce e;
  for (std::size_t i = 0; i < B; ++i) {
    std::size_t k = 0;
    for (std::size_t j = 0; j < N; ++j) k += z[i * N + j] > 0 ? 1 : 0;
    e.loss += big + std::log(static_cast<double>(k)) - static_cast<double>(z[i * N + labels[i]]);
    for (std::size_t j = 0; j < N; ++j) {
      const double p = z[i * N + j] > 0 ? 1.0 / static_cast<double>(k) : 0.0;
      e.grad.push_back((p - (j == labels[i] ? 1.0 : 0.0)) / static_cast<double>(B));
    }
  }
  e.loss /= static_cast<double>(B);
  return e;
}

// CrossEntropy::evaluate on B rows of N extreme logits, fused with a Softmax's output (computed
// by the layer's own row function) or on the logits.
template <class T, std::size_t B, std::size_t N, bool Fused>
void cross_entropy_on_extreme_logits() {
  constexpr std::size_t ld = kernels::padded<N, T>;
  const auto z = extreme_logits<T>(B, N);
  std::vector<T> logits(B * ld, T(0)), p(B * ld, T(0)), g(B * ld, T(7));
  for (std::size_t i = 0; i < B; ++i) {
    std::copy_n(z.data() + i * N, N, logits.data() + i * ld);
    detail::softmax_row<N>(logits.data() + i * ld, p.data() + i * ld);
  }
  std::uint32_t labels[B];
  for (std::size_t i = 0; i < B; ++i) labels[i] = static_cast<std::uint32_t>((3 * i + 1) % N);
  const loss_input<T> in = Fused ? loss_input<T>{p.data(), ld, logits.data(), ld}
                                 : loss_input<T>{logits.data(), ld, nullptr, 0};
  const double loss = static_cast<double>(
      CrossEntropy::evaluate<B, Shape<N>, T, Fused>(in, labels, g.data(), ld));
  const auto want = exact_cross_entropy(z, labels, B, N);
  INFO("N = " << N << (Fused ? ", fused with Softmax" : ", on logits"));
  REQUIRE(std::isfinite(loss));
  CHECK(loss == Approx(want.loss).epsilon(1e-6));
  for (std::size_t i = 0; i < B; ++i) {
    T sum = 0;
    for (std::size_t j = 0; j < N; ++j) {
      sum += p[i * ld + j];
      const double got = static_cast<double>(g[i * ld + j]);
      REQUIRE(std::isfinite(got));
      CHECK(got == Approx(want.grad[i * N + j]).margin(1e-6));
    }
    CHECK(static_cast<double>(sum) == Approx(1.0));
  }
}

}  // namespace

TEMPLATE_TEST_CASE("numerics: cross-entropy on logits of +-1e4, fused with Softmax and not",
                   "[numerics][cross_entropy]", float, double) {
  // exp(1e4) overflows float and double alike: only max-subtracted exponentials stay finite.
  cross_entropy_on_extreme_logits<TestType, 3, 2, true>();
  cross_entropy_on_extreme_logits<TestType, 3, 7, true>();
  cross_entropy_on_extreme_logits<TestType, 3, 33, true>();
  cross_entropy_on_extreme_logits<TestType, 3, 7, false>();
  cross_entropy_on_extreme_logits<TestType, 3, 33, false>();
}

TEST_CASE("numerics: networks whose logits are +-1e4 train on a finite loss and finite gradients",
          "[numerics][cross_entropy]") {
  constexpr std::size_t N = 19;
  const auto X = extreme_logits<float>(2, N);
  const std::uint32_t labels[2] = {1, 4};  // both at -1e4: the label's probability is 0 in float
  const auto want = exact_cross_entropy(X, labels, 2, N);
  auto check = [&](auto& net, const char* what) {
    INFO(what);
    make_identity(net);
    Trainer<std::remove_reference_t<decltype(net)>, CrossEntropy, SGD, Batch<2>> trainer(net);
    const double loss = trainer.compute_gradients(X.data(), labels);
    CHECK(loss == Approx(want.loss).epsilon(1e-6));
    const auto g = all_gradients(trainer);
    CHECK(all_finite(g));
    // The gradient of the last Dense's bias is the gradient of the logits, summed over the batch.
    const auto& db = std::get<1>(trainer.gradients()).bias;
    for (std::size_t j = 0; j < N; ++j) {
      CHECK(db(j) == Approx(want.grad[j] + want.grad[N + j]).margin(1e-6));
    }
    // A step and inference stay finite too.
    trainer.step(X.data(), labels);
    const auto y = net(X.data());
    float sum = 0;
    for (std::size_t j = 0; j < N; ++j) sum += y(j);
    CHECK(std::isfinite(sum));
  };
  Network<Input<N>, Dense<N>, Softmax> with_softmax{Seed{1}};
  check(with_softmax, "Dense + Softmax (fused into the loss)");
  Network<Input<N>, Dense<N>> logits{Seed{1}};
  check(logits, "Dense alone (log-softmax in the loss)");
}

TEST_CASE("numerics: a Softmax layer that is not fused (before MSE, in the middle) at +-1e4",
          "[numerics][softmax]") {
  constexpr std::size_t N = 19;
  const auto X = extreme_logits<float>(2, N);
  {
    using Net = Network<Input<N>, Dense<N>, Softmax>;
    Net net{Seed{2}};
    make_identity(net);
    Trainer<Net, MSE, SGD, Batch<2>> trainer(net);
    std::vector<float> t(2 * N, 0.0f);
    t[0] = 1;
    const float loss = trainer.compute_gradients(X.data(), t.data());
    CHECK(std::isfinite(loss));
    CHECK(all_finite(all_gradients(trainer)));
    const auto y = net(X.data());
    for (std::size_t j = 0; j < N; ++j) CHECK(y(j) == Approx(j % 2 == 0 ? 0.1 : 0.0).margin(1e-7));
  }
  {
    using Net = Network<Input<N>, Dense<N>, Softmax, Dense<3>, Softmax>;
    Net net{Seed{3}};
    make_identity(net);
    Trainer<Net, CrossEntropy, Adam, Batch<2>> trainer(net);
    const std::uint32_t labels[2] = {2, 0};
    CHECK(std::isfinite(trainer.compute_gradients(X.data(), labels)));
    CHECK(all_finite(all_gradients(trainer)));
  }
}

TEMPLATE_TEST_CASE("numerics: sigmoid and tanh at +-100, on scalars and SIMD batches",
                   "[numerics][activation]", float, double) {
  using T = TestType;
  using V = xsimd::batch<T>;
  for (const T a : {T(100), T(-100), T(big), T(-big)}) {
    INFO("a = " << a);
    const T s = math::sigmoid(a);
    const T t = math::tanh(a);
    CHECK(std::isfinite(s));
    CHECK(s >= T(0));
    CHECK(s <= T(1));
    CHECK(s == Approx(a > 0 ? 1.0 : 0.0).margin(1e-30));
    CHECK(t == (a > 0 ? T(1) : T(-1)));
    const V sv = math::sigmoid(V(a));
    const V tv = math::tanh(V(a));
    for (std::size_t k = 0; k < V::size; ++k) {
      CHECK(sv.get(k) == Approx(s).margin(1e-30));  // exp(-100) may be a denormal or 0
      CHECK(tv.get(k) == t);
    }
    // The derived derivatives the backward passes evaluate: finite, and 0 or nearly.
    CHECK(std::abs(expr::apply(expr::derivative(expr::sigmoid(x)), a)) <= T(1e-30));
    CHECK(expr::apply(expr::derivative(expr::tanh(x)), a) == T(0));
    const T swish = expr::apply(expr::derivative(x * expr::sigmoid(x)), a);
    CHECK(swish == Approx(a > 0 ? 1.0 : 0.0).margin(1e-30));
  }
}

// Float lanes evaluate sigmoid and tanh with nerve's own short-chain exponential (expr/ops/
// math.hpp): within a relative 2.5e-7 of the exact functions wherever the result is a normal
// float, odd / symmetric as the functions are, saturated at +-inf, and NaN stays NaN.
TEST_CASE("numerics: float lanes of sigmoid and tanh against the exact functions",
          "[numerics][activation]") {
  using V = xsimd::batch<float>;
  double worst_sigmoid = 0, worst_tanh = 0;
  float worst_sigmoid_at = 0, worst_tanh_at = 0;
  alignas(64) float in[V::size], s[V::size], t[V::size], s_neg[V::size], t_neg[V::size];
  // Steps of 2^-12 over [-20, 20], then coarse steps out to 120 and tiny values near 0.
  std::vector<float> points;
  for (int i = -81920; i <= 81920; ++i) points.push_back(static_cast<float>(i) / 4096.0f);
  for (float a = 20; a < 120; a += 0.37f) points.push_back(a);
  for (float a = 1e-30f; a < 1e-2f; a *= 3.1f) points.push_back(a);
  for (std::size_t at = 0; at < points.size(); at += V::size) {
    for (std::size_t k = 0; k < V::size; ++k) in[k] = points[std::min(at + k, points.size() - 1)];
    const V a = V::load_aligned(in);
    math::sigmoid(a).store_aligned(s);
    math::tanh(a).store_aligned(t);
    math::sigmoid(-a).store_aligned(s_neg);
    math::tanh(-a).store_aligned(t_neg);
    for (std::size_t k = 0; k < V::size; ++k) {
      const double exact_s = 1 / (1 + std::exp(-double(in[k]))), exact_t = std::tanh(double(in[k]));
      if (exact_s > 1e-37) {  // below, the float result is a subnormal or flushed to 0
        const double e = std::abs(s[k] - exact_s) / exact_s;
        if (e > worst_sigmoid) worst_sigmoid = e, worst_sigmoid_at = in[k];
      }
      if (exact_t != 0) {
        const double e = std::abs(t[k] - exact_t) / std::abs(exact_t);
        if (e > worst_tanh) worst_tanh = e, worst_tanh_at = in[k];
      }
      CHECK(t_neg[k] == -t[k]);
      CHECK(std::abs(s[k] + s_neg[k] - 1) <= 2.5e-7);
    }
  }
  INFO("worst sigmoid error " << worst_sigmoid << " at " << worst_sigmoid_at << ", tanh "
                              << worst_tanh << " at " << worst_tanh_at);
  CHECK(worst_sigmoid <= 2.5e-7);  // 1.8e-7 measured with AVX-512 FMA
  CHECK(worst_tanh <= 2.5e-7);     // 1.6e-7
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  const V special = V(inf);
  CHECK(math::sigmoid(special).get(0) == 1.0f);
  CHECK(math::sigmoid(-special).get(0) == Approx(0.0f).margin(1e-37));
  CHECK(math::tanh(special).get(0) == 1.0f);
  CHECK(math::tanh(-special).get(0) == -1.0f);
  CHECK(std::isnan(math::sigmoid(V(nan)).get(0)));
  CHECK(std::isnan(math::tanh(V(nan)).get(0)));
  CHECK(math::tanh(V(0.0f)).get(0) == 0.0f);
  CHECK(math::sigmoid(V(0.0f)).get(0) == 0.5f);
}

namespace {

// Network<Input<N>, A> and Network<Input<N>, Dense<N>, A> (identity) on inputs of +-100 and
// +-1e4, N past a SIMD width so both the lanes and the scalar tail run: outputs and input
// gradients (the derivative as the backward pass applies it) finite and as expected.
template <class A, class T>
void activation_at_extremes(double at_plus, double at_minus) {
  constexpr std::size_t N = 35;
  std::vector<T> X(N), dY(N, T(1));
  for (std::size_t i = 0; i < N; ++i) X[i] = static_cast<T>((i % 2 ? -1 : 1) * (i % 3 ? 100 : big));
  auto run = [&](auto& net) {
    INFO(net.summary_string());
    using Net = std::remove_reference_t<decltype(net)>;
    typename Net::template GradientWorkspace<1> ws;
    const auto y = net(X.data());
    const auto g = net.template input_gradient<1>(X.data(), dY.data(), ws);
    for (std::size_t i = 0; i < N; ++i) {
      INFO("x = " << X[i]);
      CHECK(static_cast<double>(y(i)) == Approx(X[i] > 0 ? at_plus : at_minus).margin(1e-30));
      CHECK(std::isfinite(static_cast<double>(g(0, i))));
      CHECK(std::abs(static_cast<double>(g(0, i))) <= 1e-30);
    }
  };
  BasicNetwork<T, Input<N>, A> alone{Seed{1}};
  run(alone);
  BasicNetwork<T, Input<N>, Dense<N>, A> fused{Seed{1}};
  make_identity(fused);
  run(fused);
}

}  // namespace

TEMPLATE_TEST_CASE("numerics: Sigmoid and Tanh layers (and the same as derived expressions) at +-100",
                   "[numerics][activation]", float, double) {
  using T = TestType;
  activation_at_extremes<Sigmoid, T>(1, 0);
  activation_at_extremes<Tanh, T>(1, -1);
  activation_at_extremes<Activation<expr::sigmoid(x)>, T>(1, 0);  // derivative from the input
  activation_at_extremes<Activation<expr::tanh(x)>, T>(1, -1);
}

TEST_CASE("numerics: recurrent cells with gates driven to +-100 and beyond", "[numerics][recurrent]") {
  std::vector<float> X(2 * 6 * 5);
  for (std::size_t i = 0; i < X.size(); ++i) X[i] = (i % 2 ? -1.0f : 1.0f) * (i % 3 ? 100.0f : 1e4f);
  std::vector<std::uint32_t> labels(2 * 6, 1);
  auto check = [&](auto net) {
    INFO(net.summary_string());
    Trainer<decltype(net), CrossEntropy, SGD, Batch<2>> trainer(net);
    CHECK(std::isfinite(trainer.compute_gradients(X.data(), labels.data())));
    CHECK(all_finite(all_gradients(trainer)));
  };
  check(Network<Input<6, 5>, LSTM<9>, Dense<3>, Softmax>{Seed{1}});
  check(Network<Input<6, 5>, GRU<9>, Dense<3>, Softmax>{Seed{1}});
  check(Network<Input<6, 5>, SimpleRNN<9>, Dense<3>, Softmax>{Seed{1}});
}

TEST_CASE("numerics: binary cross-entropy where the probabilities are exactly 0 and 1 (log 0)",
          "[numerics][bce]") {
  constexpr std::size_t N = 19;
  std::vector<float> X(2 * N), t(2 * N);
  for (std::size_t i = 0; i < X.size(); ++i) {
    X[i] = (i % 2 ? -1.0f : 1.0f) * static_cast<float>(big);
    t[i] = (i % 4 < 2) ? 1.0f : 0.0f;  // agrees with the sign of X on half the outputs
  }
  double disagree = 0;
  for (std::size_t i = 0; i < X.size(); ++i) disagree += (X[i] > 0) != (t[i] > 0.5f) ? 1 : 0;
  const double fraction = disagree / static_cast<double>(X.size());
  {
    // Sigmoid alone (not fused): its outputs are exactly 0 and 1 in float, and the loss reads
    // them as they are: each log clamped at -100, as PyTorch's BCELoss, so 100 per disagreement.
    using Net = Network<Input<N>, Sigmoid>;
    Net net{Seed{1}};
    Trainer<Net, BCE, SGD, Batch<2>> trainer(net);
    const float* Y = nullptr;
    const double loss = trainer.batch_loss(X.data(), N, t.data(), &Y);
    for (std::size_t j = 0; j < N; ++j) REQUIRE((Y[j] == 0.0f || Y[j] == 1.0f));
    CHECK(loss == Approx(100 * fraction));
  }
  {
    // Dense + Sigmoid, fused: on the logits, 1e4 per disagreement; gradient (p - t) / count.
    using Net = Network<Input<N>, Dense<N>, Sigmoid>;
    Net net{Seed{1}};
    make_identity(net);
    Trainer<Net, BCE, SGD, Batch<2>> trainer(net);
    const double loss = trainer.compute_gradients(X.data(), t.data());
    CHECK(loss == Approx(big * fraction));
    const auto g = all_gradients(trainer);
    CHECK(all_finite(g));
    const auto& db = std::get<1>(trainer.gradients()).bias;
    for (std::size_t j = 0; j < N; ++j) {
      double want = 0;
      for (std::size_t i = 0; i < 2; ++i) want += ((X[i * N + j] > 0 ? 1.0 : 0.0) - t[i * N + j]) / (2.0 * N);
      CHECK(db(j) == Approx(want).margin(1e-7));
    }
  }
}

TEST_CASE("numerics: a gradient of norm 1e5 clipped to 1 moves the weights by 1", "[numerics][clipping]") {
  constexpr std::size_t N = 19;
  using Net = Network<Input<N>, Dense<N>, Softmax>;
  const auto X = extreme_logits<float>(2, N);
  const std::uint32_t labels[2] = {1, 4};
  Net before{Seed{5}}, net{Seed{5}};
  Trainer<Net, CrossEntropy, SGD, Batch<2>> trainer(net, SGD{.learning_rate = 1.0});
  trainer.clip_gradients(1.0);
  trainer.step(X.data(), labels);
  CHECK(trainer.last_gradient_norm() > 1e4);
  CHECK(std::isfinite(trainer.last_gradient_norm()));
  // SGD at rate 1: the weights moved by exactly the clipped gradient, of norm 1 (less 1e-6 / norm).
  double moved = 0;
  const auto& a = before.parameters<1>();
  const auto& b = net.parameters<1>();
  for (std::size_t e = 0; e < a.weight.size; ++e) {
    const double d = static_cast<double>(b.weight.data()[e]) - a.weight.data()[e];
    moved += d * d;
  }
  for (std::size_t e = 0; e < a.bias.size; ++e) {
    const double d = static_cast<double>(b.bias.data()[e]) - a.bias.data()[e];
    moved += d * d;
  }
  CHECK(std::sqrt(moved) == Approx(1.0).epsilon(1e-3));
}
