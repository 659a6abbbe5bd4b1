// Network outputs and gradients against plain-loop references, float and double, at widths
// that are and are not multiples of the SIMD width.
#include <catch2/catch.hpp>

#include "support/network_check.hpp"
#include "support/reference_network.hpp"

using namespace nerve;
using nerve::expr::x;

namespace {

template <class Net>
void check_forward_against_reference(double tolerance) {
  using T = typename Net::value_type;
  Net net{Seed{11}};
  Random rng(Seed{5});
  typename Net::input_type in;
  for (auto& v : in.flat()) v = static_cast<T>(rng.uniform(-1, 1));
  const auto expected = nerve_test::reference_forward(net, in.data());
  const auto out = net(in);
  REQUIRE(expected.size() == out.size);
  for (std::size_t i = 0; i < out.size; ++i) {
    INFO("output " << i);
    CHECK(static_cast<double>(out.data()[i]) == Approx(expected[i]).epsilon(tolerance).margin(tolerance));
  }
}

template <std::size_t N>
using Mixed = Network<Input<N>, Dense<N>, ReLU, Dense<33>, Tanh, Dense<7, NoBias>, Sigmoid,
                      Dense<N>, LeakyReLU<0.2>, Dense<3>, Softmax>;
template <std::size_t N>
using MixedD = BasicNetwork<double, Input<N>, Dense<N>, ReLU, Dense<33>, Tanh, Dense<7, NoBias>,
                            Sigmoid, Dense<N>, LeakyReLU<0.2>, Dense<3>, Softmax>;

}  // namespace

TEMPLATE_TEST_CASE_SIG("forward: every layer against plain loops, float", "[forward][reference]",
                       ((std::size_t N), N), 1, 7, 16, 33) {
  check_forward_against_reference<Mixed<N>>(1e-5);
}

TEMPLATE_TEST_CASE_SIG("forward: every layer against plain loops, double", "[forward][reference]",
                       ((std::size_t N), N), 1, 7, 16, 33) {
  check_forward_against_reference<MixedD<N>>(1e-12);
}

TEST_CASE("forward: rank-3 input through Flatten, user activation, MNIST-sized MLP", "[forward]") {
  check_forward_against_reference<
      Network<Input<4, 3, 2>, Flatten, Dense<9>, Activation<x * expr::sigmoid(x)>, Dense<5>>>(1e-5);
  check_forward_against_reference<Network<Input<784>, Dense<128>, ReLU, Dense<10>, Softmax>>(1e-5);
}

// Dense entries of a network, by their logical W[m][k] and b[m] (packed widths differ by type).
template <std::size_t I, class From, class To>
void copy_dense(const From& from, To& to) {
  for (std::size_t m = 0; m < From::outputs; ++m) {
    to.b(m) = static_cast<typename std::remove_cvref_t<decltype(to.b(0))>>(from.b(m));
    for (std::size_t k = 0; k < From::inputs; ++k) to.w(m, k) = static_cast<float>(from.w(m, k));
  }
}
template <class P, class Q>
double largest_difference(const P& a, const Q& b) {
  double worst = 0;
  for (std::size_t m = 0; m < P::outputs; ++m) {
    worst = std::max(worst, std::abs(static_cast<double>(a.b(m)) - static_cast<double>(b.b(m))));
    for (std::size_t k = 0; k < P::inputs; ++k) {
      worst = std::max(worst, std::abs(static_cast<double>(a.w(m, k)) - static_cast<double>(b.w(m, k))));
    }
  }
  return worst;
}

TEST_CASE("backward: float gradients match double gradients of the same weights", "[backward]") {
  using NetF = Network<Input<33>, Dense<16>, Tanh, Dense<7>, ReLU, Dense<3>, Softmax>;
  using NetD = BasicNetwork<double, Input<33>, Dense<16>, Tanh, Dense<7>, ReLU, Dense<3>, Softmax>;
  NetD d{Seed{2}};
  NetF f{Seed{0}};
  copy_dense<1>(d.parameters<1>(), f.parameters<1>());
  copy_dense<3>(d.parameters<3>(), f.parameters<3>());
  copy_dense<5>(d.parameters<5>(), f.parameters<5>());
  Trainer<NetD, CrossEntropy, SGD, Batch<4>> td(d);
  Trainer<NetF, CrossEntropy, SGD, Batch<4>> tf(f);
  const auto X = nerve_test::random_inputs(4 * 33, 8);
  std::vector<float> Xf(X.begin(), X.end());
  const std::uint32_t labels[4] = {0, 1, 2, 1};
  const double ld = td.compute_gradients(X.data(), labels);
  const float lf = tf.compute_gradients(Xf.data(), labels);
  CHECK(lf == Approx(ld).epsilon(1e-5));
  const auto& gd = td.gradients();
  const auto& gf = tf.gradients();
  CHECK(largest_difference(std::get<1>(gd), std::get<1>(gf)) < 1e-5);
  CHECK(largest_difference(std::get<3>(gd), std::get<3>(gf)) < 1e-5);
  CHECK(largest_difference(std::get<5>(gd), std::get<5>(gf)) < 1e-5);
  // a second step on the same batch gives the same gradients: they are written, not summed
  tf.compute_gradients(Xf.data(), labels);
  CHECK(largest_difference(std::get<1>(gd), std::get<1>(tf.gradients())) < 1e-5);
  CHECK(largest_difference(std::get<5>(gd), std::get<5>(tf.gradients())) < 1e-5);
  // and the gradients are not all zero
  CHECK(largest_difference(std::get<1>(gd), typename NetD::template parameters_t<1>{}) > 1e-3);
}
