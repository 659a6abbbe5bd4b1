// LayerNorm and Dropout against finite differences, in double, at feature sizes 1 (variance 0),
// 7, 16 and 33, batches of 1 and 3. gradcheck compares parameter gradients only, so each layer
// sits after a layer with parameters (Dense, Affine): their gradients are right only if the
// layer's dx is. LayerNorm's weight and bias are perturbed away from (1, 0) after construction.
#include <catch2/catch.hpp>

#include <nerve/layers/affine.hpp>

#include "support/random_values.hpp"
#include "support/check_gradients.hpp"

using namespace nerve;
using nerve_test::gradcheck;
using nerve_test::random_inputs;

namespace {

using nerve_test::perturb;

constexpr double tolerance = 1e-5;  // relative; central differences with h = 1e-6 in double

const std::uint32_t labels[3] = {0, 2, 1};


// Weight in [0.5, 1.5], bias in [-0.5, 0.5]: the affine part is not the identity.
template <std::size_t I, class Net>
void perturb_norm(Net& net, std::uint64_t seed) {
  Random rng(Seed{seed});
  auto& p = net.template parameters<I>();
  for (std::size_t e = 0; e < p.weight.size; ++e) p.weight.data()[e] = rng.uniform(0.5, 1.5);
  for (std::size_t e = 0; e < p.bias.size; ++e) p.bias.data()[e] = rng.uniform(-0.5, 0.5);
}

template <class Net, std::size_t B, class Prepare>
void check(Prepare prepare, std::uint64_t seed = 1) {
  nerve_test::check_gradients<Net, CrossEntropy, B>(labels, seed, prepare, tolerance);
}

// Rank 1: Dense<N> -> LayerNorm over the N values -> Dense<3> -> Softmax.
template <std::size_t N>
using NormVector = BasicNetwork<double, Input<5>, Dense<N>, LayerNorm<>, Dense<3>, Softmax>;
// Rank 2, the last axis: 3 groups of N per sample; Affine before it carries LayerNorm's dx.
template <std::size_t N>
using NormRows =
    BasicNetwork<double, Input<3, N>, Affine, LayerNorm<>, Flatten, Dense<3>, Softmax>;
// Rank 2, both axes (one group of 3 N per sample).
template <std::size_t N>
using NormWhole =
    BasicNetwork<double, Input<3, N>, Affine, LayerNorm<2>, Flatten, Dense<3>, Softmax>;

}  // namespace

TEMPLATE_TEST_CASE_SIG("gradcheck: LayerNorm over a vector at every width",
                       "[gradcheck][layer_norm]", ((std::size_t N), N), 1, 7, 16, 33) {
  auto prepare = [](auto& net) { perturb_norm<2>(net, 11); };
  check<NormVector<N>, 1>(prepare);
  check<NormVector<N>, 3>(prepare, 2);
}

TEMPLATE_TEST_CASE_SIG("gradcheck: LayerNorm over the last axis of a rank-2 input",
                       "[gradcheck][layer_norm]", ((std::size_t N), N), 1, 7, 16, 33) {
  auto prepare = [](auto& net) {
    perturb<1>(net, 0.5, 1.5, 12);  // Affine: the input gradient of LayerNorm reaches these
    perturb_norm<2>(net, 13);
  };
  check<NormRows<N>, 1>(prepare, 3);
  check<NormRows<N>, 3>(prepare, 4);
}

TEMPLATE_TEST_CASE_SIG("gradcheck: LayerNorm over both axes of a rank-2 input",
                       "[gradcheck][layer_norm]", ((std::size_t N), N), 1, 7, 16) {
  auto prepare = [](auto& net) {
    perturb<1>(net, 0.5, 1.5, 14);
    perturb_norm<2>(net, 15);
  };
  check<NormWhole<N>, 3>(prepare, 5);
}

TEST_CASE("gradcheck: LayerNorm with a larger eps and MSE after it", "[gradcheck][layer_norm]") {
  using Net = BasicNetwork<double, Input<6>, Dense<9>, Tanh, LayerNorm<1, 0.1>, Dense<4>>;
  Net net{Seed{6}};
  perturb_norm<3>(net, 16);
  Trainer<Net, MeanSquaredError, SGD, Batch<3>> trainer(net);
  const auto X = random_inputs(3 * 6, 106);
  const double targets[3 * 4] = {0.1, 0.9, 0.3, 0.5, 0.2, 0.7, 0.05, 0.95, 0.4, 0.6, 0.33, 0.67};
  const auto r = gradcheck(trainer, X, targets);
  INFO("worst: " << r.worst_where);
  CHECK(r.checked > 0);
  CHECK(r.worst_relative_error < tolerance);
}

// Dropout: the mask depends on (seed, layer, step) and the step advances only in
// apply_gradients / step, so compute_gradients and every batch_loss of the finite differences
// use the same mask, and the derivative of the loss through it is dx = dy * mask.
TEMPLATE_TEST_CASE_SIG("gradcheck: Dropout between two Dense layers at every width",
                       "[gradcheck][dropout]", ((std::size_t N), N), 1, 7, 16, 33) {
  using Net = BasicNetwork<double, Input<7>, Dense<N>, Tanh, Dropout<0.3>, Dense<3>, Softmax>;
  auto prepare = [](auto&) {};
  check<Net, 1>(prepare, 7);
  check<Net, 3>(prepare, 8);
}

TEST_CASE("gradcheck: Dropout then LayerNorm then Dropout", "[gradcheck][dropout][layer_norm]") {
  using Net = BasicNetwork<double, Input<7>, Dense<16>, Dropout<0.5>, LayerNorm<>, ReLU,
                           Dropout<0.2>, Dense<3>, Softmax>;
  check<Net, 3>([](auto& net) { perturb_norm<3>(net, 17); }, 9);
}

TEST_CASE("gradcheck: Dropout's mask is the same for compute_gradients and batch_loss until the "
          "step advances",
          "[gradcheck][dropout]") {
  using Net = BasicNetwork<double, Input<7>, Dense<33>, Dropout<0.5>, Dense<3>, Softmax>;
  Net net{Seed{10}};
  Trainer<Net, CrossEntropy, SGD, Batch<3>> trainer(net, SGD{.learning_rate = 0});
  const auto X = random_inputs(3 * 7, 110);
  const double before = trainer.batch_loss(X.data(), 7, labels, nullptr);
  const double with_gradients = trainer.compute_gradients(X.data(), labels);
  const double after = trainer.batch_loss(X.data(), 7, labels, nullptr);
  CHECK(before == with_gradients);  // bitwise: the same mask each time
  CHECK(after == with_gradients);
  REQUIRE(trainer.steps() == 0);
  trainer.apply_gradients();  // learning rate 0: only the step counter moves
  REQUIRE(trainer.steps() == 1);
  const double next = trainer.batch_loss(X.data(), 7, labels, nullptr);
  CHECK(next != before);  // a new mask
}
