// LayerNorm against plain loops of PyTorch's formula (forward, input and parameter gradients),
// in float and double; Dropout's behaviour: the identity (a view) at inference, the fraction and
// scale of its zeros in training, an element-wise mask on images that the backward pass applies
// again, masks reproducible from the seed and new at each step; neither allocates during a
// training step or inference; explain() reports their kept memory.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include "support/allocation_probe.hpp"
#include "support/sanitizer_runtime.hpp"
#include "support/random_values.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {
using nerve_test::uniform_values;
using nerve_test::perturb_weight_and_bias;
}  // namespace

// ---- counting allocations ----------------------------------------------------------------------
// tests/unit/no_allocation.cpp replaces operator new for this whole binary, and its counter is
// private to that file; a binary can replace operator new only once. So this file counts one level
// lower: on glibc, malloc and aligned_alloc (which that operator new, and libstdc++'s own, call)
// are interposed here, forward to glibc's implementation, and count while enabled. Not under a
// sanitizer: its runtime must allocate all memory itself (the plain build counts).
#if defined(__GLIBC__) && !defined(NERVE_TEST_SANITIZER_RUNTIME)
#define NERVE_TEST_COUNTS_ALLOCATIONS 1
namespace {
std::atomic<std::size_t> mallocs{0};
std::atomic<bool> counting_mallocs{false};
}  // namespace
extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_memalign(std::size_t, std::size_t);
extern "C" void* malloc(std::size_t n) noexcept {
  if (counting_mallocs.load(std::memory_order_relaxed)) ++mallocs;
  return __libc_malloc(n);
}
extern "C" void* aligned_alloc(std::size_t alignment, std::size_t n) noexcept {
  if (counting_mallocs.load(std::memory_order_relaxed)) ++mallocs;
  return __libc_memalign(alignment, n);
}
#endif

using namespace nerve;

namespace {


// PyTorch's layer_norm for `groups` groups of n values, in double:
// y = (x - mean) / sqrt(var + eps) * weight + bias, var biased.
template <class T>
std::vector<double> layer_norm_reference(const T* x, std::size_t groups, std::size_t n,
                                         const T* weight, const T* bias, double eps) {
  std::vector<double> y(groups * n);
  for (std::size_t g = 0; g < groups; ++g) {
    const T* xg = x + g * n;
    double mean = 0;
    for (std::size_t j = 0; j < n; ++j) mean += xg[j];
    mean /= static_cast<double>(n);
    double var = 0;
    for (std::size_t j = 0; j < n; ++j) var += (xg[j] - mean) * (xg[j] - mean);
    var /= static_cast<double>(n);
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (std::size_t j = 0; j < n; ++j) {
      y[g * n + j] = (xg[j] - mean) * rstd * weight[j] + bias[j];
    }
  }
  return y;
}

// dL/dx, dL/dweight and dL/dbias of layer_norm_reference for `groups` groups (over a whole batch)
// given dL/dy, in double, straight from the chain rule through mean and variance.
struct norm_gradients {
  std::vector<double> dx, dweight, dbias;
};
template <class T>
norm_gradients layer_norm_backward_reference(const T* x, const T* dy, std::size_t groups,
                                             std::size_t n, const T* weight, double eps) {
  norm_gradients r{std::vector<double>(groups * n), std::vector<double>(n, 0.0),
                   std::vector<double>(n, 0.0)};
  for (std::size_t g = 0; g < groups; ++g) {
    const T* xg = x + g * n;
    const T* dyg = dy + g * n;
    double mean = 0, var = 0;
    for (std::size_t j = 0; j < n; ++j) mean += xg[j];
    mean /= static_cast<double>(n);
    for (std::size_t j = 0; j < n; ++j) var += (xg[j] - mean) * (xg[j] - mean);
    var /= static_cast<double>(n);
    const double rstd = 1.0 / std::sqrt(var + eps);
    std::vector<double> xhat(n), dxhat(n);
    double sum_d = 0, sum_dx = 0;
    for (std::size_t j = 0; j < n; ++j) {
      xhat[j] = (xg[j] - mean) * rstd;
      dxhat[j] = dyg[j] * static_cast<double>(weight[j]);
      sum_d += dxhat[j];
      sum_dx += dxhat[j] * xhat[j];
      r.dweight[j] += dyg[j] * xhat[j];
      r.dbias[j] += dyg[j];
    }
    for (std::size_t j = 0; j < n; ++j) {
      r.dx[g * n + j] = rstd * (dxhat[j] - sum_d / static_cast<double>(n) -
                                xhat[j] * sum_dx / static_cast<double>(n));
    }
  }
  return r;
}

template <class T>
constexpr double value_tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-12;

template <class T>
void check_close(const T* got, const std::vector<double>& want, double tolerance) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(static_cast<double>(got[i]) - want[i]) <= tolerance * (1 + std::abs(want[i])));
  }
}


// One LayerNorm as the whole network: y of batch-1 and batch-4 inference against the reference.
template <class T, class Norm, std::size_t... Dims>
void check_layer_norm_values() {
  using Net = BasicNetwork<T, Input<Dims...>, Norm>;
  using In = Shape<Dims...>;
  constexpr std::size_t n = Norm::template group_size<In>;
  constexpr std::size_t groups = Norm::template groups<In>;
  Net net{Seed{1}};
  perturb_weight_and_bias<1>(net, 2);
  const auto& p = net.template parameters<1>();
  INFO(Net::summary_string());

  // Batch 1: values far from 0 so that the mean matters.
  const auto x = uniform_values<T>(In::size, 3, 2.0, 4.0);
  const auto y = net(x.data());
  check_close(y.data(), layer_norm_reference(x.data(), groups, n, p.weight.data(), p.bias.data(),
                                             Norm::eps),
              value_tolerance<T>);

  // Batch 4.
  Tensor<T, Shape<4, Dims...>> X;
  const auto xs = uniform_values<T>(4 * In::size, 4, -3.0, 5.0);
  std::copy(xs.begin(), xs.end(), X.data());
  typename Net::template Workspace<4> ws;
  const auto Y = net(X, ws);
  check_close(Y.data(), layer_norm_reference(X.data(), 4 * groups, n, p.weight.data(),
                                             p.bias.data(), Norm::eps),
              value_tolerance<T>);

  // Training computes the same thing (no running statistics): bit for bit.
  Trainer<Net, MeanSquaredError, SGD, Batch<4>> trainer(net);
  const T* Yt = trainer.forward(X.data(), In::size);
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < In::size; ++j) {
      CHECK(Yt[i * trainer.ld_output() + j] == Y.data()[i * In::size + j]);
    }
  }
}

// dL/dx and the parameter gradients of a lone LayerNorm (input_gradient: a differentiated
// inference pass) against the reference.
template <class T, class Norm, std::size_t... Dims>
void check_layer_norm_gradients() {
  using Net = BasicNetwork<T, Input<Dims...>, Norm>;
  using In = Shape<Dims...>;
  constexpr std::size_t n = Norm::template group_size<In>;
  constexpr std::size_t groups = Norm::template groups<In>;
  constexpr std::size_t B = 3;
  Net net{Seed{1}};
  perturb_weight_and_bias<1>(net, 5);
  const auto& p = net.template parameters<1>();
  const auto X = uniform_values<T>(B * In::size, 6, -2.0, 3.0);
  const auto dY = uniform_values<T>(B * In::size, 7, -1.0, 1.0);
  typename Net::template GradientWorkspace<B> ws;
  const auto dX = net.template input_gradient<B>(X.data(), dY.data(), ws);
  const auto want = layer_norm_backward_reference(X.data(), dY.data(), B * groups, n,
                                                  p.weight.data(), Norm::eps);
  const double tolerance = std::is_same_v<T, float> ? 1e-4 : 1e-10;
  INFO(Net::summary_string());
  {
    INFO("dx");
    check_close(dX.data(), want.dx, tolerance);
  }
  const auto& g = std::get<1>(ws.parameter_gradients);
  {
    INFO("dweight");
    check_close(g.weight.data(), want.dweight, tolerance);
  }
  {
    INFO("dbias");
    check_close(g.bias.data(), want.dbias, tolerance);
  }
}

}  // namespace

TEST_CASE("LayerNorm: shapes and parameters and names and flops", "[layer_norm]") {
  using V = Network<Input<33>, LayerNorm<>>;
  using Rows = Network<Input<3, 7>, LayerNorm<>>;
  using Whole = Network<Input<3, 7>, LayerNorm<2>>;
  STATIC_REQUIRE(V::output_shape == Shape<33>{});
  STATIC_REQUIRE(V::parameter_count == 66);
  STATIC_REQUIRE(Rows::output_shape == Shape<3, 7>{});
  STATIC_REQUIRE(Rows::parameter_count == 14);  // weight and bias of the last axis, Shape<7>
  STATIC_REQUIRE(Whole::parameter_count == 42);
  STATIC_REQUIRE(LayerNorm<>::groups<Shape<3, 7>> == 3);
  STATIC_REQUIRE(LayerNorm<2>::groups<Shape<3, 7>> == 1);
  STATIC_REQUIRE(std::is_same_v<LayerNorm<2>::normalized_shape<Shape<2, 3, 7>>, Shape<3, 7>>);
  STATIC_REQUIRE(V::inference_flops<> == 8 * 33);
  STATIC_REQUIRE(V::training_flops<> == (8 + 13) * 33);
  CHECK(LayerNorm<>::name() == "LayerNorm");
  CHECK(LayerNorm<2>::name() == "LayerNorm<2>");
  CHECK(LayerNorm<1, 1e-6>::name() == "LayerNorm<1, 1e-06>");

  Rows net{Seed{3}};
  for (std::size_t j = 0; j < 7; ++j) {
    CHECK(net.parameters<1>().weight(j) == 1.0f);
    CHECK(net.parameters<1>().bias(j) == 0.0f);
  }
}

TEMPLATE_TEST_CASE("LayerNorm: values against a plain loop of PyTorch's formula", "[layer_norm]",
                   float, double) {
  using T = TestType;
  check_layer_norm_values<T, LayerNorm<>, 1>();
  check_layer_norm_values<T, LayerNorm<>, 7>();
  check_layer_norm_values<T, LayerNorm<>, 16>();
  check_layer_norm_values<T, LayerNorm<>, 33>();
  check_layer_norm_values<T, LayerNorm<>, 3, 7>();
  check_layer_norm_values<T, LayerNorm<2>, 3, 7>();
  check_layer_norm_values<T, LayerNorm<1, 0.5>, 2, 9>();
}

TEMPLATE_TEST_CASE("LayerNorm: input and parameter gradients against a plain loop", "[layer_norm]",
                   float, double) {
  using T = TestType;
  check_layer_norm_gradients<T, LayerNorm<>, 1>();
  check_layer_norm_gradients<T, LayerNorm<>, 7>();
  check_layer_norm_gradients<T, LayerNorm<>, 33>();
  check_layer_norm_gradients<T, LayerNorm<>, 4, 5>();
  check_layer_norm_gradients<T, LayerNorm<2>, 4, 5>();
}

TEST_CASE("LayerNorm: a group of one value gives the bias whatever the input", "[layer_norm]") {
  using Net = Network<Input<1>, LayerNorm<>>;
  Net net{Seed{1}};
  net.parameters<1>().weight(0) = 3.0f;
  net.parameters<1>().bias(0) = 0.25f;
  for (float x : {-5.0f, 0.0f, 1e6f}) {
    const float in[1] = {x};
    CHECK(net(in)(0) == 0.25f);
  }
}

// ---- Dropout ----------------------------------------------------------------------------------

TEST_CASE("Dropout: names and shapes and kept memory and flops", "[dropout]") {
  CHECK(Dropout<0.5>::name() == "Dropout<0.5>");
  CHECK(Dropout<>::name() == "Dropout<0.5>");
  CHECK(Dropout<0.1f>::name() == "Dropout<0.1>");
  CHECK(Dropout<0>::name() == "Dropout<0>");
  using Net = Network<Input<4, 5>, Dropout<0.25>>;
  STATIC_REQUIRE(Net::output_shape == Shape<4, 5>{});
  STATIC_REQUIRE(Net::parameter_count == 0);
  STATIC_REQUIRE(Dropout<0.25>::workspace<float, Shape<20>, 8, mode::training>.kept == 160);
  STATIC_REQUIRE(Dropout<0.25>::workspace<float, Shape<20>, 8, mode::inference>.kept == 0);
  STATIC_REQUIRE(Dropout<0>::workspace<float, Shape<20>, 8, mode::training>.kept == 0);
  STATIC_REQUIRE(Net::training_flops<> == 2 * 20);
  STATIC_REQUIRE(Dropout<0.5>::threshold == 32768);
  STATIC_REQUIRE(Dropout<0.1>::threshold == 6554);
}

TEST_CASE("Dropout: the identity at inference passed on as a view", "[dropout]") {
  using Lone = Network<Input<40>, Dropout<0.5>>;
  Lone lone{Seed{1}};
  const auto x = uniform_values<float>(40, 1, -1.0, 1.0);
  const auto y = lone(x.data());
  CHECK(y.data() == x.data());  // no copy: the output rows are the input rows

  using With = Network<Input<8>, Dense<16>, ReLU, Dropout<0.5>, Dense<3>, Softmax>;
  using Without = Network<Input<8>, Dense<16>, ReLU, Dense<3>, Softmax>;
  STATIC_REQUIRE(With::inference_bytes<1> == Without::inference_bytes<1>);
  STATIC_REQUIRE(With::inference_bytes<8> == Without::inference_bytes<8>);
  With with{Seed{2}};
  Without without{Seed{2}};
  without.parameters<1>() = with.parameters<1>();
  without.parameters<3>() = with.parameters<4>();
  const auto a = with(x.data());
  const auto b = without(x.data());
  for (std::size_t j = 0; j < 3; ++j) CHECK(a(j) == b(j));

  // The gradient of an input is taken at inference behaviour: dx = dy through the Dropout.
  With::GradientWorkspace<2> gw;
  Without::GradientWorkspace<2> gwo;
  const float dy[6] = {0.5f, -1.0f, 0.25f, 1.0f, 0.0f, -0.5f};
  const auto dxa = with.input_gradient<2>(x.data(), dy, gw);
  const auto dxb = without.input_gradient<2>(x.data(), dy, gwo);
  for (std::size_t i = 0; i < 16; ++i) CHECK(dxa.data()[i] == dxb.data()[i]);
}

TEMPLATE_TEST_CASE("Dropout: in training zeros at rate p and survivors scaled by 1 / (1 - p)",
                   "[dropout]", float, double) {
  using T = TestType;
  constexpr std::size_t n = 1000, B = 8;
  const auto x = uniform_values<T>(B * n, 9, 0.5, 2.0);  // no zeros of its own
  auto check_rate = [&](auto layer, double p) {
    using L = decltype(layer);
    using Net = BasicNetwork<T, Input<n>, L>;
    Net net{Seed{21}};
    Trainer<Net, MeanSquaredError, SGD, Batch<B>> trainer(net);
    const T* Y = trainer.forward(x.data(), n);
    const T scale = static_cast<T>(1.0 / (1.0 - p));
    std::size_t zeros = 0, wrong = 0;
    for (std::size_t i = 0; i < B; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        const T y = Y[i * trainer.ld_output() + j];
        if (y == T(0)) ++zeros;
        else if (y != x[i * n + j] * scale) ++wrong;
      }
    }
    const double fraction = static_cast<double>(zeros) / (B * n);
    INFO("rate " << p << ": fraction of zeros " << fraction);
    // 8000 draws: the standard deviation of the fraction is at most 0.0056; 5 of them.
    CHECK(std::abs(fraction - p) < 0.028);
    CHECK(wrong == 0);
  };
  check_rate(Dropout<0.1>{}, 0.1);
  check_rate(Dropout<0.3>{}, 0.3);
  check_rate(Dropout<0.5>{}, 0.5);
  check_rate(Dropout<0.9>{}, 0.9);
  check_rate(Dropout<0>{}, 0.0);
}

TEMPLATE_TEST_CASE("Dropout on images: an element-wise mask, the same one in the backward pass",
                   "[dropout]", float, double) {
  // nn.Dropout on (C, H, W) zeros elements, not channels (that is Dropout2d). 3 x 5 x 7 = 105
  // values a sample: rows of the batch padded past a register, a tail in every pass. A 1 x 1
  // convolution with identity weights before it makes the Dropout's dx readable: its bias
  // gradient is the sum over the batch and the plane of dx = dy * mask / (1 - p).
  using T = TestType;
  constexpr std::size_t C = 3, H = 5, W = 7, P = H * W, N = C * P, B = 3;
  using Net = BasicNetwork<T, Input<C, H, W>, Conv2D<C, Kernel<1, 1>>, Dropout<0.5>>;
  Net net{Seed{11}};
  auto& conv = net.template parameters<1>();
  std::fill(conv.weight.data(), conv.weight.data() + conv.weight.size, T(0));
  for (std::size_t c = 0; c < C; ++c) conv.weight.data()[c * C + c] = T(1);
  std::fill(conv.bias.data(), conv.bias.data() + C, T(0));
  const auto X = uniform_values<T>(B * N, 12, 0.5, 2.0);  // no zeros of its own
  const auto targets = uniform_values<T>(B * N, 13, -1.0, 1.0);
  Trainer<Net, MeanSquaredError, SGD, Batch<B>> trainer(net);
  const T* Y = trainer.forward(X.data(), N);
  std::vector<int> kept(B * N);
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < B * N; ++i) {
    const T y = Y[i / N * trainer.ld_output() + i % N];
    kept[i] = y != T(0);
    zeros += y == T(0);
    if (kept[i]) CHECK(y == X[i] * T(2));  // scaled by 1 / (1 - p), exactly
  }
  // 315 draws at rate 0.5: the standard deviation of the fraction is 0.028; 4 of them.
  CHECK(std::abs(static_cast<double>(zeros) / (B * N) - 0.5) < 0.12);
  // Element-wise: no channel is all kept or all zero in every sample, and the samples differ.
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t c = 0; c < C; ++c) {
      const auto first = kept.begin() + static_cast<long>(b * N + c * P);
      const auto survivors = std::count(first, first + static_cast<long>(P), 1);
      CHECK(survivors > 0);
      CHECK(survivors < static_cast<long>(P));
    }
  }
  CHECK(!std::equal(kept.begin(), kept.begin() + N, kept.begin() + N));

  trainer.compute_gradients(X.data(), targets.data());
  const auto& g = std::get<1>(trainer.gradients());
  std::vector<double> dbias(C, 0.0);
  for (std::size_t i = 0; i < B * N; ++i) {
    const double y = kept[i] ? 2.0 * X[i] : 0.0;
    dbias[i % N / P] += 2 * (y - targets[i]) / double(B * N) * (kept[i] ? 2.0 : 0.0);
  }
  for (std::size_t c = 0; c < C; ++c) {
    INFO("channel " << c);
    CHECK(std::abs(double(g.bias(c)) - dbias[c]) <= (std::is_same_v<T, float> ? 1e-5 : 1e-12));
  }
  // The same step draws the same mask again (compute_gradients ran the forward pass anew).
  const T* again = trainer.forward(X.data(), N);
  for (std::size_t i = 0; i < B * N; ++i)
    CHECK((again[i / N * trainer.ld_output() + i % N] != T(0)) == static_cast<bool>(kept[i]));
}

TEST_CASE("Dropout: masks come from the seed and the layer and the step", "[dropout]") {
  using Net = Network<Input<256>, Dropout<0.5>>;
  constexpr std::size_t B = 4;
  const std::vector<float> x(B * 256, 1.0f);
  auto outputs = [&](auto& trainer) {
    const float* Y = trainer.forward(x.data(), 256);
    std::vector<float> out;
    for (std::size_t i = 0; i < B; ++i) {
      const float* row = Y + i * trainer.ld_output();
      out.insert(out.end(), row, row + 256);
    }
    return out;
  };
  Net a{Seed{7}}, b{Seed{7}}, c{Seed{8}};
  Trainer<Net, MeanSquaredError, SGD, Batch<B>> ta(a), tb(b), tc(c);
  const auto first = outputs(ta);
  CHECK(outputs(ta) == first);   // the same step: the same mask
  CHECK(outputs(tb) == first);   // the same seed: the same mask on every run
  CHECK(outputs(tc) != first);   // another seed: another mask
  ta.apply_gradients();          // the next step
  const auto second = outputs(ta);
  CHECK(second != first);
  tb.apply_gradients();
  CHECK(outputs(tb) == second);

  // Two Dropouts in a row draw independent masks (the stream depends on the layer's position):
  // a value survives both with probability 1/4, and then it is 4.
  using Twice = Network<Input<256>, Dropout<0.5>, Dropout<0.5>>;
  Twice twice{Seed{7}};
  Trainer<Twice, MeanSquaredError, SGD, Batch<B>> tt(twice);
  const auto y = outputs(tt);
  const auto survivors = std::count(y.begin(), y.end(), 4.0f);
  CHECK(survivors + std::count(y.begin(), y.end(), 0.0f) == static_cast<long>(y.size()));
  CHECK(std::abs(static_cast<double>(survivors) / y.size() - 0.25) < 0.07);
}

TEST_CASE("Dropout and LayerNorm: the fused step trains as the write-then-update step",
          "[dropout][layer_norm][fused]") {
  // Dense updates itself in its backward kernel on the fused path; Dropout and LayerNorm write
  // their gradients (LayerNorm's weight and bias) and are updated after the backward pass.
  using Net = Network<Input<12>, Dense<16>, ReLU, Dropout<0.3>, LayerNorm<>, Dense<3>, Softmax>;
  Net a{Seed{4}}, b{Seed{4}};
  Trainer<Net, CrossEntropy, Adam, Batch<2>> fused(a), separate(b);
  STATIC_REQUIRE(decltype(fused)::fuses_update);
  const auto X = uniform_values<float>(2 * 12, 8, -1.0, 1.0);
  const std::uint32_t labels[2] = {0, 2};
  for (int i = 0; i < 5; ++i) {
    fused.fused_step(X.data(), labels);
    separate.separate_step(X.data(), labels);
  }
  auto values = [](Net& net) {
    std::vector<float> v;
    net.for_each_parameter([&](std::size_t, const char*, auto& t) {
      v.insert(v.end(), t.data(), t.data() + t.size);
    });
    return v;
  };
  const auto va = values(a);
  CHECK(va == values(b));
  Net fresh{Seed{4}};
  CHECK(va != values(fresh));  // and the steps did train
}

TEST_CASE("Dropout and LayerNorm: no allocation in a training step or in inference",
          "[dropout][layer_norm][allocation]") {
#if defined(NERVE_TEST_COUNTS_ALLOCATIONS)
  using Net = Network<Input<20>, Dense<16>, ReLU, Dropout<0.5>, LayerNorm<>, Dense<3>, Softmax>;
  using Rows = Network<Input<3, 20>, LayerNorm<>, Dropout<0.2>, Flatten, Dense<3>, Softmax>;
  Net net{Seed{1}};
  Rows rows{Seed{1}};
  Trainer<Net, CrossEntropy, Adam, Batch<8>> trainer(net);
  Trainer<Rows, CrossEntropy, Adam, Batch<8>> row_trainer(rows);
  const std::vector<float> X(8 * 60, 0.25f);
  const std::uint32_t labels[8] = {0, 1, 2, 0, 1, 2, 0, 1};
  trainer.step(X.data(), labels);  // Adam's state exists from here
  row_trainer.step(X.data(), labels);
  Net::input_type x;
  x.fill(0.5f);
  Rows::input_type xr;
  xr.fill(0.5f);

  // The counter itself must see allocations, or the test proves nothing.
  counting_mallocs = true;
  nerve_test::allocate_once();
  counting_mallocs = false;
  REQUIRE(mallocs == 1);

  mallocs = 0;
  counting_mallocs = true;
  for (int i = 0; i < 10; ++i) {
    trainer.step(X.data(), labels);
    row_trainer.step(X.data(), labels);
  }
  float sum = 0;
  for (int i = 0; i < 100; ++i) sum += net(x)(1) + rows(xr)(1);
  counting_mallocs = false;
  CHECK(mallocs == 0);
  CHECK(sum > 0);
#else
  WARN("allocations are counted on glibc only, without a sanitizer");
#endif
}

TEST_CASE("Dropout and LayerNorm: explain() shows each layer's kept memory",
          "[dropout][layer_norm]") {
  using Net = Network<Input<16>, Dense<16>, Dropout<0.5>, LayerNorm<>, Dense<3>, Softmax>;
  const std::string text = Net::explain_string();
  INFO(text);
  // At batch 32 in float: the mask is 32 x 16 floats; LayerNorm keeps (mean, rstd) per sample,
  // 32 x 2 floats, and asks for 32 x 16 floats of scratch (xhat).
  CHECK(text.find("group 1 (Dropout<0.5>): inference scratch 0; training output 2,048, kept 2,048, "
                  "scratch 0") != std::string::npos);
  CHECK(text.find("group 2 (LayerNorm): inference scratch 0; training output 2,048, kept 256, "
                  "scratch 2,048") != std::string::npos);
  CHECK(text.find("Training workspace at batch 32: activations") != std::string::npos);
}
