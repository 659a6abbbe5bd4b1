// The fused update (the optimizer's step applied inside the backward kernels, no gradient array)
// against the write-then-update path (gradients written, then the optimizer): the same weights,
// bit for bit, after several steps, for every element-wise optimizer, float and double, at
// batch 1 and odd sizes; and which path Trainer::step takes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "support/network_check.hpp"

using namespace nerve;

namespace {

// Dense layers (sinks) with and without bias, odd widths (33, 7, 5; inputs 17 and 5), and an
// Affine layer, which writes gradients and is updated after the backward pass.
template <class T, long In>
using Mixed = BasicNetwork<T, Input<In>, Dense<33>, Tanh, Affine, Dense<7, NoBias>, ReLU,
                           Dense<5>, Softmax>;

// Every trainable value of two networks of the same type: how many differ (by more than
// `tolerance` times the larger of the two or 1; 0: bit for bit), and the first one.
struct Differences {
  double tolerance = 0;
  std::size_t count = 0;
  std::string first;
  template <class Tensor>
  void compare(std::size_t entry, std::size_t array, const Tensor& x, const Tensor& y) {
    for (std::size_t e = 0; e < x.size; ++e) {
      const double a = x.data()[e], b = y.data()[e];
      if (a == b || std::abs(a - b) <= tolerance * std::max({std::abs(a), std::abs(b), 1.0}))
        continue;
      if (count++ == 0) {
        first = "entry " + std::to_string(entry) + " array " + std::to_string(array) +
                " element " + std::to_string(e) + ": " + std::to_string(double(x.data()[e])) +
                " vs " + std::to_string(double(y.data()[e]));
      }
    }
  }
  template <std::size_t I, std::size_t J, class Arrays>
  void compare_array(const Arrays& pa, const Arrays& pb) {
    if constexpr (J < std::tuple_size_v<Arrays>) {
      compare(I, J, std::get<J>(pa), std::get<J>(pb));
      compare_array<I, J + 1>(pa, pb);
    }
  }
  template <std::size_t I, class Net>
  void compare_entries(const Net& a, const Net& b) {
    if constexpr (I < std::tuple_size_v<typename Net::parameter_tuple>) {
      compare_array<I, 0>(std::get<I>(a.parameter_arrays()).arrays(),
                          std::get<I>(b.parameter_arrays()).arrays());
      compare_entries<I + 1>(a, b);
    }
  }
};

template <class Net>
std::pair<std::size_t, std::string> differences(const Net& a, const Net& b, double tolerance = 0) {
  Differences d;
  d.tolerance = tolerance;
  d.compare_entries<0>(a, b);
  return {d.count, d.first};
}

template <class T, long In, std::size_t B, class Opt>
void check_paths_agree(const Opt& opt, int steps = 7) {
  using Net = Mixed<T, In>;
  Net fused{Seed{21}}, separate{Seed{21}};
  const Net initial{Seed{21}};
  Trainer<Net, CrossEntropy, Opt, Batch<B>> a(fused, opt), b(separate, opt);
  const auto inputs = nerve_test::random_inputs(B * In * 3, 4);
  const std::vector<T> X(inputs.begin(), inputs.end());
  std::vector<std::uint32_t> labels(B * 3);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::uint32_t>((i * 7) % 5);
  for (int s = 0; s < steps; ++s) {
    const std::size_t k = static_cast<std::size_t>(s) % 3;  // three batches in turn
    const T la = a.fused_step(X.data() + k * B * In, labels.data() + k * B);
    const T lb = b.separate_step(X.data() + k * B * In, labels.data() + k * B);
    CHECK(la == lb);
  }
  const auto [count, first] = differences(fused, separate);
  INFO(Opt::name << ", batch " << B << ", inputs " << In << ", " << sizeof(T) * 8
                 << "-bit: " << count << " values differ; first: " << first);
  CHECK(count == 0);
  // Every layer moved (the test would pass trivially if neither path updated anything).
  CHECK(differences(fused, initial).first > 0);
  CHECK(std::get<1>(fused.parameter_arrays()).weight(0, 0) !=
        std::get<1>(initial.parameter_arrays()).weight(0, 0));
  CHECK(std::get<3>(fused.parameter_arrays()).weight(0) !=
        std::get<3>(initial.parameter_arrays()).weight(0));  // Affine: updated after backward
  CHECK(std::get<6>(fused.parameter_arrays()).bias(0) !=
        std::get<6>(initial.parameter_arrays()).bias(0));
}

template <class T, long In, std::size_t B>
void check_all_optimizers() {
  check_paths_agree<T, In, B>(SGD{.learning_rate = 0.05});
  check_paths_agree<T, In, B>(SGD{.learning_rate = 0.05, .momentum = 0.9});
  check_paths_agree<T, In, B>(
      SGD{.learning_rate = 0.05, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.01});
  check_paths_agree<T, In, B>(SGD{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true});
  check_paths_agree<T, In, B>(
      SGD{.learning_rate = 0.05, .momentum = 0.9, .weight_decay = 0.02, .nesterov = true});
  check_paths_agree<T, In, B>(Adam{.learning_rate = 0.01});
  check_paths_agree<T, In, B>(Adam{.learning_rate = 0.01, .weight_decay = 0.05});
  check_paths_agree<T, In, B>(AdamW{.learning_rate = 0.01});
}

// An optimizer that offers no element-wise step (as one that clips by the global norm would not).
struct WholeGradientSGD {
  double learning_rate = 0.05;
  static constexpr const char* name = "WholeGradientSGD";
  template <class T, std::size_t N>
  struct state {};
  template <class T, std::size_t N>
  void update(T* p, const T* g, state<T, N>&) const {
    for (std::size_t i = 0; i < N; ++i) p[i] -= static_cast<T>(learning_rate) * g[i];
  }
  void validate() const {}
};

}  // namespace

TEMPLATE_TEST_CASE_SIG("fused update: the same weights as gradients then update, every optimizer",
                       "[train][fused]", ((std::size_t B), B), 1, 3, 7) {
  // Both input sizes in both types across the batches, at a bearable compile time.
  constexpr long in_float = B == 3 ? 5 : 17;
  constexpr long in_double = B == 3 ? 17 : 5;
  check_all_optimizers<float, in_float, B>();
  check_all_optimizers<double, in_double, B>();
}

TEST_CASE("fused update: step() takes the fused path at small batches with element-wise optimizers",
          "[train][fused]") {
  using Net = Mixed<float, 17>;
  STATIC_REQUIRE(ElementwiseOptimizer<SGD>);
  STATIC_REQUIRE(ElementwiseOptimizer<Adam>);
  STATIC_REQUIRE(ElementwiseOptimizer<AdamW>);
  STATIC_REQUIRE(Optimizer<WholeGradientSGD>);
  STATIC_REQUIRE_FALSE(ElementwiseOptimizer<WholeGradientSGD>);
  STATIC_REQUIRE(Trainer<Net, CrossEntropy, SGD, Batch<1>>::fuses_update);
  STATIC_REQUIRE(Trainer<Net, CrossEntropy, Adam, Batch<fused_update_max_batch>>::fuses_update);
  STATIC_REQUIRE_FALSE(
      Trainer<Net, CrossEntropy, SGD, Batch<fused_update_max_batch + 1>>::fuses_update);
  STATIC_REQUIRE_FALSE(Trainer<Net, CrossEntropy, WholeGradientSGD, Batch<1>>::fuses_update);

  // step() is fused_step() at batch 1: the same weights; and an optimizer without an element-wise
  // step still trains through step() (write-then-update).
  Net a{Seed{5}}, b{Seed{5}}, c{Seed{5}}, d{Seed{5}};
  Trainer<Net, CrossEntropy, SGD, Batch<1>> ta(a, SGD{.learning_rate = 0.1, .momentum = 0.5});
  Trainer<Net, CrossEntropy, SGD, Batch<1>> tb(b, SGD{.learning_rate = 0.1, .momentum = 0.5});
  Trainer<Net, CrossEntropy, WholeGradientSGD, Batch<1>> tc(c);
  Trainer<Net, CrossEntropy, SGD, Batch<1>> td(d, SGD{.learning_rate = 0.05});
  const auto inputs = nerve_test::random_inputs(17, 9);
  const std::vector<float> x(inputs.begin(), inputs.end());
  const std::uint32_t label[1] = {2};
  for (int s = 0; s < 4; ++s) {
    ta.step(x.data(), label);
    tb.fused_step(x.data(), label);
    tc.step(x.data(), label);
    td.separate_step(x.data(), label);
  }
  CHECK(differences(a, b).first == 0);
  // The same plain SGD, written out by hand (WholeGradientSGD): equal up to rounding. Not bit for
  // bit: whether p - lr * g becomes one fused multiply-add is the compiler's choice (g++ fuses in
  // nerve's SIMD loop and in WholeGradientSGD's loop alike; clang fuses only within one
  // expression, so in WholeGradientSGD's loop but not across nerve's xsimd operators).
  // Measured with clang 19: 114 values differ, none by more than 1e-7; the tolerance is about 8
  // float ulps at 1, where a wrong update path would be off by a step, learning rate x gradient.
  const auto [hand_count, hand_first] = differences(c, d, 1e-6);
  INFO(hand_count << " values differ by more than 1e-6 of their size or of 1; first: " << hand_first);
  CHECK(hand_count == 0);
  CHECK(differences(c, Net{Seed{5}}).first > 0);
}

TEST_CASE("fused update: the separate path still fills gradients()", "[train][fused]") {
  using Net = Mixed<double, 5>;
  Net net{Seed{8}};
  Trainer<Net, CrossEntropy, Adam, Batch<1>> trainer(net);
  const auto inputs = nerve_test::random_inputs(5, 10);
  const std::uint32_t label[1] = {1};
  trainer.separate_step(inputs.data(), label);
  CHECK(std::get<1>(trainer.gradients()).weight(0, 0) != 0);
}
