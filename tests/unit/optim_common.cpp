// What every optimizer promises: the Optimizer concept, convergence on a known problem, and
// padding (zero parameters whose gradient is always zero) left exactly at zero.
#include <catch2/catch.hpp>

#include <nerve/optim/adam.hpp>
#include <nerve/optim/optimizer.hpp>
#include <nerve/optim/sgd.hpp>

#include <cmath>
#include <cstddef>
#include <string>

using namespace nerve;

TEST_CASE("Optimizers satisfy the Optimizer concept and take designated initialisers", "[optim]") {
  STATIC_REQUIRE(Optimizer<SGD>);
  STATIC_REQUIRE(Optimizer<Adam>);
  STATIC_REQUIRE(Optimizer<AdamW>);
  STATIC_REQUIRE_FALSE(Optimizer<int>);
  // The spellings the trainer's users write, with float literals.
  constexpr SGD sgd{.learning_rate = 0.01f, .momentum = 0.9f, .nesterov = true};
  constexpr Adam adam{
      .learning_rate = 1e-3f, .beta1 = .9f, .beta2 = .999f, .eps = 1e-8f, .weight_decay = 0};
  constexpr AdamW adamw{.learning_rate = 1e-3f, .weight_decay = 1e-2f};
  STATIC_REQUIRE(sgd.nesterov);
  CHECK(adam.eps == Approx(1e-8));
  CHECK(adamw.weight_decay == Approx(1e-2));
  CHECK(std::string(SGD::name) == "SGD");
  CHECK(std::string(Adam::name) == "Adam");
  CHECK(std::string(AdamW::name) == "AdamW");
}

namespace {

// Minimises f(w) = sum (w - 3)^2 from w = 0: the gradient is 2 (w - 3).
template <class T, std::size_t N, class O>
T distance_after(const O& o, int steps) {
  Tensor<T, Shape<N>> w, g;
  typename O::template state<T, N> s;
  for (int k = 0; k < steps; ++k) {
    for (std::size_t i = 0; i < N; ++i) g(i) = 2 * (w(i) - 3);
    o.update(w.data(), g.data(), s);
  }
  T worst = 0;
  for (std::size_t i = 0; i < N; ++i) worst = std::max(worst, std::abs(w(i) - 3));
  return worst;
}

}  // namespace

TEMPLATE_TEST_CASE("Every optimizer minimises sum (w - 3)^2 from w = 0", "[optim]", float, double) {
  using T = TestType;
  // SGD with lr 0.1 contracts the error by 0.8 per step: 3 * 0.8^100 ~ 6e-10.
  CHECK(distance_after<T, 33>(SGD{.learning_rate = 0.1}, 100) < T(1e-5));
  CHECK(distance_after<T, 33>(SGD{.learning_rate = 0.05, .momentum = 0.9}, 300) < T(1e-4));
  CHECK(distance_after<T, 33>(SGD{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true}, 300) <
        T(1e-4));
  CHECK(distance_after<T, 33>(Adam{.learning_rate = 0.1}, 1000) < T(1e-3));
  CHECK(distance_after<T, 33>(AdamW{.learning_rate = 0.1, .weight_decay = 0}, 1000) < T(1e-3));
  // With decay the optimum moves towards 0 but stays close to 3.
  CHECK(distance_after<T, 33>(AdamW{.learning_rate = 0.1, .weight_decay = 1e-3}, 1000) < T(0.1));
  // Too few steps do not reach it: the checks above can fail.
  CHECK(distance_after<T, 33>(Adam{.learning_rate = 0.1}, 5) > T(2));
}

namespace {

// A 37-element array whose last 5 entries are padding: zero, with a zero gradient every step.
template <class T, class O>
void check_padding_stays_zero(const O& o) {
  constexpr std::size_t n = 37, used = 32;
  Tensor<T, Shape<n>> w, g;
  typename O::template state<T, n> s;
  for (std::size_t i = 0; i < used; ++i) w(i) = T(0.1) * T(i) - 1;
  for (int k = 0; k < 25; ++k) {
    for (std::size_t i = 0; i < used; ++i) g(i) = std::sin(T(i) + T(k));
    o.update(w.data(), g.data(), s);
  }
  bool moved = false;
  for (std::size_t i = 0; i < used; ++i) moved = moved || w(i) != T(0.1) * T(i) - 1;
  CHECK(moved);
  for (std::size_t i = used; i < n; ++i) {
    INFO(O::name << ", element " << i);
    CHECK(w(i) == 0);
    CHECK_FALSE(std::signbit(w(i)));
  }
}

}  // namespace

TEMPLATE_TEST_CASE("Zero parameters with zero gradients stay zero under every optimizer", "[optim]",
                   float, double) {
  using T = TestType;
  check_padding_stays_zero<T>(SGD{.learning_rate = 0.1});
  check_padding_stays_zero<T>(SGD{.learning_rate = 0.1, .weight_decay = 0.1});
  check_padding_stays_zero<T>(
      SGD{.learning_rate = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.1});
  check_padding_stays_zero<T>(
      SGD{.learning_rate = 0.1, .momentum = 0.9, .weight_decay = 0.1, .nesterov = true});
  check_padding_stays_zero<T>(Adam{.learning_rate = 0.1});
  check_padding_stays_zero<T>(Adam{.learning_rate = 0.1, .weight_decay = 0.1});
  check_padding_stays_zero<T>(AdamW{.learning_rate = 0.1, .weight_decay = 0.1});
}
