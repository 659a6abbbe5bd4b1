// tests/unit/recurrent_cases.hpp: SimpleRNN, LSTM and GRU as plain scalar loops written from
// PyTorch's equations (independent of nerve's cells, expressions and kernels), and the checks of
// a layer or a network against them, shared by recurrent.cpp and recurrent_wide.cpp, which are
// split so that no one translation unit takes minutes to compile (recurrent.cpp alone took 310 s
// of CPU and 3.4 GB under clang's sanitizers).
#pragma once

#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

// Internal to each test file that includes it (as kernels_dense_cases.hpp).
namespace {

using namespace nerve;

// ---- the reference: one recurrent layer as plain loops, in double -----------------------------
enum class cell_kind { rnn, lstm, gru };

double logistic(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// PyTorch's arrays: w_ih (G*H, I), w_hh (G*H, H), b_ih and b_hh (G*H), gate blocks of H rows in
// PyTorch's order (LSTM i, f, g, o; GRU r, z, n).
struct reference_layer {
  cell_kind kind;
  std::size_t H, I;
  std::vector<double> w_ih, w_hh, b_ih, b_hh;

  std::size_t gates() const { return kind == cell_kind::rnn ? 1 : kind == cell_kind::lstm ? 4 : 3; }

  // x: S rows of I; returns S rows of H (h at every step), from a zero state.
  std::vector<double> run(const std::vector<double>& x, std::size_t S) const {
    const std::size_t G = gates();
    std::vector<double> h(H, 0.0), c(H, 0.0), next(H), a(G * H), r(G * H), out;
    for (std::size_t t = 0; t < S; ++t) {
      for (std::size_t m = 0; m < G * H; ++m) {
        a[m] = b_ih[m];
        for (std::size_t k = 0; k < I; ++k) a[m] += w_ih[m * I + k] * x[t * I + k];
        r[m] = b_hh[m];
        for (std::size_t k = 0; k < H; ++k) r[m] += w_hh[m * H + k] * h[k];
      }
      for (std::size_t j = 0; j < H; ++j) {
        if (kind == cell_kind::rnn) {
          next[j] = std::tanh(a[j] + r[j]);
        } else if (kind == cell_kind::lstm) {
          const double i = logistic(a[j] + r[j]);
          const double f = logistic(a[H + j] + r[H + j]);
          const double g = std::tanh(a[2 * H + j] + r[2 * H + j]);
          const double o = logistic(a[3 * H + j] + r[3 * H + j]);
          c[j] = f * c[j] + i * g;
          next[j] = o * std::tanh(c[j]);
        } else {  // PyTorch's GRU: the reset gate multiplies the hidden product, its bias included
          const double reset = logistic(a[j] + r[j]);
          const double z = logistic(a[H + j] + r[H + j]);
          const double n = std::tanh(a[2 * H + j] + reset * r[2 * H + j]);
          next[j] = (1.0 - z) * n + z * h[j];
        }
      }
      h = next;
      out.insert(out.end(), h.begin(), h.end());
    }
    return out;
  }
};

// Values of U(low, high) rounded to T (so that float and double networks hold exactly them).
template <class T>
std::vector<double> uniform_rounded(std::size_t n, Random& rng, double low, double high) {
  std::vector<double> v(n);
  for (auto& e : v) e = static_cast<double>(static_cast<T>(rng.uniform(low, high)));
  return v;
}

// A layer with weights in +-0.8 and biases in +-0.5 (gates neither saturated nor all near 0.5).
template <class T>
reference_layer random_layer(cell_kind kind, std::size_t H, std::size_t I, std::uint64_t seed) {
  Random rng(Seed{seed});
  reference_layer l{kind, H, I, {}, {}, {}, {}};
  const std::size_t rows = l.gates() * H;
  l.w_ih = uniform_rounded<T>(rows * I, rng, -0.8, 0.8);
  l.w_hh = uniform_rounded<T>(rows * H, rng, -0.8, 0.8);
  l.b_ih = uniform_rounded<T>(rows, rng, -0.5, 0.5);
  l.b_hh = uniform_rounded<T>(rows, rng, -0.5, 0.5);
  return l;
}

// The reference's arrays into the recurrent layer at entry E, through w_ih(m, k) and w_hh(m, k).
template <std::size_t E, class Net>
void load(Net& net, const reference_layer& l) {
  using T = typename Net::value_type;
  auto& p = net.template parameters<E>();
  const std::size_t rows = l.gates() * l.H;
  for (std::size_t m = 0; m < rows; ++m) {
    for (std::size_t k = 0; k < l.I; ++k) p.w_ih(m, k) = static_cast<T>(l.w_ih[m * l.I + k]);
    for (std::size_t k = 0; k < l.H; ++k) p.w_hh(m, k) = static_cast<T>(l.w_hh[m * l.H + k]);
    p.bias_ih(m) = static_cast<T>(l.b_ih[m]);
    p.bias_hh(m) = static_cast<T>(l.b_hh[m]);
  }
}

// The last of S rows of n.
std::vector<double> last_row(const std::vector<double>& rows, std::size_t n) {
  return std::vector<double>(rows.end() - long(n), rows.end());
}

// Worst error relative to the larger of |expected| and the array's largest value times `floor`
// (1 for float: its rounding is on the scale of the array, not of each element).
template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;
template <class T>
constexpr double floor_of = std::is_same_v<T, float> ? 1.0 : 1e-3;

template <class T, class Got>
void compare(const std::string& what, const Got* got, const std::vector<double>& expected) {
  double scale = 0;
  for (double e : expected) scale = std::max(scale, std::abs(e));
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double err = std::abs(static_cast<double>(got[i]) - expected[i]) /
                       std::max({std::abs(expected[i]), floor_of<T> * scale, 1e-300});
    if (!(err <= worst)) worst = err, at = i;  // NaN counts as worst
  }
  INFO(what << ": worst relative error " << worst << " at element " << at << " of "
            << expected.size() << " (nerve " << static_cast<double>(got[at]) << ", loops "
            << expected[at] << ")");
  CHECK(worst <= tolerance<T>);
}

// Batch-3 input values in [-1, 1], rounded to T; sample b is rows [b * n, (b + 1) * n).
template <class T, std::size_t B, class In>
Tensor<T, decltype(concat(Shape<B>{}, In{}))> random_batch(std::uint64_t seed) {
  Tensor<T, decltype(concat(Shape<B>{}, In{}))> X;
  Random rng(Seed{seed});
  for (auto& v : X.flat()) v = static_cast<T>(rng.uniform(-1.0, 1.0));
  return X;
}
template <class T>
std::vector<double> sample(const T* X, std::size_t b, std::size_t n) {
  return std::vector<double>(X + b * n, X + (b + 1) * n);
}

// Net's output for every sample of a batch of 3, at batch 1 (net(x)) and batch 3, against
// expected(x) computed by the loops from the sample's input values.
template <class Net, class Expected>
void check_network(const std::string& what, Net& net, std::uint64_t seed, Expected expected) {
  using T = typename Net::value_type;
  constexpr std::size_t B = 3, N = Net::input_shape_t::size, O = Net::output_shape_t::size;
  const auto X = random_batch<T, B, typename Net::input_shape_t>(seed);
  std::vector<double> all;
  for (std::size_t b = 0; b < B; ++b) {
    const std::vector<double> want = expected(sample(X.data(), b, N));
    REQUIRE(want.size() == O);
    compare<T>(what + ", batch 1, sample " + std::to_string(b), net(X.data() + b * N).data(), want);
    all.insert(all.end(), want.begin(), want.end());
  }
  auto ws = std::make_unique<typename Net::template Workspace<B>>();
  compare<T>(what + ", batch 3", net(X, *ws).data(), all);
}

template <template <long, class...> class Layer>
constexpr cell_kind kind_of() {
  if constexpr (std::is_same_v<Layer<1>, SimpleRNN<1>>) return cell_kind::rnn;
  else if constexpr (std::is_same_v<Layer<1>, LSTM<1>>) return cell_kind::lstm;
  else return cell_kind::gru;
}

// Input<S, 3> -> Layer<H> (every step) and Layer<H, LastStep>, in T.
template <class T, template <long, class...> class Layer, long H, std::size_t S>
void check_layer(std::uint64_t seed) {
  constexpr std::size_t I = 3;
  const reference_layer ref = random_layer<T>(kind_of<Layer>(), H, I, seed);
  const std::string name = Layer<H>::name() + " over " + std::to_string(S) + " steps, " +
                           (std::is_same_v<T, float> ? "float" : "double");
  {
    using Net = BasicNetwork<T, Input<S, I>, Layer<H>>;
    static_assert(std::is_same_v<typename Net::output_shape_t, Shape<S, H>>);
    auto net = std::make_unique<Net>(Seed{seed});
    load<1>(*net, ref);
    check_network(name, *net, seed + 1, [&](const std::vector<double>& x) { return ref.run(x, S); });
  }
  {
    using Net = BasicNetwork<T, Input<S, I>, Layer<H, LastStep>>;
    static_assert(std::is_same_v<typename Net::output_shape_t, Shape<H>>);
    auto net = std::make_unique<Net>(Seed{seed});
    load<1>(*net, ref);
    check_network(name + ", LastStep", *net, seed + 2,
                  [&](const std::vector<double>& x) { return last_row(ref.run(x, S), H); });
  }
}

// SimpleRNN, LSTM and GRU of hidden size H over S steps, in double and float (check_layer), each
// from its own seed: the body of the reference test cases of recurrent.cpp and recurrent_wide.cpp.
template <long H, std::size_t S>
void check_every_cell() {
  const std::uint64_t seed = 100 * std::uint64_t(H) + S;
  check_layer<double, SimpleRNN, H, S>(seed);
  check_layer<double, LSTM, H, S>(seed + 10);
  check_layer<double, GRU, H, S>(seed + 20);
  check_layer<float, SimpleRNN, H, S>(seed + 30);
  check_layer<float, LSTM, H, S>(seed + 40);
  check_layer<float, GRU, H, S>(seed + 50);
}

}  // namespace
