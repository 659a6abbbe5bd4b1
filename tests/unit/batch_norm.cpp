// BatchNorm against plain loops of PyTorch's formulas, in float and double: the training output
// (batch statistics), the running statistics after 1 and 3 steps (momentum arithmetic, unbiased
// variance), the inference output (running statistics), the parameter gradients of a training
// step, dx of a training step (through a 1 x 1 convolution before it), dx and the parameter
// gradients at inference (input_gradient); training and inference give different outputs for the
// same input; a network with BatchNorm trains, and evaluate() reads the running statistics; names,
// counts and the state's names.
#include <catch2/catch.hpp>

#include <nerve/layers/batch_norm.hpp>
#include <nerve/nerve.hpp>

#include "support/random_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <vector>

using namespace nerve;

namespace {

using nerve_test::uniform_values;
using nerve_test::perturb_weight_and_bias;


template <class T>
constexpr double value_tolerance = std::is_same_v<T, float> ? 3e-5 : 1e-12;

template <class T>
void check_close(const T* got, const std::vector<double>& want, double tolerance) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(static_cast<double>(got[i]) - want[i]) <= tolerance * (1 + std::abs(want[i])));
  }
}

// A batch of B samples of C channels of P values each, back to back ([b][c][p]), as plain loops
// see it, in double.
struct batch_layout {
  std::size_t B, C, P;
  std::size_t at(std::size_t b, std::size_t c, std::size_t p) const { return (b * C + c) * P + p; }
  double n() const { return static_cast<double>(B * P); }
};

// Per channel: the batch mean, the biased and the unbiased variance.
struct moments {
  std::vector<double> mean, biased, unbiased;
};
template <class T>
moments batch_moments(const T* x, batch_layout l) {
  moments m{std::vector<double>(l.C, 0.0), std::vector<double>(l.C, 0.0),
            std::vector<double>(l.C, 0.0)};
  for (std::size_t c = 0; c < l.C; ++c) {
    double s = 0;
    for (std::size_t b = 0; b < l.B; ++b) {
      for (std::size_t p = 0; p < l.P; ++p) s += x[l.at(b, c, p)];
    }
    const double mean = s / l.n();
    double q = 0;
    for (std::size_t b = 0; b < l.B; ++b) {
      for (std::size_t p = 0; p < l.P; ++p) q += (x[l.at(b, c, p)] - mean) * (x[l.at(b, c, p)] - mean);
    }
    m.mean[c] = mean;
    m.biased[c] = q / l.n();
    m.unbiased[c] = q / (l.n() - 1);
  }
  return m;
}

// y = (x - mean) / sqrt(var + eps) * weight + bias, per channel.
template <class T, class S>
std::vector<double> normalize_reference(const T* x, batch_layout l, const std::vector<double>& mean,
                                        const std::vector<double>& var, const S* weight,
                                        const S* bias, double eps) {
  std::vector<double> y(l.B * l.C * l.P);
  for (std::size_t b = 0; b < l.B; ++b) {
    for (std::size_t c = 0; c < l.C; ++c) {
      const double rstd = 1.0 / std::sqrt(var[c] + eps);
      for (std::size_t p = 0; p < l.P; ++p) {
        y[l.at(b, c, p)] = (x[l.at(b, c, p)] - mean[c]) * rstd * weight[c] + bias[c];
      }
    }
  }
  return y;
}

template <class T>
std::vector<double> as_double(const T* p, std::size_t n) {
  return std::vector<double>(p, p + n);
}


// A lone BatchNorm on In = Shape<Dims...>, batches of 4: training outputs and running statistics
// over 3 steps, then inference outputs from the running statistics, against the plain loops.
template <class T, class Norm, std::size_t... Dims>
void check_batch_norm_values() {
  using Net = BasicNetwork<T, Input<Dims...>, Norm>;
  using In = Shape<Dims...>;
  constexpr std::size_t B = 4;
  constexpr std::size_t C = Norm::template channels<In>;
  constexpr std::size_t P = Norm::template plane<In>;
  const batch_layout l{B, C, P};
  Net net{Seed{1}};
  perturb_weight_and_bias<1>(net, 2);
  const auto& p = net.template parameters<1>();
  const auto& s = net.template state<1>();
  INFO(Net::summary_string());

  // At start: running_mean 0, running_var 1.
  for (std::size_t c = 0; c < C; ++c) {
    REQUIRE(s.running_mean(c) == T(0));
    REQUIRE(s.running_var(c) == T(1));
  }

  Trainer<Net, MeanSquaredError, SGD, Batch<B>> trainer(net);
  std::vector<double> running_mean(C, 0.0), running_var(C, 1.0);
  for (int step = 1; step <= 3; ++step) {
    INFO("step " << step);
    // Values far from 0 and a spread that changes from step to step.
    const auto X = uniform_values<T>(B * In::size, 10 + step, 1.0 + step, 4.0 + 2 * step);
    const T* Y = trainer.forward(X.data(), In::size);
    const moments m = batch_moments(X.data(), l);
    const auto want = normalize_reference(X.data(), l, m.mean, m.biased, p.weight.data(),
                                          p.bias.data(), Norm::eps);
    for (std::size_t b = 0; b < B; ++b) {
      INFO("sample " << b);
      check_close(Y + b * trainer.ld_output(),
                  std::vector<double>(want.begin() + b * In::size, want.begin() + (b + 1) * In::size),
                  value_tolerance<T>);
    }
    for (std::size_t c = 0; c < C; ++c) {
      running_mean[c] = (1 - Norm::momentum) * running_mean[c] + Norm::momentum * m.mean[c];
      running_var[c] = (1 - Norm::momentum) * running_var[c] + Norm::momentum * m.unbiased[c];
    }
    {
      INFO("running_mean");
      check_close(s.running_mean.data(), running_mean, value_tolerance<T>);
    }
    {
      INFO("running_var (unbiased batch variance)");
      check_close(s.running_var.data(), running_var, value_tolerance<T>);
    }
  }

  // Inference: the running statistics, batch 1 and batch 4, each sample on its own.
  const auto X = uniform_values<T>(B * In::size, 20, 2.0, 6.0);
  const auto want = normalize_reference(X.data(), l, running_mean, running_var, p.weight.data(),
                                        p.bias.data(), Norm::eps);
  const auto y1 = net(X.data());
  check_close(y1.data(), std::vector<double>(want.begin(), want.begin() + In::size),
              value_tolerance<T>);
  Tensor<T, Shape<B, Dims...>> Xb;
  std::copy(X.begin(), X.end(), Xb.data());
  typename Net::template Workspace<B> ws;
  const auto Yb = net(Xb, ws);
  check_close(Yb.data(), want, value_tolerance<T>);
  // Inference does not move the running statistics.
  check_close(s.running_mean.data(), running_mean, value_tolerance<T>);
  check_close(s.running_var.data(), running_var, value_tolerance<T>);
}

}  // namespace

TEMPLATE_TEST_CASE("BatchNorm over an image: training output, running statistics, inference "
                   "output against plain loops",
                   "[batch_norm]", float, double) {
  check_batch_norm_values<TestType, BatchNorm<>, 3, 5, 7>();   // 35 values a plane: a tail
  check_batch_norm_values<TestType, BatchNorm<>, 2, 4, 8>();   // 32: whole SIMD batches
  check_batch_norm_values<TestType, BatchNorm<>, 1, 6, 5>();   // one channel
  check_batch_norm_values<TestType, BatchNorm<0.3, 1e-3>, 4, 3, 3>();
}

TEMPLATE_TEST_CASE("BatchNorm over a vector: training output, running statistics, inference "
                   "output against plain loops",
                   "[batch_norm]", float, double) {
  check_batch_norm_values<TestType, BatchNorm<>, 21>();  // SIMD batches and a tail
  check_batch_norm_values<TestType, BatchNorm<>, 1>();
  check_batch_norm_values<TestType, BatchNorm<0.01>, 16>();
  check_batch_norm_values<TestType, BatchNorm<>, 5, 1, 1>();  // 1 x 1 planes: the same as Shape<5>
}

TEST_CASE("BatchNorm: momentum 1 makes the running statistics the last batch's, 0 leaves them",
          "[batch_norm]") {
  const auto X = uniform_values<double>(3 * 2 * 4, 40, -1.0, 3.0);
  const moments m = batch_moments(X.data(), {3, 2, 4});
  {
    using Net = BasicNetwork<double, Input<2, 2, 2>, BatchNorm<1>>;
    Net net;
    Trainer<Net, MeanSquaredError, SGD, Batch<3>> trainer(net);
    trainer.forward(X.data(), 8);
    check_close(net.state<1>().running_mean.data(), m.mean, 1e-14);
    check_close(net.state<1>().running_var.data(), m.unbiased, 1e-14);
  }
  {
    using Net = BasicNetwork<double, Input<2, 2, 2>, BatchNorm<0>>;
    Net net;
    Trainer<Net, MeanSquaredError, SGD, Batch<3>> trainer(net);
    trainer.forward(X.data(), 8);
    check_close(net.state<1>().running_mean.data(), {0.0, 0.0}, 0);
    check_close(net.state<1>().running_var.data(), {1.0, 1.0}, 0);
  }
}

TEST_CASE("BatchNorm: each training step moves the running statistics once", "[batch_norm]") {
  using Net = Network<Input<3, 4, 4>, BatchNorm<>, Flatten, Dense<2>, Softmax>;
  Net net{Seed{3}};
  Trainer<Net, CrossEntropy, SGD, Batch<2>> trainer(net, SGD{.learning_rate = 0});
  const auto X = uniform_values<float>(2 * 48, 41, 1.0, 3.0);
  const std::uint32_t labels[2] = {0, 1};
  const moments m = batch_moments(X.data(), {2, 3, 16});
  std::vector<double> mean(3, 0.0), var(3, 1.0);
  for (int step = 0; step < 3; ++step) {  // the same batch each time: known arithmetic
    trainer.step(X.data(), labels);
    for (std::size_t c = 0; c < 3; ++c) {
      mean[c] = 0.9 * mean[c] + 0.1 * m.mean[c];
      var[c] = 0.9 * var[c] + 0.1 * m.unbiased[c];
    }
  }
  check_close(net.state<1>().running_mean.data(), mean, 1e-5);
  check_close(net.state<1>().running_var.data(), var, 1e-5);
  // 1 - 0.9^3 of the way from (0, 1) to the batch's statistics.
  CHECK(std::abs(mean[0] - 0.271 * m.mean[0]) < 1e-12);
}

namespace {

// Parameter gradients of a training step (MSE after a lone BatchNorm: dy = 2 (y - t) / (B N)),
// against the plain loop: dweight = sum dy * xhat, dbias = sum dy over batch and plane.
template <class T, std::size_t... Dims>
void check_training_gradients() {
  using Net = BasicNetwork<T, Input<Dims...>, BatchNorm<>>;
  using In = Shape<Dims...>;
  constexpr std::size_t B = 3;
  constexpr std::size_t C = BatchNorm<>::channels<In>;
  constexpr std::size_t P = BatchNorm<>::plane<In>;
  const batch_layout l{B, C, P};
  Net net{Seed{1}};
  perturb_weight_and_bias<1>(net, 50);
  const auto& p = net.template parameters<1>();
  Trainer<Net, MeanSquaredError, SGD, Batch<B>> trainer(net);
  const auto X = uniform_values<T>(B * In::size, 51, -2.0, 3.0);
  const auto targets = uniform_values<T>(B * In::size, 52, -1.0, 1.0);
  trainer.compute_gradients(X.data(), targets.data());
  const moments m = batch_moments(X.data(), l);
  const auto y = normalize_reference(X.data(), l, m.mean, m.biased, p.weight.data(), p.bias.data(),
                                     1e-5);
  std::vector<double> dweight(C, 0.0), dbias(C, 0.0);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t c = 0; c < C; ++c) {
      const double rstd = 1.0 / std::sqrt(m.biased[c] + 1e-5);
      for (std::size_t q = 0; q < P; ++q) {
        const std::size_t i = l.at(b, c, q);
        const double dy = 2 * (y[i] - targets[i]) / static_cast<double>(B * In::size);
        dweight[c] += dy * (X[i] - m.mean[c]) * rstd;
        dbias[c] += dy;
      }
    }
  }
  const auto& g = std::get<1>(trainer.gradients());
  const double tolerance = std::is_same_v<T, float> ? 1e-4 : 1e-10;
  INFO(Net::summary_string());
  {
    INFO("dweight");
    check_close(g.weight.data(), dweight, tolerance);
  }
  {
    INFO("dbias");
    check_close(g.bias.data(), dbias, tolerance);
  }
}

// dx, dweight and dbias at inference (input_gradient): dx = dy * weight / sqrt(running_var + eps).
template <class T, std::size_t... Dims>
void check_inference_gradients() {
  using Net = BasicNetwork<T, Input<Dims...>, BatchNorm<>>;
  using In = Shape<Dims...>;
  constexpr std::size_t B = 3;
  constexpr std::size_t C = BatchNorm<>::channels<In>;
  constexpr std::size_t P = BatchNorm<>::plane<In>;
  const batch_layout l{B, C, P};
  Net net{Seed{1}};
  perturb_weight_and_bias<1>(net, 60);
  auto& s = net.template state<1>();
  const auto rm = uniform_values<T>(C, 61, -1.0, 1.0);
  const auto rv = uniform_values<T>(C, 62, 0.2, 3.0);
  std::copy(rm.begin(), rm.end(), s.running_mean.data());
  std::copy(rv.begin(), rv.end(), s.running_var.data());
  const auto& p = net.template parameters<1>();
  const auto X = uniform_values<T>(B * In::size, 63, -2.0, 3.0);
  const auto dY = uniform_values<T>(B * In::size, 64, -1.0, 1.0);
  typename Net::template GradientWorkspace<B> ws;
  const auto dX = net.template input_gradient<B>(X.data(), dY.data(), ws);
  std::vector<double> dx(B * In::size), dweight(C, 0.0), dbias(C, 0.0);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t c = 0; c < C; ++c) {
      const double rstd = 1.0 / std::sqrt(static_cast<double>(rv[c]) + 1e-5);
      for (std::size_t q = 0; q < P; ++q) {
        const std::size_t i = l.at(b, c, q);
        dx[i] = dY[i] * static_cast<double>(p.weight(c)) * rstd;
        dweight[c] += dY[i] * (X[i] - static_cast<double>(rm[c])) * rstd;
        dbias[c] += dY[i];
      }
    }
  }
  const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  const auto& g = std::get<1>(ws.parameter_gradients);
  INFO(Net::summary_string());
  {
    INFO("dx");
    check_close(dX.data(), dx, tolerance);
  }
  {
    INFO("dweight");
    check_close(g.weight.data(), dweight, tolerance);
  }
  {
    INFO("dbias");
    check_close(g.bias.data(), dbias, tolerance);
  }
  // The running statistics are unchanged by a differentiated inference pass.
  check_close(s.running_mean.data(), as_double(rm.data(), C), 0);
  check_close(s.running_var.data(), as_double(rv.data(), C), 0);
}

// dx of a training step, which no API returns: read through the weight gradient of a 1 x 1
// convolution put before the BatchNorm. Its output u = A x + a (per position, A: C x C) is the
// BatchNorm's input, so dA = sum over batch and positions of dx_bn x^T and da = sum of dx_bn,
// where dx_bn is PyTorch's training-mode formula (batch statistics, N = B P values a channel):
//   dx_bn = rstd / N (N dxhat - sum dxhat - xhat sum(dxhat xhat)),  dxhat = dy weight.
// da is then 0 up to rounding: the batch mean takes any constant shift back out.
template <class T, std::size_t C, std::size_t H, std::size_t W>
void check_training_input_gradient() {
  using Net = BasicNetwork<T, Input<C, H, W>, Conv2D<C, Kernel<1, 1>>, BatchNorm<>>;
  constexpr std::size_t B = 3, P = H * W, N = C * P;
  const batch_layout l{B, C, P};
  Net net{Seed{1}};
  auto& conv = net.template parameters<1>();
  const auto A = uniform_values<T>(C * C, 70, -1.0, 1.0);
  const auto a = uniform_values<T>(C, 71, -0.5, 0.5);
  std::copy(A.begin(), A.end(), conv.weight.data());
  std::copy(a.begin(), a.end(), conv.bias.data());
  perturb_weight_and_bias<2>(net, 72);
  const auto& p = net.template parameters<2>();
  Trainer<Net, MeanSquaredError, SGD, Batch<B>> trainer(net);
  const auto X = uniform_values<T>(B * N, 73, -2.0, 3.0);
  const auto targets = uniform_values<T>(B * N, 74, -1.0, 1.0);
  trainer.compute_gradients(X.data(), targets.data());

  // The plain loops, in double: u, its moments, y, dy = 2 (y - t) / (B N), dx_bn, dA, da.
  std::vector<double> u(B * N);
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t f = 0; f < C; ++f)
      for (std::size_t q = 0; q < P; ++q) {
        double z = a[f];
        for (std::size_t c = 0; c < C; ++c) z += double(A[f * C + c]) * X[l.at(b, c, q)];
        u[l.at(b, f, q)] = z;
      }
  const moments m = batch_moments(u.data(), l);
  const auto y = normalize_reference(u.data(), l, m.mean, m.biased, p.weight.data(),
                                     p.bias.data(), 1e-5);
  const auto dxhat = [&](std::size_t i, std::size_t c) {
    return 2 * (y[i] - targets[i]) / double(B * N) * double(p.weight(c));
  };
  std::vector<double> dA(C * C, 0.0), da(C, 0.0);
  for (std::size_t c = 0; c < C; ++c) {
    const double rstd = 1.0 / std::sqrt(m.biased[c] + 1e-5);
    double sum_dxhat = 0, sum_dxhat_xhat = 0;
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t q = 0; q < P; ++q) {
        const std::size_t i = l.at(b, c, q);
        sum_dxhat += dxhat(i, c);
        sum_dxhat_xhat += dxhat(i, c) * (u[i] - m.mean[c]) * rstd;
      }
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t q = 0; q < P; ++q) {
        const std::size_t i = l.at(b, c, q);
        const double xhat = (u[i] - m.mean[c]) * rstd;
        const double dx = rstd / l.n() * (l.n() * dxhat(i, c) - sum_dxhat - xhat * sum_dxhat_xhat);
        for (std::size_t k = 0; k < C; ++k) dA[c * C + k] += dx * X[l.at(b, k, q)];
        da[c] += dx;
      }
  }
  const auto& g = std::get<1>(trainer.gradients());
  const double tolerance = std::is_same_v<T, float> ? 1e-4 : 1e-10;
  INFO(Net::summary_string());
  {
    INFO("the convolution's weight gradient, through BatchNorm's dx");
    check_close(g.weight.data(), dA, tolerance);
  }
  {
    INFO("the convolution's bias gradient: 0 up to rounding");
    check_close(g.bias.data(), da, tolerance);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("BatchNorm in training: dx (through the layer before it) against plain loops",
                   "[batch_norm]", float, double) {
  check_training_input_gradient<TestType, 1, 3, 5>();
  check_training_input_gradient<TestType, 4, 5, 3>();
}

TEMPLATE_TEST_CASE("BatchNorm: parameter gradients of a training step against plain loops",
                   "[batch_norm]", float, double) {
  check_training_gradients<TestType, 3, 5, 7>();
  check_training_gradients<TestType, 21>();
}

TEMPLATE_TEST_CASE("BatchNorm at inference: dx and parameter gradients (input_gradient) against "
                   "plain loops",
                   "[batch_norm]", float, double) {
  check_inference_gradients<TestType, 3, 5, 7>();
  check_inference_gradients<TestType, 21>();
}

TEST_CASE("BatchNorm: training and inference give different outputs for the same input",
          "[batch_norm]") {
  using Net = Network<Input<2, 3, 3>, BatchNorm<>>;
  Net net;
  Trainer<Net, MeanSquaredError, SGD, Batch<4>> trainer(net);
  const auto X = uniform_values<float>(4 * 18, 70, 3.0, 5.0);  // far from the running mean 0
  const float* train = trainer.forward(X.data(), 18);
  Tensor<float, Shape<4, 2, 3, 3>> Xb;
  std::copy(X.begin(), X.end(), Xb.data());
  Net::Workspace<4> ws;
  const auto infer = net(Xb, ws);
  double largest = 0, train_mean = 0;
  for (std::size_t b = 0; b < 4; ++b) {
    for (std::size_t j = 0; j < 18; ++j) {
      largest = std::max(largest, std::abs(double(train[b * trainer.ld_output() + j]) -
                                           double(infer.data()[b * 18 + j])));
      train_mean += train[b * trainer.ld_output() + j];
    }
  }
  CHECK(largest > 1.0);
  CHECK(std::abs(train_mean / 72) < 1e-5);  // the batch's statistics: mean 0 in training
}

TEST_CASE("BatchNorm: a small CNN trains, and evaluate() uses the running statistics",
          "[batch_norm][training]") {
  // Two classes of 2 x 4 x 4 images: class 1 has a brighter first channel; both are offset far
  // from 0, which the batch statistics remove.
  using Net = Network<Input<2, 4, 4>, BatchNorm<>, Flatten, Dense<8>, ReLU, Dense<2>, Softmax>;
  constexpr std::size_t samples = 64;
  std::vector<float> xs(samples * 32);
  std::vector<std::uint32_t> ys(samples);
  Random rng(Seed{80});
  for (std::size_t i = 0; i < samples; ++i) {
    ys[i] = static_cast<std::uint32_t>(i % 2);
    for (std::size_t j = 0; j < 32; ++j) {
      xs[i * 32 + j] = static_cast<float>(5.0 + rng.uniform(-1.0, 1.0) + (j < 16 && ys[i] ? 1.0 : 0.0));
    }
  }
  Net net{Seed{81}};
  Trainer<Net, CrossEntropy, Adam, Batch<8>> trainer(net, Adam{.learning_rate = 1e-2f});
  std::ostringstream quiet;
  FitOptions options;
  options.out = &quiet;
  const auto history = trainer.fit(std::span<const float>(xs), std::span<const std::uint32_t>(ys),
                                    Epochs{15}, options);
  REQUIRE(history.size() == 15);
  CHECK(history.back().loss < 0.5 * history.front().loss);

  // The running statistics moved towards the data's (mean about 5.25 and 5).
  CHECK(net.state<1>().running_mean(0) > 4.0f);

  // evaluate() is inference: its loss is the loss of net(x), which reads the running statistics.
  const Evaluation e = trainer.evaluate(std::span<const float>(xs), std::span<const std::uint32_t>(ys));
  double loss = 0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < samples; ++i) {
    const auto y = net(xs.data() + i * 32);
    loss -= std::log(static_cast<double>(y(ys[i])));
    correct += (y(1) > y(0)) == (ys[i] == 1);
  }
  CHECK(std::abs(e.loss - loss / samples) < 1e-4);
  CHECK(e.accuracy == Approx(double(correct) / samples));
  CHECK(e.accuracy > 0.9);
  // With running statistics reset to (0, 1) the inference outputs change: evaluate() read them.
  auto saved = net.state<1>();
  net.state<1>().reset();
  const Evaluation reset = trainer.evaluate(std::span<const float>(xs), std::span<const std::uint32_t>(ys));
  CHECK(std::abs(reset.loss - e.loss) > 1e-3);
  net.state<1>() = saved;
}

TEST_CASE("BatchNorm: name, counts, state names and layout", "[batch_norm]") {
  CHECK(BatchNorm<>::name() == "BatchNorm");
  CHECK(BatchNorm<0.01>::name() == "BatchNorm<0.01>");
  CHECK(BatchNorm<0.1, 0.001>::name() == "BatchNorm<0.1, 0.001>");
  using Net = Network<Input<6, 5, 5>, BatchNorm<>, Flatten, Dense<3>>;
  STATIC_REQUIRE(Net::parameter_count == 2 * 6 + 150 * 3 + 3);
  STATIC_REQUIRE(BatchNorm<>::channels<Shape<6, 5, 5>> == 6);
  STATIC_REQUIRE(BatchNorm<>::plane<Shape<6, 5, 5>> == 25);
  STATIC_REQUIRE(BatchNorm<>::channels<Shape<7>> == 7);
  STATIC_REQUIRE(BatchNorm<>::plane<Shape<7>> == 1);
  // kept: (mean, rstd) per channel in training; nothing at inference.
  STATIC_REQUIRE(BatchNorm<>::workspace<float, Shape<6, 5, 5>, 32, mode::training>.kept == 12);
  STATIC_REQUIRE(BatchNorm<>::workspace<float, Shape<6, 5, 5>, 32, mode::inference>.kept == 0);
  Net net;
  std::vector<std::string> names;
  net.for_each_parameter([&](std::size_t i, const char* name, auto&) {
    if (i == 1) names.push_back(name);
  });
  net.for_each_state([&](std::size_t i, const char* name, auto& t) {
    if (i == 1) {
      names.push_back(name);
      CHECK(t.size == 6);
    }
  });
  CHECK(names == std::vector<std::string>{"weight", "bias", "running_mean", "running_var"});
  CHECK(Net::summary_string().find("BatchNorm") != std::string::npos);
}
