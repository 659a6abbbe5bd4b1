// tests/unit/pooling_cases.hpp: plain loops of PyTorch's max_pool2d and avg_pool2d (forward and
// input gradient, floor and ceil mode) and the check of a pooling layer against them, shared by
// pooling.cpp and pooling_ceil.cpp (split so that neither takes minutes under the sanitizers).
#pragma once

#include <catch2/catch.hpp>

#include <nerve/layers/avg_pool.hpp>
#include <nerve/layers/max_pool.hpp>
#include <nerve/nerve.hpp>

#include "support/random_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

// Internal to each test file that includes it (as kernels_dense_cases.hpp).
namespace {

using namespace nerve;
using nerve_test::uniform_values;


// A pooling window as plain numbers, read from the layer's arguments.
struct geometry {
  long C, H, W, KH, KW, SH, SW, top, left, bottom, right;
  bool ceil = false;
  // PyTorch's pooling_output_shape, written out: floor or ceil of the division, and in ceil mode
  // no last window that starts past the image and its leading padding.
  static long outputs(long n, long k, long s, long before, long after, bool ceil) {
    const long room = n + before + after - k;
    long out = (ceil ? (room + s - 1) / s : room / s) + 1;
    if (ceil && (out - 1) * s >= n + before) --out;
    return out;
  }
  long OH() const { return outputs(H, KH, SH, top, bottom, ceil); }
  long OW() const { return outputs(W, KW, SW, left, right, ceil); }
};

template <class L, std::size_t C, std::size_t H, std::size_t W>
geometry geometry_of() {
  using Win = typename L::window;
  return {C,
          H,
          W,
          Win::kernel_height,
          Win::kernel_width,
          Win::stride_height,
          Win::stride_width,
          Win::pad_top,
          Win::pad_left,
          Win::pad_bottom,
          Win::pad_right,
          Win::ceil};
}

// The input positions of output (c, oh, ow)'s window, in window order: -1 for padding, -2 past
// the padded plane (the last window in ceil mode).
constexpr long padding = -1, beyond = -2;
std::vector<long> window_positions(const geometry& g, long c, long oh, long ow) {
  std::vector<long> out;
  for (long i = 0; i < g.KH; ++i) {
    for (long j = 0; j < g.KW; ++j) {
      const long h = oh * g.SH - g.top + i, w = ow * g.SW - g.left + j;
      const bool inside = h >= 0 && h < g.H && w >= 0 && w < g.W;
      const bool padded = h < g.H + g.bottom && w < g.W + g.right;
      out.push_back(inside ? (c * g.H + h) * g.W + w : padded ? padding : beyond);
    }
  }
  return out;
}

// PyTorch's max_pool2d on one sample: padding is -infinity, the first maximum wins; the position
// of each maximum into `argmax`.
template <class T>
std::vector<double> max_pool_reference(const T* x, const geometry& g, std::vector<long>& argmax) {
  std::vector<double> y;
  argmax.clear();
  for (long c = 0; c < g.C; ++c) {
    for (long oh = 0; oh < g.OH(); ++oh) {
      for (long ow = 0; ow < g.OW(); ++ow) {
        double best = -std::numeric_limits<double>::infinity();
        long at = -1;
        for (long p : window_positions(g, c, oh, ow)) {
          if (p >= 0 && (at < 0 || static_cast<double>(x[p]) > best)) {
            best = x[p];
            at = p;
          }
        }
        y.push_back(best);
        argmax.push_back(at);
      }
    }
  }
  return y;
}

// What PyTorch's avg_pool2d divides a window by: divisor_override where it is given (not 0), else
// its positions in the padded plane with count_include_pad=True (KH * KW but for a last window in
// ceil mode), its positions inside the image with False.
double avg_divisor(const std::vector<long>& window, bool exclude_padding, long override) {
  if (override != 0) return static_cast<double>(override);
  const long least = exclude_padding ? 0 : padding;
  return static_cast<double>(
      std::count_if(window.begin(), window.end(), [&](long p) { return p >= least; }));
}

// PyTorch's avg_pool2d on one sample.
template <class T>
std::vector<double> avg_pool_reference(const T* x, const geometry& g, bool exclude_padding,
                                       long override) {
  std::vector<double> y;
  for (long c = 0; c < g.C; ++c) {
    for (long oh = 0; oh < g.OH(); ++oh) {
      for (long ow = 0; ow < g.OW(); ++ow) {
        double sum = 0;
        const auto window = window_positions(g, c, oh, ow);
        for (long p : window) sum += p >= 0 ? static_cast<double>(x[p]) : 0.0;
        y.push_back(sum / avg_divisor(window, exclude_padding, override));
      }
    }
  }
  return y;
}

// dL/dx of one sample from dL/dy: dy to each argmax, or dy / (KH * KW) over each window.
template <class T>
std::vector<double> max_pool_backward_reference(const T* dy, const geometry& g,
                                                const std::vector<long>& argmax) {
  std::vector<double> dx(static_cast<std::size_t>(g.C * g.H * g.W), 0.0);
  for (std::size_t o = 0; o < argmax.size(); ++o) dx[argmax[o]] += dy[o];
  return dx;
}
template <class T>
std::vector<double> avg_pool_backward_reference(const T* dy, const geometry& g, bool exclude_padding,
                                                long override) {
  std::vector<double> dx(static_cast<std::size_t>(g.C * g.H * g.W), 0.0);
  std::size_t o = 0;
  for (long c = 0; c < g.C; ++c) {
    for (long oh = 0; oh < g.OH(); ++oh) {
      for (long ow = 0; ow < g.OW(); ++ow, ++o) {
        const auto window = window_positions(g, c, oh, ow);
        for (long p : window) {
          if (p >= 0) dx[p] += static_cast<double>(dy[o]) / avg_divisor(window, exclude_padding, override);
        }
      }
    }
  }
  return dx;
}

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-14;

template <class T>
void check_close(const T* got, const std::vector<double>& want, double tol) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
    CHECK(std::abs(static_cast<double>(got[i]) - want[i]) <= tol * (1 + std::abs(want[i])));
  }
}

template <class L>
constexpr bool is_max_pool = false;
template <auto K, class S, class P, class... O>
constexpr bool is_max_pool<MaxPool<K, S, P, O...>> = true;

// The reference output and input gradient of one sample for layer L.
template <class L, class T>
std::vector<double> reference_forward(const T* x, const geometry& g, std::vector<long>& argmax) {
  if constexpr (is_max_pool<L>) return max_pool_reference(x, g, argmax);
  else return avg_pool_reference(x, g, L::excludes_padding, L::divisor_override);
}
template <class L, class T>
std::vector<double> reference_backward(const T* dy, const geometry& g,
                                       const std::vector<long>& argmax) {
  if constexpr (is_max_pool<L>) return max_pool_backward_reference(dy, g, argmax);
  else return avg_pool_backward_reference(dy, g, L::excludes_padding, L::divisor_override);
}

// AvgPool with the padding left out of the mean, for check_every_window.
template <auto K, class S, class P>
using AvgPoolExcludingPad = AvgPool<K, S, P, ExcludePad>;

// L as the whole network on (C, H, W): batch-1 and batch-3 inference, the training forward pass
// and the input gradients of 1 and of 3 samples, each against the plain loops.
template <class T, class L, std::size_t C, std::size_t H, std::size_t W>
void check_pool() {
  using Net = BasicNetwork<T, Input<C, H, W>, L>;
  using In = Shape<C, H, W>;
  using Out = typename Net::output_shape_t;
  constexpr std::size_t B = 3;
  const geometry g = geometry_of<L, C, H, W>();
  INFO(Net::summary_string());
  REQUIRE(Out::size == static_cast<std::size_t>(g.C * g.OH() * g.OW()));
  Net net{Seed{1}};

  // Batch 1.
  const auto x = uniform_values<T>(In::size, 3, -2.0, 2.0);
  std::vector<long> argmax;
  const auto y = net(x.data());
  check_close(y.data(), reference_forward<L>(x.data(), g, argmax), tolerance<T>);
  {
    INFO("dx of one sample");
    const auto dy = uniform_values<T>(Out::size, 6, -1.0, 1.0);
    typename Net::template GradientWorkspace<1> gws;
    const auto dx = net.template input_gradient<1>(x.data(), dy.data(), gws);
    check_close(dx.data(), reference_backward<L>(dy.data(), g, argmax), tolerance<T>);
  }

  // Batch 3, inference and training (the training pass keeps positions; same values).
  const auto X = uniform_values<T>(B * In::size, 4, -3.0, 5.0);
  Tensor<T, Shape<B, C, H, W>> XT;
  std::copy(X.begin(), X.end(), XT.data());
  typename Net::template Workspace<B> ws;
  const auto Y = net(XT, ws);
  Trainer<Net, MeanSquaredError, SGD, Batch<B>> trainer(net);
  const T* Yt = trainer.forward(X.data(), In::size);
  for (std::size_t b = 0; b < B; ++b) {
    INFO("sample " << b);
    const auto want = reference_forward<L>(X.data() + b * In::size, g, argmax);
    check_close(Y.data() + b * Out::size, want, tolerance<T>);
    check_close(Yt + b * trainer.ld_output(), want, tolerance<T>);
  }

  // The input gradient of 3 samples.
  const auto dY = uniform_values<T>(B * Out::size, 5, -1.0, 1.0);
  typename Net::template GradientWorkspace<B> gws;
  const auto dX = net.template input_gradient<B>(X.data(), dY.data(), gws);
  for (std::size_t b = 0; b < B; ++b) {
    INFO("dx of sample " << b);
    reference_forward<L>(X.data() + b * In::size, g, argmax);
    check_close(dX.data() + b * In::size,
                reference_backward<L>(dY.data() + b * Out::size, g, argmax), tolerance<T>);
  }
}

}  // namespace
