// SimpleRNN, LSTM, GRU and Embedding against plain scalar loops written here from PyTorch's
// equations (independent of nerve's cells, expressions and kernels), in float and double: hidden
// sizes 1, 5 and 17 with input 3 (none a multiple of a SIMD width), 1, 2 and 7 steps, batches of 1
// and 3, the whole sequence and the last step only; stacked recurrent layers; Dense, activations
// and Softmax after a sequence layer, applied at every step; Embedding with ids that are not ids
// of its table (their vector is zero, and they get no gradient).
// PyTorch itself is compared in recurrent_torch.cpp; gradients through time in gradcheck/.
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

using namespace nerve;

namespace {

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

// A Dense layer's W (outputs x inputs) and b as plain values, written into entry E.
struct reference_dense {
  std::size_t outputs, inputs;
  std::vector<double> w, b;
  // Every row of x (rows of `inputs`) through W x + b.
  std::vector<double> run(const std::vector<double>& x) const {
    std::vector<double> y;
    for (std::size_t r = 0; r < x.size() / inputs; ++r)
      for (std::size_t m = 0; m < outputs; ++m) {
        double s = b[m];
        for (std::size_t k = 0; k < inputs; ++k) s += w[m * inputs + k] * x[r * inputs + k];
        y.push_back(s);
      }
    return y;
  }
};
template <class T>
reference_dense random_dense(std::size_t outputs, std::size_t inputs, std::uint64_t seed) {
  Random rng(Seed{seed});
  return {outputs, inputs, uniform_rounded<T>(outputs * inputs, rng, -1, 1), uniform_rounded<T>(outputs, rng, -0.5, 0.5)};
}
template <std::size_t E, class Net>
void load_dense(Net& net, const reference_dense& d) {
  using T = typename Net::value_type;
  auto& p = net.template parameters<E>();
  for (std::size_t m = 0; m < d.outputs; ++m) {
    p.b(m) = static_cast<T>(d.b[m]);
    for (std::size_t k = 0; k < d.inputs; ++k) p.w(m, k) = static_cast<T>(d.w[m * d.inputs + k]);
  }
}

// Softmax over each row of n values.
std::vector<double> softmax_rows(std::vector<double> v, std::size_t n) {
  for (std::size_t r = 0; r < v.size() / n; ++r) {
    double* row = v.data() + r * n;
    const double top = *std::max_element(row, row + n);
    double sum = 0;
    for (std::size_t j = 0; j < n; ++j) sum += row[j] = std::exp(row[j] - top);
    for (std::size_t j = 0; j < n; ++j) row[j] /= sum;
  }
  return v;
}

std::vector<double> tanh_all(std::vector<double> v) {
  for (auto& e : v) e = std::tanh(e);
  return v;
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("recurrent layers against plain loops: SimpleRNN, LSTM, GRU, every step and "
                       "last step, batches 1 and 3, float and double",
                       "[recurrent][reference]", ((long H, std::size_t S), H, S), (1, 1), (1, 2),
                       (1, 7), (5, 1), (5, 2), (5, 7), (17, 1), (17, 2), (17, 7),
                       // whole registers per gate: one stream's hidden product taken in two parts
                       (16, 2), (32, 3)) {
  const std::uint64_t seed = 100 * std::uint64_t(H) + S;
  check_layer<double, SimpleRNN, H, S>(seed);
  check_layer<double, LSTM, H, S>(seed + 10);
  check_layer<double, GRU, H, S>(seed + 20);
  check_layer<float, SimpleRNN, H, S>(seed + 30);
  check_layer<float, LSTM, H, S>(seed + 40);
  check_layer<float, GRU, H, S>(seed + 50);
}

TEMPLATE_TEST_CASE("stacked recurrent layers against plain loops: SimpleRNN<5> then LSTM<3>",
                   "[recurrent][reference]", float, double) {
  using T = TestType;
  const reference_layer rnn = random_layer<T>(cell_kind::rnn, 5, 4, 7);
  const reference_layer lstm = random_layer<T>(cell_kind::lstm, 3, 5, 8);
  {
    using Net = BasicNetwork<T, Input<7, 4>, SimpleRNN<5>, LSTM<3>>;
    static_assert(std::is_same_v<typename Net::output_shape_t, Shape<7, 3>>);
    auto net = std::make_unique<Net>(Seed{1});
    load<1>(*net, rnn);
    load<2>(*net, lstm);
    check_network("SimpleRNN<5>, LSTM<3>", *net, 9,
                  [&](const std::vector<double>& x) { return lstm.run(rnn.run(x, 7), 7); });
  }
  {
    using Net = BasicNetwork<T, Input<7, 4>, SimpleRNN<5>, LSTM<3, LastStep>>;
    static_assert(std::is_same_v<typename Net::output_shape_t, Shape<3>>);
    auto net = std::make_unique<Net>(Seed{1});
    load<1>(*net, rnn);
    load<2>(*net, lstm);
    check_network("SimpleRNN<5>, LSTM<3, LastStep>", *net, 10, [&](const std::vector<double>& x) {
      return last_row(lstm.run(rnn.run(x, 7), 7), 3);
    });
  }
  {  // GRU on top of a LastStep-free GRU, hidden 17 into hidden 1
    using Net = BasicNetwork<T, Input<2, 4>, GRU<17>, GRU<1>>;
    const reference_layer g1 = random_layer<T>(cell_kind::gru, 17, 4, 11);
    const reference_layer g2 = random_layer<T>(cell_kind::gru, 1, 17, 12);
    auto net = std::make_unique<Net>(Seed{1});
    load<1>(*net, g1);
    load<2>(*net, g2);
    check_network("GRU<17>, GRU<1>", *net, 13,
                  [&](const std::vector<double>& x) { return g2.run(g1.run(x, 2), 2); });
  }
}

TEMPLATE_TEST_CASE("Dense, activations and Softmax after a sequence layer apply at every step",
                   "[recurrent][reference]", float, double) {
  using T = TestType;
  const reference_layer lstm = random_layer<T>(cell_kind::lstm, 5, 4, 21);
  const reference_dense dense = random_dense<T>(3, 5, 22);
  {
    using Net = BasicNetwork<T, Input<7, 4>, LSTM<5>, Dense<3>, Softmax>;
    static_assert(std::is_same_v<typename Net::output_shape_t, Shape<7, 3>>);
    auto net = std::make_unique<Net>(Seed{1});
    load<1>(*net, lstm);
    load_dense<2>(*net, dense);
    check_network("LSTM<5>, Dense<3>, Softmax", *net, 23, [&](const std::vector<double>& x) {
      return softmax_rows(dense.run(lstm.run(x, 7)), 3);
    });
  }
  {  // LastStep: one classification per sequence
    using Net = BasicNetwork<T, Input<7, 4>, LSTM<5, LastStep>, Dense<3>, Softmax>;
    static_assert(std::is_same_v<typename Net::output_shape_t, Shape<3>>);
    auto net = std::make_unique<Net>(Seed{1});
    load<1>(*net, lstm);
    load_dense<2>(*net, dense);
    check_network("LSTM<5, LastStep>, Dense<3>, Softmax", *net, 24,
                  [&](const std::vector<double>& x) {
                    return softmax_rows(dense.run(last_row(lstm.run(x, 7), 5)), 3);
                  });
  }
  {  // widths that are not a SIMD width at every step: GRU<17>, Dense<9>, Tanh, Dense<3>, Softmax
    using Net = BasicNetwork<T, Input<7, 4>, GRU<17>, Dense<9>, Tanh, Dense<3>, Softmax>;
    static_assert(std::is_same_v<typename Net::output_shape_t, Shape<7, 3>>);
    const reference_layer gru = random_layer<T>(cell_kind::gru, 17, 4, 25);
    const reference_dense d1 = random_dense<T>(9, 17, 26), d2 = random_dense<T>(3, 9, 27);
    auto net = std::make_unique<Net>(Seed{1});
    load<1>(*net, gru);
    load_dense<2>(*net, d1);
    load_dense<4>(*net, d2);
    check_network("GRU<17>, Dense<9>, Tanh, Dense<3>, Softmax", *net, 28,
                  [&](const std::vector<double>& x) {
                    return softmax_rows(d2.run(tanh_all(d1.run(gru.run(x, 7)))), 3);
                  });
  }
}

TEMPLATE_TEST_CASE("Embedding: a row per id; an id outside the table looks up zeros and gets no "
                   "gradient",
                   "[recurrent][embedding][reference]", float, double) {
  using T = TestType;
  constexpr std::size_t V = 4, D = 3, S = 8;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  // 4 == V, -1, 2.5, NaN and 1e9 are not ids of a 4-row table.
  const std::vector<T> ids = {2, 4, -1, 2.5, 0, nan, 3, T(1e9)};
  const std::vector<bool> valid = {true, false, false, false, true, false, true, false};
  Random rng(Seed{31});
  const std::vector<double> table = uniform_rounded<T>(V * D, rng, -1, 1);
  // The loops: the row of each valid id, zeros for the others.
  const auto embed = [&](const std::vector<double>& x) {
    std::vector<double> y(x.size() * D, 0.0);
    for (std::size_t t = 0; t < x.size(); ++t) {
      const double v = x[t];
      if (v >= 0 && v < double(V) && v == std::floor(v))
        std::copy_n(table.begin() + long(v) * long(D), D, y.begin() + long(t * D));
    }
    return y;
  };

  using Net = BasicNetwork<T, Input<S>, Embedding<V, D>>;
  static_assert(std::is_same_v<typename Net::output_shape_t, Shape<S, D>>);
  auto net = std::make_unique<Net>(Seed{1});
  for (std::size_t v = 0; v < V; ++v)
    for (std::size_t d = 0; d < D; ++d) net->template parameters<1>().weight(v, d) = static_cast<T>(table[v * D + d]);
  Tensor<T, Shape<S>> x;
  std::copy(ids.begin(), ids.end(), x.data());
  const auto y = (*net)(x);
  const std::vector<double> want = embed(std::vector<double>(ids.begin(), ids.end()));
  for (std::size_t i = 0; i < S * D; ++i) {
    INFO("step " << i / D << " (id " << ids[i / D] << "), column " << i % D);
    CHECK(static_cast<double>(y.data()[i]) == want[i]);  // a copy, or zeros
  }
  for (std::size_t t = 0; t < S; ++t)
    if (!valid[t])
      for (std::size_t d = 0; d < D; ++d) CHECK(y(t, d) == T(0));

  // Table gradient of sum(y * w): row v is the sum of w over the steps with id v; nothing from
  // the others (and no NaN from the NaN id).
  auto gws = std::make_unique<typename Net::template GradientWorkspace<1>>();
  std::vector<T> dY(S * D);
  for (std::size_t i = 0; i < S * D; ++i) dY[i] = static_cast<T>(0.25 * double(i) - 1.0);
  const auto dx = net->template input_gradient<1>(x.data(), dY.data(), *gws);
  std::vector<double> expected(V * D, 0.0);
  for (std::size_t t = 0; t < S; ++t)
    if (valid[t])
      for (std::size_t d = 0; d < D; ++d) expected[std::size_t(ids[t]) * D + d] += double(dY[t * D + d]);
  const T* g = std::get<1>(gws->parameter_gradients).weight.data();
  for (std::size_t i = 0; i < V * D; ++i) {
    INFO("table gradient element " << i);
    CHECK(static_cast<double>(g[i]) == expected[i]);
  }
  for (std::size_t t = 0; t < S; ++t) CHECK(dx.data()[t] == T(0));

  SECTION("then GRU<5>, batches 1 and 3: the zero vector goes through the cell") {
    using Chain = BasicNetwork<T, Input<S>, Embedding<V, D>, GRU<5>>;
    const reference_layer gru = random_layer<T>(cell_kind::gru, 5, D, 32);
    auto chain = std::make_unique<Chain>(Seed{1});
    for (std::size_t v = 0; v < V; ++v)
      for (std::size_t d = 0; d < D; ++d)
        chain->template parameters<1>().weight(v, d) = static_cast<T>(table[v * D + d]);
    load<2>(*chain, gru);
    // Three samples of ids: the list above, reversed, rotated.
    Tensor<T, Shape<3, S>> X;
    for (std::size_t t = 0; t < S; ++t) {
      X(0, t) = ids[t];
      X(1, t) = ids[S - 1 - t];
      X(2, t) = ids[(t + 3) % S];
    }
    std::vector<double> all;
    for (std::size_t b = 0; b < 3; ++b) {
      const std::vector<double> want_b = gru.run(embed(sample(X.data(), b, S)), S);
      compare<T>("Embedding, GRU<5>, batch 1, sample " + std::to_string(b),
                 (*chain)(X.data() + b * S).data(), want_b);
      all.insert(all.end(), want_b.begin(), want_b.end());
    }
    auto ws = std::make_unique<typename Chain::template Workspace<3>>();
    compare<T>("Embedding, GRU<5>, batch 3", (*chain)(X, *ws).data(), all);
  }
}

// PyTorch's nn.Embedding(V, D, padding_idx=p): the row starts at zero, the forward pass reads it
// as any other row, and its gradient is zero, so no optimizer moves it.
TEMPLATE_TEST_CASE("Embedding with PaddingIdx: the padding row starts at zero and gets no gradient",
                   "[recurrent][embedding]", float, double) {
  using T = TestType;
  constexpr std::size_t V = 5, D = 3, S = 6;
  using Padded = Embedding<V, D, PaddingIdx<-1>>;  // counted from the end: row 4
  static_assert(Padded::padding_row == 4 && Embedding<V, D, PaddingIdx<1>>::padding_row == 1);
  static_assert(Embedding<V, D>::padding_row == -1);
  CHECK(Padded::name() == "Embedding<5, 3, PaddingIdx<-1>>");

  using Net = BasicNetwork<T, Input<S>, Padded>;
  auto net = std::make_unique<Net>(Seed{7});
  auto& table = net->template parameters<1>().weight;
  for (std::size_t d = 0; d < D; ++d) CHECK(table(4, d) == T(0));
  std::size_t nonzero = 0;
  for (std::size_t v = 0; v < 4; ++v)
    for (std::size_t d = 0; d < D; ++d) nonzero += table(v, d) != T(0);
  CHECK(nonzero == 4 * D);  // N(0, 1) elsewhere

  // Forward: the padding row as stored (PyTorch does not force it to zero at lookup).
  for (std::size_t d = 0; d < D; ++d) table(4, d) = T(0.5);
  Tensor<T, Shape<S>> x;
  const std::vector<T> ids = {4, 0, 4, 2, 0, 4};
  std::copy(ids.begin(), ids.end(), x.data());
  const auto y = (*net)(x);
  for (std::size_t t = 0; t < S; ++t)
    for (std::size_t d = 0; d < D; ++d) CHECK(y(t, d) == table(std::size_t(ids[t]), d));

  // Backward: rows 0 and 2 get their sums, row 4 (read three times) nothing.
  auto gws = std::make_unique<typename Net::template GradientWorkspace<1>>();
  std::vector<T> dY(S * D);
  for (std::size_t i = 0; i < S * D; ++i) dY[i] = static_cast<T>(0.5 * double(i) + 1.0);
  (void)net->template input_gradient<1>(x.data(), dY.data(), *gws);
  const auto& g = std::get<1>(gws->parameter_gradients).weight;
  for (std::size_t d = 0; d < D; ++d) {
    CHECK(g(4, d) == T(0));
    CHECK(g(0, d) == dY[1 * D + d] + dY[4 * D + d]);
    CHECK(g(2, d) == dY[3 * D + d]);
    CHECK(g(1, d) == T(0));
  }

  SECTION("trained with SGD, momentum and weight decay: the zero padding row stays zero") {
    using Classifier = BasicNetwork<T, Input<S>, Padded, Flatten, Dense<2>>;
    auto c = std::make_unique<Classifier>(Seed{3});
    auto trainer = make_trainer<CrossEntropy, SGD, Batch<2>>(
        *c, SGD{.learning_rate = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    const std::vector<T> xs = {4, 4, 0, 1, 2, 4, 3, 4, 4, 4, 1, 0};
    const std::vector<std::uint32_t> labels = {0, 1};
    const auto before = c->template parameters<1>().weight(0, 0);
    FitOptions quiet;
    quiet.progress.style = ProgressStyle::silent;
    trainer.fit(xs, labels, Epochs{3}, quiet);
    for (std::size_t d = 0; d < D; ++d) CHECK(c->template parameters<1>().weight(4, d) == T(0));
    CHECK(c->template parameters<1>().weight(0, 0) != before);
  }
}
