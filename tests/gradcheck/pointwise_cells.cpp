// Recurrent cells' pointwise steps written once as expressions and run over arrays by
// expr::pointwise (eval/pointwise.hpp): forward values against plain loops, and the derived
// backward pass of every input against central differences, in double, at N = 1, 7, 13, 33 (SIMD
// bodies and scalar tails). Two cells unlike each other: PyTorch's LSTM step (two outputs, h
// reading c) and PyTorch's GRU step (the reset gate applied to the hidden product, one output).
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>
#include <nerve/eval/pointwise.hpp>

#include <array>
#include <cmath>
#include <vector>

using namespace nerve;
using namespace nerve::expr;

namespace {

double sig(double a) { return 1 / (1 + std::exp(-a)); }

// LSTM: variables i, f, g, o (gate pre-activations) and c_prev; outputs c and h.
constexpr auto lstm_c = sigmoid(variable<1>) * variable<4> + sigmoid(variable<0>) * tanh(variable<2>);
constexpr auto lstm_h = sigmoid(variable<3>) * tanh(lstm_c);
using lstm = pointwise<functions(lstm_c, lstm_h), 5>;

// GRU (PyTorch): variables a_r = W_ir x + b_ir + W_hr h + b_hr, a_z likewise, x_n = W_in x + b_in,
// h_n = W_hn h + b_hn, h_prev; n = tanh(x_n + r * h_n); h = (1 - z) * n + z * h_prev.
constexpr auto gru_n = tanh(variable<2> + sigmoid(variable<0>) * variable<3>);
constexpr auto gru_h = (1.0 - sigmoid(variable<1>)) * gru_n + sigmoid(variable<1>) * variable<4>;
using gru = pointwise<functions(gru_h), 5>;

template <class Cell, std::size_t N, class Reference>
void check_cell(Reference reference, unsigned seed) {
  constexpr std::size_t NO = Cell::outputs;
  Random rng(Seed{seed});
  std::array<std::vector<double>, 5> in;
  for (auto& a : in) {
    a.resize(N);
    for (auto& v : a) v = rng.uniform(-2, 2);
  }
  std::array<std::vector<double>, NO> out, dout;
  for (auto& a : out) a.assign(N, 0);
  for (auto& a : dout) {
    a.resize(N);
    for (auto& v : a) v = rng.uniform(-1, 1);
  }
  std::array<const double*, 5> vp{};
  for (std::size_t k = 0; k < 5; ++k) vp[k] = in[k].data();
  std::array<double*, NO> op{};
  std::array<const double*, NO> cop{}, dop{};
  for (std::size_t k = 0; k < NO; ++k) op[k] = out[k].data(), cop[k] = out[k].data(), dop[k] = dout[k].data();
  Cell::template forward<N, double>(vp, {}, op);

  // Forward against the plain formula.
  for (std::size_t i = 0; i < N; ++i) {
    const auto expected = reference(in[0][i], in[1][i], in[2][i], in[3][i], in[4][i]);
    for (std::size_t k = 0; k < NO; ++k) CHECK(out[k][i] == Approx(expected[k]).epsilon(1e-13));
  }

  // Backward against central differences of L = sum_k dout_k * out_k, element by element.
  std::array<std::vector<double>, 5> grad;
  std::array<double*, 5> gp{};
  for (std::size_t k = 0; k < 5; ++k) grad[k].assign(N, 0), gp[k] = grad[k].data();
  Cell::template backward<N, double>(vp, {}, cop, dop, gp);
  double worst = 0;
  for (std::size_t i = 0; i < N; ++i) {
    for (std::size_t k = 0; k < 5; ++k) {
      std::array<double, 5> up{in[0][i], in[1][i], in[2][i], in[3][i], in[4][i]}, down = up;
      up[k] += 1e-6;
      down[k] -= 1e-6;
      const auto yu = reference(up[0], up[1], up[2], up[3], up[4]);
      const auto yd = reference(down[0], down[1], down[2], down[3], down[4]);
      double fd = 0;
      for (std::size_t o = 0; o < NO; ++o) fd += dout[o][i] * (yu[o] - yd[o]) / 2e-6;
      worst = std::max(worst, std::abs(fd - grad[k][i]) / std::max(std::abs(fd) + std::abs(grad[k][i]), 1e-4));
    }
  }
  CHECK(worst < 1e-6);

  // A variable whose gradient nobody needs is skipped (a null pointer).
  gp[4] = nullptr;
  Cell::template backward<N, double>(vp, {}, cop, dop, gp);

  // Training's form: the forward pass keeps the shared terms, the backward pass reads them and
  // no variable outside backward_reads (those are null here: reading one would crash).
  constexpr std::size_t NT = Cell::terms;
  std::array<std::vector<double>, NO> kept_out;
  std::array<std::vector<double>, NT> terms;
  std::array<double*, NO> kop{};
  std::array<double*, NT> tp{};
  std::array<const double*, NT> ctp{};
  for (std::size_t k = 0; k < NO; ++k) kept_out[k].assign(N, 0), kop[k] = kept_out[k].data();
  for (std::size_t j = 0; j < NT; ++j) terms[j].assign(N, 0), tp[j] = terms[j].data(), ctp[j] = tp[j];
  Cell::template forward_keeping<N, double>(vp, {}, kop, tp);
  for (std::size_t k = 0; k < NO; ++k)
    for (std::size_t i = 0; i < N; ++i) CHECK(kept_out[k][i] == Approx(out[k][i]).epsilon(1e-14));
  std::array<const double*, 5> read{};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((read[I] = Cell::template backward_reads<I> ? vp[I] : nullptr), ...);
  }(std::make_index_sequence<5>{});
  std::array<std::vector<double>, 5> kept_grad;
  std::array<double*, 5> kgp{};
  for (std::size_t k = 0; k < 5; ++k) kept_grad[k].assign(N, 0), kgp[k] = kept_grad[k].data();
  Cell::template backward<N, double>(read, {}, cop, dop, ctp, kgp);
  for (std::size_t k = 0; k < 5; ++k)
    for (std::size_t i = 0; i < N; ++i) CHECK(kept_grad[k][i] == Approx(grad[k][i]).epsilon(1e-14));
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("pointwise: the LSTM step, forward and derived backward over arrays",
                       "[gradcheck][pointwise][lstm]", ((std::size_t N), N), 1, 7, 13, 33) {
  check_cell<lstm, N>(
      [](double i, double f, double g, double o, double c_prev) {
        const double c = sig(f) * c_prev + sig(i) * std::tanh(g);
        return std::array<double, 2>{c, sig(o) * std::tanh(c)};
      },
      3);
}

TEMPLATE_TEST_CASE_SIG("pointwise: the GRU step, forward and derived backward over arrays",
                       "[gradcheck][pointwise][gru]", ((std::size_t N), N), 1, 7, 13, 33) {
  check_cell<gru, N>(
      [](double ar, double az, double xn, double hn, double h_prev) {
        const double n = std::tanh(xn + sig(ar) * hn);
        return std::array<double, 1>{(1 - sig(az)) * n + sig(az) * h_prev};
      },
      4);
}

TEST_CASE("pointwise: h reads c from the forward pass instead of recomputing it", "[pointwise]") {
  // Output 1's forward expression holds Output<0> (c), not the gate arithmetic again. Copied
  // before decltype looks at it: clang 19 gives decltype of a static member variable template
  // declared `auto` that nothing has instantiated yet as `auto` itself (llvm/llvm-project#178860).
  constexpr auto h = lstm::forward_expression<1>;
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(h)>,
                                std::remove_cvref_t<decltype(sigmoid(variable<3>) * tanh(output<0>))>>);
}

TEST_CASE("pointwise: gradients that are one expression are found, and only those", "[pointwise]") {
  // The LSTM layer's step: each gate reads input<k> + hidden<k>, so d/d input<k> and d/d hidden<k>
  // are one expression, computed once (same_gradient_as); the gates differ from each other, and
  // so does the state. clang once saw every gradient as the same type here (eval/pointwise.hpp).
  using step = Recurrent<lstm_cell, 3>::step_function;
  STATIC_REQUIRE(step::same_gradient_as<0> == 0);
  STATIC_REQUIRE(step::same_gradient_as<1> == 1);
  STATIC_REQUIRE(step::same_gradient_as<2> == 2);
  STATIC_REQUIRE(step::same_gradient_as<3> == 3);
  STATIC_REQUIRE(step::same_gradient_as<4> == 0);
  STATIC_REQUIRE(step::same_gradient_as<5> == 1);
  STATIC_REQUIRE(step::same_gradient_as<6> == 2);
  STATIC_REQUIRE(step::same_gradient_as<7> == 3);
  STATIC_REQUIRE(step::same_gradient_as<8> == 8);
  // The test's own cells have no two alike.
  STATIC_REQUIRE(lstm::same_gradient_as<1> == 1);
  STATIC_REQUIRE(lstm::same_gradient_as<4> == 4);
  STATIC_REQUIRE(gru::same_gradient_as<3> == 3);
}

TEST_CASE("pointwise: what a training step keeps, and what its backward pass reads", "[pointwise]") {
  // LSTM: the five terms (three sigmoids, tanh(g), tanh(c)); from them, the backward pass reads
  // c_prev alone: no gate pre-activation.
  STATIC_REQUIRE(lstm::terms == 5);
  STATIC_REQUIRE(!lstm::backward_reads<0> && !lstm::backward_reads<1> && !lstm::backward_reads<2> &&
                 !lstm::backward_reads<3> && lstm::backward_reads<4>);
  // The forward pass computes i, f and g's terms before c, and o's and tanh(c) (which reads c)
  // before h.
  constexpr auto late = [](auto t) {
    return same_expr(t, sigmoid(variable<3>)) || same_expr(t, tanh(output<0>));
  };
  STATIC_REQUIRE([&]<std::size_t... J>(std::index_sequence<J...>) {
    return ((lstm::stage<J> == (late(lstm::term<J>) ? 1u : 0u)) && ...);
  }(std::make_index_sequence<5>{}));
  // GRU: r, z and n; the reset gate's gradient reads h_n, and z's reads h_prev.
  STATIC_REQUIRE(gru::terms == 3);
  STATIC_REQUIRE(!gru::backward_reads<0> && !gru::backward_reads<1> && !gru::backward_reads<2> &&
                 gru::backward_reads<3> && gru::backward_reads<4>);
  // The layers: an LSTM keeps neither product, a GRU its hidden products (h_n), a SimpleRNN
  // (whose tanh is its output) no term and no product.
  using lstm_plan = Recurrent<lstm_cell, 5>::plan<float, Shape<4, 3>, 2>;
  STATIC_REQUIRE(!lstm_plan::keeps_input_products && !lstm_plan::keeps_hidden_products);
  STATIC_REQUIRE(lstm_plan::terms == 4 * 2 * kernels::padded<5 * 5, float>);
  using gru_plan = Recurrent<gru_cell, 5>::plan<float, Shape<4, 3>, 2>;
  STATIC_REQUIRE(!gru_plan::keeps_input_products && gru_plan::keeps_hidden_products);
  using rnn_plan = Recurrent<simple_rnn_cell, 5>::plan<float, Shape<4, 3>, 2>;
  STATIC_REQUIRE(!rnn_plan::keeps_input_products && !rnn_plan::keeps_hidden_products);
  STATIC_REQUIRE(rnn_plan::terms == 0);
}
