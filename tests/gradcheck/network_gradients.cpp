// Every layer and loss against finite differences, in double, at sizes 1, 7, 16 and 33 (below,
// at, above and not a multiple of every SIMD width), batches of 1 and 3, fused and unfused paths.
#include <catch2/catch.hpp>

#include "support/check_gradients.hpp"

using namespace nerve;
using nerve::expr::x;
using nerve_test::gradcheck;
using nerve_test::random_inputs;

namespace {

constexpr double tolerance = 1e-5;  // relative; central differences with h = 1e-6 in double

template <class Net, class Loss, std::size_t B, class Target>
void check(const Target* targets, std::uint64_t seed = 1) {
  nerve_test::check_gradients<Net, Loss, B>(targets, seed, nerve_test::leave_as_is{}, tolerance);
}

const std::uint32_t labels[3] = {0, 2, 1};
const double values[3 * 33] = {0.1, 0.9, 0.3, 0.5, 0.2, 0.7, 0.05, 0.95, 0.4, 0.6, 0.33, 0.67,
                               0.8, 0.15, 0.25, 0.45, 0.55, 0.65, 0.75, 0.85, 0.35, 0.1, 0.2,
                               0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.12, 0.34, 0.56};

template <std::size_t N>
using Mlp = BasicNetwork<double, Input<N>, Dense<N>, Tanh, Dense<3>, Softmax>;

}  // namespace

TEMPLATE_TEST_CASE_SIG("gradcheck: Dense + Tanh + Dense + Softmax/cross-entropy at every width",
                       "[gradcheck][dense]", ((std::size_t N), N), 1, 7, 16, 33) {
  check<Mlp<N>, CrossEntropy, 3>(labels);
  check<Mlp<N>, CrossEntropy, 1>(labels);
}

TEMPLATE_TEST_CASE_SIG("gradcheck: ReLU and bias-free Dense", "[gradcheck][relu]",
                       ((std::size_t N), N), 1, 7, 16, 33) {
  using Net = BasicNetwork<double, Input<5>, Dense<N>, ReLU, Dense<3, NoBias>, Softmax>;
  check<Net, CrossEntropy, 3>(labels, 4);
}

TEST_CASE("gradcheck: LeakyReLU, Sigmoid and a chain of activations in one group", "[gradcheck]") {
  using Net = BasicNetwork<double, Input<6>, Dense<7>, LeakyReLU<0.1>, Dense<16>, Sigmoid, Tanh,
                           Dense<3>, Softmax>;
  check<Net, CrossEntropy, 3>(labels);
}

TEST_CASE("gradcheck: LeakyReLU with slopes outside [0, 1] (derivative from x, not from y)",
          "[gradcheck]") {
  using Net = BasicNetwork<double, Input<6>, Dense<7>, LeakyReLU<2.0>, Dense<9>, LeakyReLU<-0.5>,
                           Dense<3>, Softmax>;
  check<Net, CrossEntropy, 3>(labels, 6);
}

TEST_CASE("gradcheck: user activations written only as expressions (swish, GELU)",
          "[gradcheck][autodiff]") {
  using Swish = Activation<x * expr::sigmoid(x)>;
  using Gelu = Activation<0.5 * x * (1.0 + expr::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))>;
  using Net = BasicNetwork<double, Input<7>, Dense<16>, Swish, Dense<33>, Gelu, Dense<3>, Softmax>;
  check<Net, CrossEntropy, 3>(labels, 7);
}

TEST_CASE("gradcheck: mean squared error on a linear output", "[gradcheck][mse]") {
  using Net = BasicNetwork<double, Input<16>, Dense<33>, Tanh, Dense<7>>;
  check<Net, MeanSquaredError, 3>(values);
}

TEST_CASE("gradcheck: binary cross-entropy, fused after Dense + Sigmoid", "[gradcheck][bce]") {
  using Net = BasicNetwork<double, Input<7>, Dense<16>, ReLU, Dense<7>, Sigmoid>;
  check<Net, BinaryCrossEntropy, 3>(values);
}

TEST_CASE("gradcheck: binary cross-entropy, unfused (Sigmoid after another activation)",
          "[gradcheck][bce]") {
  using Net = BasicNetwork<double, Input<7>, Dense<5>, Tanh, Sigmoid>;
  check<Net, BinaryCrossEntropy, 3>(values);
}

TEST_CASE("gradcheck: Softmax as a layer of its own (MSE after it), Flatten, lone activation",
          "[gradcheck][softmax]") {
  using Net = BasicNetwork<double, Input<2, 3>, Flatten, Dense<7>, Flatten, Tanh, Dense<4>,
                           Softmax, Dense<3>>;
  check<Net, MeanSquaredError, 3>(values, 3);
}
