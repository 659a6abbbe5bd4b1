// The open layer contract at run time: what a layer is handed (kept memory, scratch, state, mode,
// random stream) and the network API around it (caller-owned workspaces, batched inference,
// logits, constexpr budgets, many threads on one const network).
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <cmath>
#include <thread>
#include <tuple>
#include <vector>

using namespace nerve;

namespace {

// A test layer that uses every part of the context: it keeps its input in `kept` (as a
// normalisation layer keeps statistics), fills `scratch` on every call, counts its calls in
// its state by mode, and draws from its random stream in training to prove the stream is stable
// between forward and backward. y = 2 x; dx = 2 dy.
struct Probe : layer {
  template <AnyShape In>
  using output_shape = In;
  static std::string name() { return "Probe"; }

  template <class T, AnyShape In>
  struct state {
    Tensor<T, Shape<3>> calls;  // training forwards, inference forwards, backwards

    auto arrays() noexcept { return std::tie(calls); }
    auto arrays() const noexcept { return std::tie(calls); }
    template <class F>
    void for_each(F&& f) { f("calls", calls); }
    template <class F>
    void for_each(F&& f) const { f("calls", calls); }
  };

  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{
      .kept = M == mode::training ? B * In::size + 1 : 0, .scratch = 3 * In::size};

  static inline int kept_mismatches = 0;
  static inline int random_mismatches = 0;

  template <class Ctx>
  static void forward(Ctx& ctx) {
    constexpr std::size_t N = Ctx::in_shape::size;
    for (std::size_t j = 0; j < 3 * N; ++j) ctx.scratch[j] = -1;  // the plan gave us this much
    for (std::size_t i = 0; i < Ctx::batch; ++i) {
      for (std::size_t j = 0; j < N; ++j) {
        ctx.y[i * ctx.ldy + j] = 2 * ctx.x[i * ctx.ldx + j];
        if (ctx.kept) ctx.kept[i * N + j] = ctx.x[i * ctx.ldx + j];
      }
    }
    if (ctx.kept) ctx.kept[Ctx::batch * N] = static_cast<typename Ctx::value_type>(ctx.random().next() % 1000);
    if constexpr (!std::is_const_v<std::remove_reference_t<decltype(ctx.state)>>) {
      ctx.state.calls(ctx.training() ? 0 : 1) += 1;
    }
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    constexpr std::size_t N = Ctx::in_shape::size;
    for (std::size_t j = 0; j < 3 * N; ++j) ctx.scratch[j] = -2;
    for (std::size_t i = 0; i < Ctx::batch; ++i) {
      for (std::size_t j = 0; j < N; ++j) {
        if (ctx.kept[i * N + j] != ctx.x[i * ctx.ldx + j]) ++kept_mismatches;
        if (ctx.dx) ctx.dx[i * ctx.ld_dx + j] = 2 * ctx.dy[i * ctx.ldy + j];
      }
    }
    Random again(ctx.source.seed, ctx.source.layer, ctx.source.step);
    if (ctx.kept[Ctx::batch * N] != static_cast<typename Ctx::value_type>(again.next() % 1000)) {
      ++random_mismatches;
    }
  }
};

template <class N>
concept has_logits = requires(N n, const typename N::input_type& in) { n.logits(in); };

using ProbeNet = Network<Input<5>, Dense<7>, Tanh, Probe, Dense<9>, Probe, Dense<3>, Softmax>;

}  // namespace

TEST_CASE("contract: kept memory survives from forward to backward, scratch is shared",
          "[contract]") {
  ProbeNet net{Seed{3}};
  Trainer<ProbeNet, CrossEntropy, SGD, Batch<4>> trainer(net, SGD{.learning_rate = 0.1});
  std::vector<float> X(4 * 5);
  Random rng(Seed{1});
  for (auto& v : X) v = static_cast<float>(rng.uniform(-1, 1));
  const std::uint32_t labels[4] = {0, 1, 2, 1};
  Probe::kept_mismatches = Probe::random_mismatches = 0;
  for (int i = 0; i < 5; ++i) trainer.step(X.data(), labels);
  CHECK(Probe::kept_mismatches == 0);
  CHECK(Probe::random_mismatches == 0);

  // The two probes keep 4 * 7 + 1 and 4 * 9 + 1 values, each region cache-line aligned and apart;
  // the scratch is one region, as large as the largest request: Dense<9>'s dz (4 rows of 16
  // floats) and the transposed weights it takes dX from (9 rows of 16) beat a probe's 3 * 9 floats.
  using P = detail::network_pass<ProbeNet, 4, mode::training>;
  STATIC_REQUIRE(P::offsets.kept_size[1] == kernels::round_up(4 * 7 + 1, 16));
  STATIC_REQUIRE(P::offsets.kept_size[3] == kernels::round_up(4 * 9 + 1, 16));
  STATIC_REQUIRE(P::offsets.kept[3] >= P::offsets.kept[1] + P::offsets.kept_size[1]);
  STATIC_REQUIRE(kernels::input_gradient_transposes<4, 9, 7, float>);
  STATIC_REQUIRE(P::offsets.scratch_size == 4 * 16 + 9 * 16);
  // At inference nothing is kept.
  using I = detail::network_pass<ProbeNet, 4, mode::inference>;
  STATIC_REQUIRE(I::offsets.kept_total == 0);
  const std::string plan = ProbeNet::explain_string();
  INFO(plan);
  CHECK(plan.find("group 1 (Probe)") != std::string::npos);
  CHECK(plan.find("kept 960") != std::string::npos);  // explain() is at batch 32: 32 * 7 + 1 -> 240 floats
}

TEST_CASE("contract: state is apart from parameters, changes in training, is read at inference",
          "[contract]") {
  ProbeNet net{Seed{3}};
  STATIC_REQUIRE(ProbeNet::parameter_count == (5 * 7 + 7) + (7 * 9 + 9) + (9 * 3 + 3));
  std::size_t state_arrays = 0;
  net.for_each_state([&](std::size_t entry, const char* name, auto&) {
    CHECK((entry == 3 || entry == 5));
    CHECK(std::string(name) == "calls");
    ++state_arrays;
  });
  CHECK(state_arrays == 2);

  ProbeNet::input_type x;
  x.fill(0.5f);
  net(x);
  CHECK(net.state<3>().calls(1) == 0);  // inference does not change the state (it is const there)

  Trainer<ProbeNet, CrossEntropy, Adam, Batch<2>> trainer(net);
  std::vector<float> X(2 * 5, 0.25f);
  const std::uint32_t labels[2] = {0, 1};
  trainer.step(X.data(), labels);
  trainer.step(X.data(), labels);
  CHECK(net.state<3>().calls(0) == 2);  // two training forwards
  CHECK(net.state<5>().calls(0) == 2);
  trainer.evaluate(LabelledData<float, Shape<5>>(std::vector<float>(10, 0.1f), {0, 1}, 3));
  CHECK(net.state<3>().calls(0) == 2);  // evaluation runs at inference: state untouched
}

TEST_CASE("contract: random streams depend on seed, layer and step only", "[contract][random]") {
  Random a(Seed{42}, 3, 17), b(Seed{42}, 3, 17);
  for (int i = 0; i < 8; ++i) CHECK(a.next() == b.next());
  const auto first = [](Seed s, std::uint64_t layer, std::uint64_t step) {
    return Random(s, layer, step).next();
  };
  CHECK(first(Seed{42}, 3, 17) != first(Seed{42}, 4, 17));
  CHECK(first(Seed{42}, 3, 17) != first(Seed{42}, 3, 18));
  CHECK(first(Seed{42}, 3, 17) != first(Seed{43}, 3, 17));
  CHECK(first(Seed{0}, 0, 0) != first(Seed{0}, 1, 0));
}

TEST_CASE("network API: memory and FLOP budgets are constexpr", "[contract][budget]") {
  using Net = Network<Input<784>, Dense<128>, ReLU, Dense<10>, Softmax>;
  // A real-time budget written where the network is declared:
  static_assert(Net::inference_bytes<1> <= 8 * 1024, "fits in 8 KiB of workspace");
  static_assert(Net::inference_flops<1> == 2 * 784 * 128 + 128 + 128 + 2 * 128 * 10 + 10 + 50);
  STATIC_REQUIRE(Net::inference_flops<4> == 4 * Net::inference_flops<1>);
  STATIC_REQUIRE(Net::training_flops<1> > 3 * Net::inference_flops<1> - 1000);
  // Training memory holds at least the gradients of every parameter and the kept activations.
  STATIC_REQUIRE(Net::training_bytes<32> >= Net::parameter_count * sizeof(float) + 32 * 128 * 4);
  STATIC_REQUIRE(Net::training_bytes<64> > Net::training_bytes<32>);
}

TEST_CASE("network API: batched inference equals batch-1 inference row by row", "[contract]") {
  using Net = Network<Input<3, 7>, Flatten, Dense<33>, Tanh, Affine, Dense<5>, Softmax>;
  Net net{Seed{5}};
  constexpr std::size_t B = 6;
  Tensor<float, Shape<B, 3, 7>> X;
  Random rng(Seed{2});
  for (auto& v : X.flat()) v = static_cast<float>(rng.uniform(-1, 1));
  Net::Workspace<B> ws;
  const auto Y = net(X, ws);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(Y)>, TensorView<const float, Shape<B, 5>>>);
  for (std::size_t i = 0; i < B; ++i) {
    const auto y = net(X[i].data());
    for (std::size_t j = 0; j < 5; ++j) CHECK(Y(i, j) == Approx(y(j)).epsilon(1e-5));
  }
}

TEST_CASE("network API: logits are the input of the final Softmax", "[contract]") {
  using Net = Network<Input<4>, Dense<6>, ReLU, Dense<3>, Softmax>;
  Net net{Seed{8}};
  Net::input_type x;
  x(0) = 0.5f, x(1) = -1, x(2) = 2, x(3) = 0.25f;
  std::vector<float> p(3), z(3);
  for (std::size_t j = 0; j < 3; ++j) p[j] = net(x)(j);
  const auto logits = net.logits(x);
  for (std::size_t j = 0; j < 3; ++j) z[j] = logits(j);
  const float total = std::exp(z[0]) + std::exp(z[1]) + std::exp(z[2]);
  for (std::size_t j = 0; j < 3; ++j) CHECK(p[j] == Approx(std::exp(z[j]) / total).epsilon(1e-5));
  // No Softmax at the end: no logits() to call.
  STATIC_REQUIRE(has_logits<Net>);
  STATIC_REQUIRE(!has_logits<Network<Input<4>, Dense<3>>>);
}

TEST_CASE("network API: one const network, many threads, each with its own workspace",
          "[contract][threads]") {
  using Net = Network<Input<16>, Dense<64>, Tanh, Dense<64>, ReLU, Dense<4>, Softmax>;
  const Net net{Seed{4}};
  constexpr int samples = 200;
  std::vector<float> X(samples * 16);
  Random rng(Seed{6});
  for (auto& v : X) v = static_cast<float>(rng.uniform(-1, 1));
  std::vector<float> serial(samples * 4);
  {
    Net::Workspace<1> ws;
    for (int i = 0; i < samples; ++i) {
      const auto y = net(X.data() + i * 16, ws);
      std::copy_n(y.data(), 4, serial.data() + i * 4);
    }
  }
  std::vector<float> parallel(samples * 4);
  auto work = [&](int first) {
    Net::Workspace<1> ws;
    for (int round = 0; round < 20; ++round) {
      for (int i = first; i < samples; i += 4) {
        const auto y = net(X.data() + i * 16, ws);
        std::copy_n(y.data(), 4, parallel.data() + i * 4);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work, t);
  for (auto& t : threads) t.join();
  CHECK(parallel == serial);
}

TEMPLATE_TEST_CASE("Affine: values against a * x + b written out", "[contract][affine]", float,
                   double) {
  using T = TestType;
  using Net = BasicNetwork<T, Input<3, 7>, Affine>;  // 21 features: a SIMD body and a tail
  Net net{Seed{1}};
  auto& p = net.template parameters<1>();
  Random rng(Seed{4});
  for (auto& v : p.weight.flat()) v = static_cast<T>(rng.uniform(-2, 2));
  for (auto& v : p.bias.flat()) v = static_cast<T>(rng.uniform(-1, 1));
  typename Net::input_type x;
  for (auto& v : x.flat()) v = static_cast<T>(rng.uniform(-3, 3));
  const auto y = net(x);
  for (std::size_t i = 0; i < 21; ++i) {
    const T expected = p.weight.data()[i] * x.data()[i] + p.bias.data()[i];
    CHECK(y.data()[i] == Approx(expected).epsilon(std::is_same_v<T, float> ? 1e-6 : 1e-14));
  }
}
