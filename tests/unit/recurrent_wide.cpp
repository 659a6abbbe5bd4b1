// SimpleRNN, LSTM and GRU against plain scalar loops (recurrent_cases.hpp), as recurrent.cpp, with
// hidden sizes 17 (none a multiple of a SIMD width), 16 and 32 (whole registers per gate); and
// Embedding with ids that are not ids of its table (their vector is zero, and they get no
// gradient) and with PaddingIdx.
#include "recurrent_cases.hpp"

using namespace nerve;

TEMPLATE_TEST_CASE_SIG("recurrent layers against plain loops, hidden sizes 16, 17 and 32: "
                       "SimpleRNN, LSTM, GRU, every step and last step, batches 1 and 3, float "
                       "and double",
                       "[recurrent][reference]", ((long H, std::size_t S), H, S), (17, 1),
                       (17, 2), (17, 7),
                       // whole registers per gate: one stream's hidden product taken in two parts
                       (16, 2), (32, 3)) {
  check_every_cell<H, S>();
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
