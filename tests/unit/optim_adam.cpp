// Adam and AdamW against a plain scalar transcription of torch.optim.Adam / torch.optim.AdamW.
#include <catch2/catch.hpp>

#include <nerve/optim/adam.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

using namespace nerve;

namespace {

// torch.optim.Adam(W), one element at a time: scalars in double rounded to T, tensor ops in T.
template <class T>
struct reference_adam {
  double learning_rate, beta1, beta2, eps, weight_decay;
  bool decoupled;
  std::vector<T> m, v;
  int t = 0;
  void step(std::vector<T>& p, const std::vector<T>& g) {
    if (m.empty()) m.assign(p.size(), T(0)), v.assign(p.size(), T(0));
    ++t;
    const double bc1 = 1 - std::pow(beta1, t), bc2 = 1 - std::pow(beta2, t);
    const T step_size = T(learning_rate / bc1), bc2_sqrt = T(std::sqrt(bc2));
    for (std::size_t i = 0; i < p.size(); ++i) {
      T grad = g[i];
      if (decoupled)
        p[i] = p[i] * T(1 - learning_rate * weight_decay);
      else if (weight_decay != 0)
        grad = grad + T(weight_decay) * p[i];
      m[i] = m[i] * T(beta1) + T(1 - beta1) * grad;
      v[i] = v[i] * T(beta2) + T(1 - beta2) * grad * grad;
      const T denom = std::sqrt(v[i]) / bc2_sqrt + T(eps);
      p[i] = p[i] - step_size * m[i] / denom;
    }
  }
};

template <class T, class O>
reference_adam<T> reference_of(const O& o) {
  const bool decoupled = std::is_same_v<O, AdamW>;
  return {o.learning_rate, o.beta1, o.beta2, o.eps, o.weight_decay, decoupled, {}, {}, 0};
}

template <class T>
T tolerance() {
  return std::is_same_v<T, float> ? T(1e-5) : T(1e-12);
}

template <class T, std::size_t N, class O>
void compare_with_reference(const O& o, std::size_t offset) {
  Tensor<T, Shape<N + 1>> params_storage, grads_storage;
  T* params = params_storage.data() + offset;
  T* grads = grads_storage.data() + offset;
  typename O::template state<T, N> state;
  auto ref = reference_of<T>(o);
  std::vector<T> p(N), g(N);
  for (std::size_t i = 0; i < N; ++i) p[i] = params[i] = T(0.5 * std::cos(1.3 * double(i)));
  for (int k = 0; k < 6; ++k) {
    for (std::size_t i = 0; i < N; ++i)
      g[i] = grads[i] = T(std::sin(0.7 * double(i) + 1.1 * k)) + T(0.3) * p[i];
    o.update(params, grads, state);
    ref.step(p, g);
    for (std::size_t i = 0; i < N; ++i) {
      INFO(O::name << ", N = " << N << ", step " << k + 1 << ", element " << i << ", offset "
                   << offset);
      CHECK(params[i] == Approx(p[i]).epsilon(tolerance<T>()).margin(tolerance<T>()));
      CHECK(state.exp_avg(i) == Approx(ref.m[i]).epsilon(tolerance<T>()).margin(tolerance<T>()));
      CHECK(state.exp_avg_sq(i) == Approx(ref.v[i]).epsilon(tolerance<T>()).margin(tolerance<T>()));
    }
  }
  CHECK(state.step == 6);
}

template <class T, class O>
void compare_all_lengths(const O& o) {
  for (std::size_t offset : {0u, 1u}) {
    compare_with_reference<T, 1>(o, offset);
    compare_with_reference<T, 7>(o, offset);
    compare_with_reference<T, 16>(o, offset);
    compare_with_reference<T, 33>(o, offset);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("Adam and AdamW match torch.optim's formulas step by step", "[optim][adam]",
                   float, double) {
  SECTION("Adam, defaults") { compare_all_lengths<TestType>(Adam{}); }
  SECTION("Adam, L2 decay and other betas") {
    compare_all_lengths<TestType>(Adam{
        .learning_rate = 1e-2f, .beta1 = .8f, .beta2 = .95f, .eps = 1e-6f, .weight_decay = 0.1});
  }
  SECTION("AdamW, defaults (weight_decay 0.01)") { compare_all_lengths<TestType>(AdamW{}); }
  SECTION("AdamW, strong decay") {
    compare_all_lengths<TestType>(AdamW{.learning_rate = 0.05, .weight_decay = 0.5});
  }
  SECTION("AdamW without decay is Adam") {
    compare_all_lengths<TestType>(AdamW{.learning_rate = 0.05, .weight_decay = 0});
  }
}

TEST_CASE("Adam's L2 and AdamW's decoupled decay differ, by hand", "[optim][adam]") {
  // p = 1, g = 0, lr 0.01, weight_decay 0.1, one step.
  // AdamW: p = 1 * (1 - 0.01 * 0.1) = 0.999; the gradient is 0, so m = 0 and no Adam step.
  // Adam: g = 0.1; m = 0.01, v = 1e-5; bias-corrected m = 0.1, sqrt(v) / sqrt(1e-3) = 0.1:
  //       p = 1 - 0.01 * 0.1 / (0.1 + 1e-8) = 0.99000001.
  Tensor<double, Shape<5>> adam_p, adamw_p, grad;
  adam_p.fill(1);
  adamw_p.fill(1);
  Adam::state<double, 5> adam_state;
  AdamW::state<double, 5> adamw_state;
  Adam{.learning_rate = 0.01, .weight_decay = 0.1}.update(adam_p.data(), grad.data(), adam_state);
  AdamW{.learning_rate = 0.01, .weight_decay = 0.1}.update(adamw_p.data(), grad.data(),
                                                           adamw_state);
  CHECK(adamw_p(4) == Approx(0.999).epsilon(1e-14));
  CHECK(adam_p(4) == Approx(1 - 0.001 / (0.1 + 1e-8)).epsilon(1e-14));
  CHECK(adamw_state.exp_avg(0) == 0);
  CHECK(adam_state.exp_avg(0) == Approx(0.01));
}

TEST_CASE("Adam: eps is added after the square root and the bias correction", "[optim][adam]") {
  // Step 1 with g = 1e-6, default betas: m_hat = 1e-6, sqrt(v_hat) = 1e-6; with eps = 1e-6 the
  // step is lr * 1e-6 / 2e-6 = lr / 2. Adding eps inside the root would give about lr * 1e-3.
  Tensor<double, Shape<2>> p, g;
  g.fill(1e-6);
  Adam::state<double, 2> s;
  Adam{.learning_rate = 0.1, .eps = 1e-6}.update(p.data(), g.data(), s);
  CHECK(p(0) == Approx(-0.05).epsilon(1e-9));
  CHECK(p(1) == Approx(-0.05).epsilon(1e-9));
}

TEST_CASE("Adam: bad options are rejected with a sentence naming the option", "[optim][adam]") {
  CHECK_NOTHROW(Adam{}.validate());
  CHECK_NOTHROW(AdamW{}.validate());
  CHECK_THROWS_WITH((Adam{.eps = 0}.validate()),
                    "Adam: eps = 0 is invalid; it must be > 0 (with eps = 0 a parameter whose "
                    "gradient is 0 becomes 0/0)");
  CHECK_THROWS_WITH((AdamW{.beta1 = 1}.validate()),
                    "AdamW: beta1 = 1 is invalid; it must be in [0, 1)");
  CHECK_THROWS_WITH((Adam{.beta2 = -0.1}.validate()),
                    "Adam: beta2 = -0.1 is invalid; it must be in [0, 1)");
  CHECK_THROWS_AS((AdamW{.learning_rate = -1e-3}.validate()), std::invalid_argument);
}
