// Layers written against the open contract, checked against finite differences in double:
// Affine (include/nerve/layers/affine.hpp) and a user's own PReLU from examples/, whose backward
// passes are derived from their expressions, at odd and SIMD-sized widths, batches 1 and 3; and
// the gradient of the network's input.
#include <catch2/catch.hpp>

#include "support/check_gradients.hpp"

#include "../../examples/user_layers/prelu.hpp"

using namespace nerve;
using nerve_test::gradcheck;
using nerve_test::random_inputs;

namespace {

constexpr double tolerance = 1e-5;
const std::uint32_t labels[3] = {0, 2, 1};

// Moves a per-feature layer's parameters away from their identity start, so that a derivative
// with a wrong factor of a or b would show.
template <class Params>
void perturb(Params& p, std::uint64_t seed) {
  Random rng(Seed{seed});
  p.for_each([&](const char*, auto& t) {
    for (auto& v : t.flat()) v = rng.uniform(-1.5, 1.5);
  });
}

template <class Net, std::size_t B, std::size_t Layer>
void check(std::uint64_t seed) {
  nerve_test::check_gradients<Net, CrossEntropy, B>(
      labels, seed, [&](Net& net) { perturb(net.template parameters<Layer>(), seed + 50); },
      tolerance);
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("gradcheck: Affine derived from a * x + b at every width",
                       "[gradcheck][affine]", ((std::size_t N), N), 1, 7, 16, 33) {
  using Net = BasicNetwork<double, Input<5>, Dense<N>, Tanh, Affine, Dense<3>, Softmax>;
  check<Net, 3, 3>(1);
  check<Net, 1, 3>(2);
}

TEST_CASE("gradcheck: Affine as the first layer, on a rank-2 input", "[gradcheck][affine]") {
  using Net = BasicNetwork<double, Input<3, 5>, Affine, Flatten, Dense<3>, Softmax>;
  check<Net, 3, 1>(3);
}

TEMPLATE_TEST_CASE_SIG("gradcheck: a user's PReLU, slope and input, derived from its expression",
                       "[gradcheck][user-layer]", ((std::size_t N), N), 1, 7, 16, 33) {
  using Net = BasicNetwork<double, Input<6>, Dense<N>, user::PReLU, Dense<3>, Softmax>;
  check<Net, 3, 2>(4);
  check<Net, 1, 2>(5);
}

TEST_CASE("gradcheck: the input gradient of a network, against finite differences",
          "[gradcheck][input-gradient]") {
  using Net = BasicNetwork<double, Input<2, 4>, Flatten, Dense<9>, Tanh, Affine, Dense<5>,
                           user::PReLU, Dense<3>, Softmax>;
  Net net{Seed{9}};
  perturb(net.parameters<4>(), 10);
  constexpr std::size_t B = 3;
  const auto X = random_inputs(B * 8, 11);
  const auto dY = random_inputs(B * 3, 12);  // L = sum dY * y
  Net::GradientWorkspace<B> ws;
  const auto g = net.input_gradient<B>(X.data(), dY.data(), ws);
  Net::Workspace<B> infer;
  auto loss = [&](const std::vector<double>& x) {
    Tensor<double, Shape<B, 2, 4>> in;
    std::copy(x.begin(), x.end(), in.data());
    const auto y = net(in, infer);
    double total = 0;
    for (std::size_t i = 0; i < B * 3; ++i) total += dY[i] * y.data()[i];
    return total;
  };
  double worst = 0;
  for (std::size_t e = 0; e < X.size(); ++e) {
    auto up = X, down = X;
    up[e] += 1e-6;
    down[e] -= 1e-6;
    const double fd = (loss(up) - loss(down)) / 2e-6;
    const double analytic = g.data()[e];
    worst = std::max(worst, std::abs(fd - analytic) / std::max(std::abs(fd) + std::abs(analytic), 1e-4));
  }
  CHECK(worst < tolerance);
}
