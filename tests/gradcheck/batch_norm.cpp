// BatchNorm against finite differences, in double. Training mode (batch statistics): images of one
// channel and of several, planes whose size is and is not a multiple of the SIMD width, 1 x 1
// planes, vectors of 1, 7, 16 and 33 features; batches 1 (images only: a vector has one value per
// feature then, which does not compile in training), 2 and 3. gradcheck compares parameter
// gradients only, so BatchNorm sits after a layer with parameters (Affine, Dense): their gradients
// are right only if BatchNorm's dx is. Inference mode (running statistics, as input_gradient runs
// it): dx and the parameter gradients against finite differences of the inference output.
#include <catch2/catch.hpp>

#include <nerve/layers/batch_norm.hpp>
#include <nerve/nerve.hpp>

#include "support/random_values.hpp"
#include "support/check_gradients.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace nerve;
using nerve_test::random_inputs;

namespace {

using nerve_test::perturb;

constexpr double tolerance = 1e-5;  // relative; central differences with h = 1e-6 in double

const std::uint32_t labels[3] = {0, 2, 1};


// Weight in [0.5, 1.5], bias in [-0.5, 0.5]: the affine part is not the identity; and running
// statistics away from (0, 1), for the inference checks.
template <std::size_t I, class Net>
void perturb_norm(Net& net, std::uint64_t seed) {
  Random rng(Seed{seed});
  auto& p = net.template parameters<I>();
  for (std::size_t e = 0; e < p.weight.size; ++e) p.weight.data()[e] = rng.uniform(0.5, 1.5);
  for (std::size_t e = 0; e < p.bias.size; ++e) p.bias.data()[e] = rng.uniform(-0.5, 0.5);
  auto& s = net.template state<I>();
  for (std::size_t e = 0; e < s.running_mean.size; ++e) {
    s.running_mean.data()[e] = rng.uniform(-0.5, 0.5);
  }
  for (std::size_t e = 0; e < s.running_var.size; ++e) s.running_var.data()[e] = rng.uniform(0.3, 2.0);
}

template <class Net, std::size_t B, class Prepare>
void check(Prepare prepare, std::uint64_t seed = 1) {
  nerve_test::check_gradients<Net, CrossEntropy, B>(labels, seed, prepare, tolerance);
}

// An image: Affine (per element, so its gradient sees BatchNorm's dx) -> BatchNorm per channel.
template <std::size_t C, std::size_t H, std::size_t W>
using NormImage =
    BasicNetwork<double, Input<C, H, W>, Affine, BatchNorm<>, Flatten, Dense<3>, Softmax>;
// A vector: Dense<N> -> BatchNorm per feature.
template <std::size_t N>
using NormVector = BasicNetwork<double, Input<5>, Dense<N>, BatchNorm<>, Dense<3>, Softmax>;

template <class Net>
void check_image(std::uint64_t seed) {
  auto prepare = [](auto& net) {
    perturb<1>(net, 0.5, 1.5, 12);  // Affine: the input gradient of BatchNorm reaches these
    perturb_norm<2>(net, 13);
  };
  check<Net, 1>(prepare, seed);
  check<Net, 2>(prepare, seed + 1);
  check<Net, 3>(prepare, seed + 2);
}

}  // namespace

TEST_CASE("gradcheck: BatchNorm over images in training, one channel and several",
          "[gradcheck][batch_norm]") {
  SECTION("3 channels of 5 x 7 (35 values: a SIMD tail)") { check_image<NormImage<3, 5, 7>>(1); }
  SECTION("1 channel of 5 x 7") { check_image<NormImage<1, 5, 7>>(4); }
  SECTION("2 channels of 4 x 4 (16 values: whole SIMD batches)") {
    check_image<NormImage<2, 4, 4>>(7);
  }
  SECTION("4 channels of 1 x 3") { check_image<NormImage<4, 1, 3>>(10); }
}

TEST_CASE("gradcheck: BatchNorm over 1 x 1 planes (the vector traversal) in training",
          "[gradcheck][batch_norm]") {
  using Net = NormImage<5, 1, 1>;
  auto prepare = [](auto& net) {
    perturb<1>(net, 0.5, 1.5, 14);
    perturb_norm<2>(net, 15);
  };
  check<Net, 2>(prepare, 13);
  check<Net, 3>(prepare, 14);
}

TEMPLATE_TEST_CASE_SIG("gradcheck: BatchNorm over a vector in training at every width",
                       "[gradcheck][batch_norm]", ((std::size_t N), N), 1, 7, 16, 33) {
  auto prepare = [](auto& net) { perturb_norm<2>(net, 16); };
  check<NormVector<N>, 2>(prepare, 20);
  check<NormVector<N>, 3>(prepare, 21);
}

TEST_CASE("gradcheck: BatchNorm with another momentum and eps, MSE after it",
          "[gradcheck][batch_norm]") {
  using Net = BasicNetwork<double, Input<6>, Dense<9>, Tanh, BatchNorm<0.3, 0.1>, Dense<4>>;
  Net net{Seed{6}};
  perturb_norm<3>(net, 17);
  Trainer<Net, MeanSquaredError, SGD, Batch<3>> trainer(net);
  const auto X = random_inputs(3 * 6, 106);
  const double targets[3 * 4] = {0.1, 0.9, 0.3, 0.5, 0.2, 0.7, 0.05, 0.95, 0.4, 0.6, 0.33, 0.67};
  const auto r = nerve_test::gradcheck(trainer, X, targets);
  INFO("worst: " << r.worst_where);
  CHECK(r.checked > 0);
  CHECK(r.worst_relative_error < tolerance);
}

namespace {

// Inference mode: input_gradient runs BatchNorm with the running statistics and differentiates
// that. L = sum(dY * f(X)) for a fixed dY, so dL/dX and dL/dparameters are what input_gradient
// returns; both against central differences of f, run as a batch of B at inference.
template <class Net, std::size_t B, std::size_t I>
void check_inference_gradients(std::uint64_t seed) {
  constexpr std::size_t in = Net::input_shape_t::size;
  constexpr std::size_t out = Net::output_shape_t::size;
  Net net{Seed{seed}};
  perturb_norm<I>(net, seed + 1);
  auto X = random_inputs(B * in, seed + 2);
  const auto dY = random_inputs(B * out, seed + 3);
  typename Net::template GradientWorkspace<B> gws;
  const auto dX = net.template input_gradient<B>(X.data(), dY.data(), gws);
  const std::vector<double> analytic(dX.data(), dX.data() + B * in);
  const auto& grads = std::get<I>(gws.parameter_gradients);

  typename Net::template Workspace<B> ws;
  Tensor<double, decltype(concat(Shape<B>{}, typename Net::input_shape_t{}))> batch;
  auto loss = [&] {
    const double* Y;
    if constexpr (B == 1) {
      Y = net(X.data()).data();
    } else {
      std::copy(X.begin(), X.end(), batch.data());
      Y = net(batch, ws).data();
    }
    double l = 0;
    for (std::size_t k = 0; k < B * out; ++k) l += dY[k] * Y[k];
    return l;
  };
  const double h = 1e-6;
  auto compare = [&](double* p, double g, const char* what, std::size_t e) {
    const double old = *p;
    *p = old + h;
    const double up = loss();
    *p = old - h;
    const double down = loss();
    *p = old;
    const double fd = (up - down) / (2 * h);
    INFO(what << " element " << e << ": analytic " << g << " finite difference " << fd);
    CHECK(std::abs(fd - g) <= tolerance * std::max(std::abs(fd) + std::abs(g), 1e-4));
  };
  for (std::size_t e = 0; e < B * in; ++e) compare(&X[e], analytic[e], "dx", e);
  auto& p = net.template parameters<I>();
  for (std::size_t e = 0; e < p.weight.size; ++e) {
    compare(&p.weight.data()[e], grads.weight.data()[e], "dweight", e);
    compare(&p.bias.data()[e], grads.bias.data()[e], "dbias", e);
  }
  // The running statistics are constants at inference: neither pass moved them.
  const auto& s = net.template state<I>();
  Net fresh{Seed{seed}};
  perturb_norm<I>(fresh, seed + 1);
  for (std::size_t e = 0; e < s.running_mean.size; ++e) {
    CHECK(s.running_mean.data()[e] == fresh.template state<I>().running_mean.data()[e]);
    CHECK(s.running_var.data()[e] == fresh.template state<I>().running_var.data()[e]);
  }
}

}  // namespace

TEST_CASE("gradcheck: BatchNorm at inference (input_gradient, running statistics)",
          "[gradcheck][batch_norm]") {
  using Image = BasicNetwork<double, Input<3, 5, 7>, BatchNorm<>, Tanh, Flatten, Dense<4>>;
  using Vector = BasicNetwork<double, Input<9>, BatchNorm<>, Tanh, Dense<4>>;
  check_inference_gradients<Image, 1, 1>(29);
  check_inference_gradients<Image, 2, 1>(30);
  check_inference_gradients<Image, 3, 1>(31);
  check_inference_gradients<Vector, 1, 1>(34);  // a batch of 1 is fine at inference
  check_inference_gradients<Vector, 2, 1>(32);
  check_inference_gradients<Vector, 3, 1>(33);
}
