// Every activation layer whose backward pass takes its derivative from the output (Sigmoid:
// y (1 - y), Tanh: 1 - y^2, ReLU: step(y), LeakyReLU: slope + (1 - slope) step(y); the form the
// network uses when the activation is alone after a contraction, layers/activation.hpp), against
// central differences in double, at widths 1, 7, 16 and 33 and batches 1 and 3. The gradient
// checks of tests/gradcheck/ reach Sigmoid only fused into BCE (whose loss replaces its derivative)
// or inside a chain of activations (derived from the input instead), so a wrong Sigmoid rule
// passed them (scripts/mutants.py, layers-sigmoid-output-rule).
#include <catch2/catch.hpp>

#include "support/check_gradients.hpp"

using namespace nerve;

namespace {

const std::uint32_t labels[3] = {0, 2, 1};

// Activation A alone after Dense<N>, then a classifier: the derivative from A's output.
template <class A, std::size_t N>
using Net = BasicNetwork<double, Input<5>, Dense<N>, A, Dense<3>, Softmax>;

template <class A, std::size_t N>
void check_both_batches() {
  // The first group (Dense + A) differentiates A from its output: the path under test.
  using Pass = detail::network_pass<Net<A, N>, 3, mode::training>;
  STATIC_REQUIRE(Pass::template form<0, detail::loss_fusion::softmax>() == detail::derivative_form::from_output);
  nerve_test::check_gradients<Net<A, N>, CrossEntropy, 3>(labels, 7);
  nerve_test::check_gradients<Net<A, N>, CrossEntropy, 1>(labels, 8);
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("gradcheck: derivatives taken from the output (Sigmoid, Tanh, ReLU, LeakyReLU)",
                       "[gradcheck][activation]", ((std::size_t N), N), 1, 7, 16, 33) {
  SECTION("Sigmoid") { check_both_batches<Sigmoid, N>(); }
  SECTION("Tanh") { check_both_batches<Tanh, N>(); }
  SECTION("ReLU") { check_both_batches<ReLU, N>(); }
  SECTION("LeakyReLU<0.2>") { check_both_batches<LeakyReLU<0.2>, N>(); }
}
