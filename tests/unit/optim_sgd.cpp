// SGD, momentum, Nesterov and L2 decay against a plain scalar transcription of torch.optim.SGD.
#include <catch2/catch.hpp>

#include <nerve/optim/sgd.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

using namespace nerve;

namespace {

// torch.optim.SGD, one element at a time; scalars rounded to T as PyTorch rounds Python floats.
template <class T>
struct reference_sgd {
  SGD o;
  std::vector<T> buf;
  void step(std::vector<T>& p, const std::vector<T>& g) {
    const T lr = T(o.learning_rate), wd = T(o.weight_decay), mu = T(o.momentum);
    const T keep = T(1 - o.dampening);
    const bool first = buf.empty();
    if (first && o.momentum != 0) buf.assign(p.size(), T(0));
    for (std::size_t i = 0; i < p.size(); ++i) {
      T d = g[i];
      if (o.weight_decay != 0) d = d + wd * p[i];
      if (o.momentum != 0) {
        buf[i] = first ? d : mu * buf[i] + keep * d;
        d = o.nesterov ? d + mu * buf[i] : buf[i];
      }
      p[i] = p[i] - lr * d;
    }
  }
};

// The inputs every comparison uses: p0[i] = 0.5 cos(1.3 i), g_k[i] = sin(0.7 i + 1.1 k) + 0.3 p[i].
template <class T>
T start_value(std::size_t i) {
  return T(0.5 * std::cos(1.3 * double(i)));
}
template <class T>
T gradient_value(std::size_t i, int k, T p) {
  return T(std::sin(0.7 * double(i) + 1.1 * k)) + T(0.3) * p;
}

template <class T>
T tolerance() {
  return std::is_same_v<T, float> ? T(2e-6) : T(1e-13);
}

// Runs nerve's SGD on an aligned Tensor (and, when offset = 1, on a misaligned slice) beside the
// reference for a few steps and compares every element after every step.
template <class T, std::size_t N>
void compare_with_reference(const SGD& o, std::size_t offset) {
  Tensor<T, Shape<N + 1>> params_storage, grads_storage;
  T* params = params_storage.data() + offset;
  T* grads = grads_storage.data() + offset;
  SGD::state<T, N> state;
  reference_sgd<T> ref{o, {}};
  std::vector<T> p(N), g(N);
  for (std::size_t i = 0; i < N; ++i) p[i] = params[i] = start_value<T>(i);
  for (int k = 0; k < 5; ++k) {
    for (std::size_t i = 0; i < N; ++i) g[i] = grads[i] = gradient_value<T>(i, k, p[i]);
    o.update(params, grads, state);
    ref.step(p, g);
    for (std::size_t i = 0; i < N; ++i) {
      INFO("N = " << N << ", step " << k + 1 << ", element " << i << ", offset " << offset);
      CHECK(params[i] == Approx(p[i]).epsilon(tolerance<T>()).margin(tolerance<T>()));
    }
  }
  CHECK(state.step == 5);
  CHECK(state.momentum_buffer.has_value() == (o.momentum != 0));
}

template <class T>
void compare_all_lengths(const SGD& o) {
  for (std::size_t offset : {0u, 1u}) {
    compare_with_reference<T, 1>(o, offset);
    compare_with_reference<T, 7>(o, offset);
    compare_with_reference<T, 16>(o, offset);
    compare_with_reference<T, 33>(o, offset);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("SGD matches torch.optim.SGD's formulas step by step", "[optim][sgd]", float,
                   double) {
  SECTION("plain") { compare_all_lengths<TestType>(SGD{.learning_rate = 0.1}); }
  SECTION("weight decay") {
    compare_all_lengths<TestType>(SGD{.learning_rate = 0.05, .weight_decay = 0.2});
  }
  SECTION("momentum") { compare_all_lengths<TestType>(SGD{.learning_rate = 0.1, .momentum = 0.9}); }
  SECTION("momentum, dampening and decay") {
    compare_all_lengths<TestType>(
        SGD{.learning_rate = 0.1, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.01});
  }
  SECTION("Nesterov") {
    compare_all_lengths<TestType>(
        SGD{.learning_rate = 0.01f, .momentum = 0.9f, .weight_decay = 0.1, .nesterov = true});
  }
}

TEST_CASE("SGD: momentum and Nesterov by hand, constant gradient 1", "[optim][sgd]") {
  // lr 0.1, momentum 0.9. Step 1: b = 1 (no dampening on the first step, as in PyTorch).
  // Plain: p = -0.1, then b = 1.9, p = -0.29. Nesterov: d = 1 + 0.9 b: p = -0.19, then -0.461.
  Tensor<double, Shape<3>> plain, nesterov, grad;
  grad.fill(1);
  SGD::state<double, 3> plain_state, nesterov_state;
  const SGD heavy_ball{.learning_rate = 0.1, .momentum = 0.9, .dampening = 0.5};
  const SGD look_ahead{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true};
  heavy_ball.update(plain.data(), grad.data(), plain_state);
  look_ahead.update(nesterov.data(), grad.data(), nesterov_state);
  CHECK(plain(0) == Approx(-0.1));
  CHECK(nesterov(0) == Approx(-0.19));
  look_ahead.update(nesterov.data(), grad.data(), nesterov_state);
  CHECK(nesterov(2) == Approx(-0.461));
  // With dampening 0.5 the second step's buffer is 0.9 * 1 + 0.5 * 1 = 1.4.
  heavy_ball.update(plain.data(), grad.data(), plain_state);
  CHECK(plain(1) == Approx(-0.24));
  CHECK((*plain_state.momentum_buffer)(1) == Approx(1.4));
  CHECK(nesterov(0) != Approx(plain(0)));
}

TEST_CASE("SGD: plain SGD keeps no buffer; learning_rate can change between steps",
          "[optim][sgd]") {
  Tensor<float, Shape<4>> p, g;
  g.fill(2);
  SGD o{.learning_rate = 0.5};
  SGD::state<float, 4> s;
  o.update(p.data(), g.data(), s);
  CHECK_FALSE(s.momentum_buffer.has_value());
  CHECK(p(3) == -1.0f);
  o.learning_rate = 0.25;  // a schedule sets the member between steps
  o.update(p.data(), g.data(), s);
  CHECK(p(3) == -1.5f);
  o.learning_rate = 0;
  o.update(p.data(), g.data(), s);
  CHECK(p(3) == -1.5f);
  CHECK(s.step == 3);
}

TEST_CASE("SGD: bad options are rejected with a sentence naming the option", "[optim][sgd]") {
  CHECK_NOTHROW(SGD{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true}.validate());
  CHECK_THROWS_WITH((SGD{.learning_rate = 0.1, .nesterov = true}.validate()),
                    "SGD: momentum = 0 is invalid; Nesterov momentum needs momentum > 0");
  CHECK_THROWS_WITH(
      (SGD{.learning_rate = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}.validate()),
      "SGD: dampening = 0.1 is invalid; Nesterov momentum needs dampening = 0");
  CHECK_THROWS_WITH((SGD{.learning_rate = -1}.validate()),
                    "SGD: learning_rate = -1 is invalid; it must be >= 0");
  CHECK_THROWS_AS((SGD{.weight_decay = -0.5}.validate()), std::invalid_argument);
}
