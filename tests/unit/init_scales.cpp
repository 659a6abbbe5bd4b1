// The initialisers' scales against their formulas (PyTorch's): Glorot U(-a, a) with
// a = sqrt(6 / (fan_in + fan_out)) (xavier_uniform_), He U(-a, a) with a = sqrt(6 / fan_in)
// (kaiming_uniform_, relu), HeNormal N(0, 2 / fan_in) (kaiming_normal_), TorchDefault
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (nn.Linear's and the recurrent layers' default). Drawn
// directly for a few (fan_in, fan_out), and through the layers that use them: Dense with each
// initialiser and with Auto (He before a rectifier, Glorot elsewhere), Conv2D with its fans
// (channels * kh * kw in, filters * kh * kw out), LSTM's four arrays, Embedding's N(0, 1).
// A network trains with a wrong scale, so nothing else notices one (the mutants of
// scripts/mutants.py: Glorot with the constant 2, He with 3, HeNormal by the variance, ...).
//
// Each check: every uniform draw within its bound and the largest within a few 1/n of it; the
// sample variance within 6 standard errors of the formula's; the mean within 6 standard errors of
// 0; for normal draws also the kurtosis (3). The seeds are fixed, so the test is deterministic.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

using namespace nerve;

namespace {

struct Moments {
  std::size_t n = 0;
  double mean = 0, variance = 0, kurtosis = 0, largest = 0;  // largest |w|
};

Moments moments_of(const std::vector<double>& w) {
  Moments s;
  s.n = w.size();
  for (const double v : w) s.mean += v;
  s.mean /= static_cast<double>(s.n);
  double m2 = 0, m4 = 0;
  for (const double v : w) {
    const double d = v - s.mean;
    m2 += d * d;
    m4 += d * d * d * d;
    s.largest = std::max(s.largest, std::abs(v));
  }
  s.variance = m2 / static_cast<double>(s.n);
  s.kurtosis = (m4 / static_cast<double>(s.n)) / (s.variance * s.variance);
  return s;
}

// U(-a, a): Var = a^2 / 3; the sample variance's relative standard error is sqrt(4/5 / n).
void check_uniform(const std::vector<double>& w, double a, const std::string& what) {
  REQUIRE(w.size() >= 100);
  const Moments s = moments_of(w);
  const double n = static_cast<double>(s.n);
  INFO(what << ": n " << s.n << ", bound " << a << ", largest |w| " << s.largest << ", variance "
            << s.variance << " (formula " << a * a / 3 << "), mean " << s.mean);
  CHECK(s.largest <= a);
  CHECK(s.largest >= a * (1 - 20 / n));  // P(below) = (1 - 20/n)^n < e^-20
  CHECK(s.variance == Approx(a * a / 3).epsilon(6 * std::sqrt(0.8 / n)));
  CHECK(std::abs(s.mean) < 6 * a / std::sqrt(3 * n));
}

// N(0, sigma^2): the sample variance's relative standard error is sqrt(2 / n), the kurtosis'
// standard error sqrt(24 / n).
void check_normal(const std::vector<double>& w, double sigma, const std::string& what) {
  REQUIRE(w.size() >= 1000);
  const Moments s = moments_of(w);
  const double n = static_cast<double>(s.n);
  INFO(what << ": n " << s.n << ", sigma " << sigma << ", variance " << s.variance << " (formula "
            << sigma * sigma << "), mean " << s.mean << ", kurtosis " << s.kurtosis);
  CHECK(s.variance == Approx(sigma * sigma).epsilon(6 * std::sqrt(2 / n)));
  CHECK(std::abs(s.mean) < 6 * sigma / std::sqrt(n));
  CHECK(s.kurtosis == Approx(3.0).margin(6 * std::sqrt(24 / n)));
}

template <class I>
std::vector<double> draws(std::size_t fan_in, std::size_t fan_out, std::uint64_t seed) {
  Random rng(Seed{seed});
  std::vector<double> w(20000);
  for (auto& v : w) v = I::draw(rng, fan_in, fan_out);
  return w;
}

// Dense's W[m][k] (the layer's logical weights, without the packing's padding) as doubles.
template <class P>
std::vector<double> dense_weights(const P& p) {
  std::vector<double> w;
  for (std::size_t m = 0; m < P::outputs; ++m)
    for (std::size_t k = 0; k < P::inputs; ++k) w.push_back(static_cast<double>(p.w(m, k)));
  return w;
}
template <class P>
bool dense_bias_zero(const P& p) {
  for (std::size_t m = 0; m < P::outputs; ++m)
    if (p.b(m) != 0) return false;
  return true;
}
template <class Tensor>
std::vector<double> values_of(const Tensor& t) {
  return std::vector<double>(t.data(), t.data() + t.size);
}

struct Fans {
  std::size_t in, out;
};
constexpr Fans fans[] = {{3, 5}, {64, 32}, {300, 100}};

}  // namespace

TEST_CASE("init: Glorot, He, HeNormal and TorchDefault draws against their formulas", "[init]") {
  std::uint64_t seed = 1;
  for (const Fans f : fans) {
    const std::string at = " at fan_in " + std::to_string(f.in) + ", fan_out " + std::to_string(f.out);
    const double in = static_cast<double>(f.in), out = static_cast<double>(f.out);
    check_uniform(draws<Glorot>(f.in, f.out, ++seed), std::sqrt(6 / (in + out)), "Glorot" + at);
    check_uniform(draws<He>(f.in, f.out, ++seed), std::sqrt(6 / in), "He" + at);
    check_normal(draws<HeNormal>(f.in, f.out, ++seed), std::sqrt(2 / in), "HeNormal" + at);
    check_uniform(draws<TorchDefault>(f.in, f.out, ++seed), 1 / std::sqrt(in), "TorchDefault" + at);
  }
}

TEST_CASE("init: Random::normal is a standard normal", "[init][random]") {
  Random rng(Seed{11});
  std::vector<double> w(50000);
  for (auto& v : w) v = rng.normal();
  check_normal(w, 1.0, "Random::normal");
  // and its tails: P(|z| > 2) = 0.0455, within 6 standard errors
  const double n = static_cast<double>(w.size());
  const double beyond = static_cast<double>(std::count_if(w.begin(), w.end(), [](double v) {
                          return std::abs(v) > 2;
                        })) / n;
  CHECK(beyond == Approx(0.0455).margin(6 * std::sqrt(0.0455 * 0.9545 / n)));
}

TEST_CASE("init: Dense draws its weights with the initialiser it is given, biases 0", "[init][dense]") {
  // fan_in 300, fan_out 64: 19,200 weights per layer.
  using Net = Network<Input<300>, Dense<64, WithBias, Glorot>, Dense<64, WithBias, He>,
                      Dense<64, WithBias, HeNormal>, Dense<64, WithBias, TorchDefault>>;
  using NetB = Network<Input<300>, Dense<64, WithBias, TorchDefault>>;
  const Net net{Seed{3}};
  check_uniform(dense_weights(net.parameters<1>()), std::sqrt(6.0 / (300 + 64)), "Dense Glorot 300 -> 64");
  check_uniform(dense_weights(net.parameters<2>()), std::sqrt(6.0 / 64), "Dense He 64 -> 64");
  check_normal(dense_weights(net.parameters<3>()), std::sqrt(2.0 / 64), "Dense HeNormal 64 -> 64");
  check_uniform(dense_weights(net.parameters<4>()), 1 / std::sqrt(64.0), "Dense TorchDefault 64 -> 64");
  const NetB b{Seed{4}};
  check_uniform(dense_weights(b.parameters<1>()), 1 / std::sqrt(300.0), "Dense TorchDefault 300 -> 64");
  CHECK(dense_bias_zero(net.parameters<1>()));
  CHECK(dense_bias_zero(net.parameters<4>()));
}

TEST_CASE("init: Auto is He before a rectifier and Glorot elsewhere", "[init][dense]") {
  using Net = Network<Input<300>, Dense<64>, ReLU, Dense<64>, Tanh, Dense<48>, LeakyReLU<0.1>,
                      Dense<10>, Softmax>;
  const Net net{Seed{5}};
  check_uniform(dense_weights(net.parameters<1>()), std::sqrt(6.0 / 300), "Dense<64> before ReLU (He)");
  check_uniform(dense_weights(net.parameters<3>()), std::sqrt(6.0 / (64 + 64)),
                "Dense<64> before Tanh (Glorot)");
  check_uniform(dense_weights(net.parameters<5>()), std::sqrt(6.0 / 64),
                "Dense<48> before LeakyReLU (He)");
  check_uniform(dense_weights(net.parameters<7>()), std::sqrt(6.0 / (48 + 10)),
                "Dense<10> before Softmax (Glorot)");
}

TEST_CASE("init: Conv2D's fans are channels * kh * kw in and filters * kh * kw out", "[init][conv2d]") {
  // 8 channels, 3 x 5 kernels, 32 filters: fan_in 120, fan_out 480; 3,840 weights.
  using Rect = Network<Input<8, 9, 9>, Conv2D<32, Kernel<3, 5>>, ReLU>;
  using Plain = Network<Input<8, 9, 9>, Conv2D<32, Kernel<3, 5>>>;
  using Normal = Network<Input<8, 9, 9>, Conv2D<32, Kernel<3, 5>, HeNormal>>;
  using Torch = Network<Input<8, 9, 9>, Conv2D<32, Kernel<3, 5>, TorchDefault>>;
  const Rect rect{Seed{6}};
  const Plain plain{Seed{7}};
  const Normal normal{Seed{8}};
  const Torch torch{Seed{9}};
  check_uniform(values_of(rect.parameters<1>().weight), std::sqrt(6.0 / 120), "Conv2D before ReLU (He)");
  check_uniform(values_of(plain.parameters<1>().weight), std::sqrt(6.0 / (120 + 480)), "Conv2D (Glorot)");
  check_normal(values_of(normal.parameters<1>().weight), std::sqrt(2.0 / 120), "Conv2D HeNormal");
  check_uniform(values_of(torch.parameters<1>().weight), 1 / std::sqrt(120.0), "Conv2D TorchDefault");
  const auto bias = values_of(rect.parameters<1>().bias);
  CHECK(std::all_of(bias.begin(), bias.end(), [](double v) { return v == 0; }));
}

TEST_CASE("init: recurrent layers draw all four arrays from U(-1/sqrt(H), 1/sqrt(H))", "[init][recurrent]") {
  // PyTorch's RNN, LSTM and GRU: every weight and bias from U(-1/sqrt(hidden), 1/sqrt(hidden)).
  constexpr std::size_t H = 40, I = 24, G = 4;
  using Net = Network<Input<5, I>, LSTM<H>>;
  const Net net{Seed{10}};
  const auto& p = net.parameters<1>();
  std::vector<double> ih, hh, biases;
  for (std::size_t m = 0; m < G * H; ++m) {
    for (std::size_t k = 0; k < I; ++k) ih.push_back(p.w_ih(m, k));
    for (std::size_t k = 0; k < H; ++k) hh.push_back(p.w_hh(m, k));
    biases.push_back(p.bias_ih(m));
    biases.push_back(p.bias_hh(m));
  }
  const double a = 1 / std::sqrt(static_cast<double>(H));
  check_uniform(ih, a, "LSTM weight_ih");
  check_uniform(hh, a, "LSTM weight_hh");
  check_uniform(biases, a, "LSTM biases");
}

TEST_CASE("init: Embedding's table is N(0, 1)", "[init][embedding]") {
  using Net = Network<Input<7>, Embedding<300, 64>>;
  const Net net{Seed{12}};
  check_normal(values_of(net.parameters<1>().weight), 1.0, "Embedding<300, 64>");
}
