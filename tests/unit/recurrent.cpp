// SimpleRNN, LSTM and GRU against plain scalar loops (recurrent_cases.hpp), in float and double:
// hidden sizes 1 and 5 with input 3 (none a multiple of a SIMD width), 1, 2 and 7 steps, batches of
// 1 and 3, the whole sequence and the last step only; stacked recurrent layers; Dense, activations
// and Softmax after a sequence layer, applied at every step. Hidden sizes 16, 17 and 32, and
// Embedding: recurrent_wide.cpp. PyTorch itself is compared in recurrent_torch.cpp; gradients
// through time in gradcheck/.
#include "recurrent_cases.hpp"

using namespace nerve;

namespace {

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
                       (1, 7), (5, 1), (5, 2), (5, 7)) {
  check_every_cell<H, S>();
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
