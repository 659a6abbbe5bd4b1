// tests/unit/conv2d_cases.hpp: plain loops of Conv2D (forward and its adjoint) and the check of a
// layer against them, shared by the conv2d*.cpp test files, which are split so that no one
// translation unit takes minutes to compile (conv2d.cpp alone took 530 s of CPU and 2.5 GB under
// clang's sanitizers).
#pragma once

#include <catch2/catch.hpp>

#include <nerve/layers/conv2d.hpp>
#include <nerve/nerve.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

// Internal to each test file that includes it (as kernels_dense_cases.hpp).
namespace {

using namespace nerve;

// out[n][f][oh][ow] = b[f] + sum_{c,i,j} w[f][c][i][j] x[n][g C' + c][oh sh + i dh - pt][ow sw + j dw - pl]
// for G, one group's geometry (C' = G.channels in, G.filters out), and `groups` of them: filter f
// is in group g = f / G.filters and sees channels g C' .. g C' + C' - 1 (PyTorch's groups).
template <kernels::conv_geometry G>
std::vector<double> reference_forward(const std::vector<double>& x, const std::vector<double>& w,
                                      const std::vector<double>& b, std::size_t batch,
                                      std::size_t groups = 1) {
  const std::size_t OH = G.out_h(), OW = G.out_w(), C = G.channels * groups, F = G.filters * groups;
  std::vector<double> out(batch * F * OH * OW);
  for (std::size_t n = 0; n < batch; ++n)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t oh = 0; oh < OH; ++oh)
        for (std::size_t ow = 0; ow < OW; ++ow) {
          double s = b.empty() ? 0.0 : b[f];
          for (std::size_t c = 0; c < G.channels; ++c)
            for (std::size_t i = 0; i < G.kh; ++i)
              for (std::size_t j = 0; j < G.kw; ++j) {
                const long ih = long(oh * G.sh + i * G.dh) - long(G.pt);
                const long iw = long(ow * G.sw + j * G.dw) - long(G.pl);
                if (ih < 0 || iw < 0 || ih >= long(G.height) || iw >= long(G.width)) continue;
                const std::size_t ch = f / G.filters * G.channels + c;
                s += w[((f * G.channels + c) * G.kh + i) * G.kw + j] *
                     x[((n * C + ch) * G.height + std::size_t(ih)) * G.width + std::size_t(iw)];
              }
          out[((n * F + f) * OH + oh) * OW + ow] = s;
        }
  return out;
}

// The adjoint of the same loops: dw, db and dx from dz.
template <kernels::conv_geometry G>
void reference_backward(const std::vector<double>& x, const std::vector<double>& w,
                        const std::vector<double>& dz, std::size_t batch, std::vector<double>& dw,
                        std::vector<double>& db, std::vector<double>& dx, std::size_t groups = 1) {
  const std::size_t OH = G.out_h(), OW = G.out_w(), C = G.channels * groups, F = G.filters * groups;
  dw.assign(w.size(), 0.0);
  db.assign(F, 0.0);
  dx.assign(x.size(), 0.0);
  for (std::size_t n = 0; n < batch; ++n)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t oh = 0; oh < OH; ++oh)
        for (std::size_t ow = 0; ow < OW; ++ow) {
          const double d = dz[((n * F + f) * OH + oh) * OW + ow];
          db[f] += d;
          for (std::size_t c = 0; c < G.channels; ++c)
            for (std::size_t i = 0; i < G.kh; ++i)
              for (std::size_t j = 0; j < G.kw; ++j) {
                const long ih = long(oh * G.sh + i * G.dh) - long(G.pt);
                const long iw = long(ow * G.sw + j * G.dw) - long(G.pl);
                if (ih < 0 || iw < 0 || ih >= long(G.height) || iw >= long(G.width)) continue;
                const std::size_t ch = f / G.filters * G.channels + c;
                const std::size_t xi =
                    ((n * C + ch) * G.height + std::size_t(ih)) * G.width + std::size_t(iw);
                const std::size_t wi = ((f * G.channels + c) * G.kh + i) * G.kw + j;
                dw[wi] += d * x[xi];
                dx[xi] += d * w[wi];
              }
        }
}

std::vector<double> uniform(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
  Random rng(Seed{seed});
  std::vector<double> v(n);
  for (auto& e : v) e = rng.uniform(lo, hi);
  return v;
}

template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 2e-4 : 1e-11;
}

template <class T>
void require_close(const std::vector<double>& want, const T* got, const char* what) {
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double e = std::abs(want[i] - double(got[i])) / (1.0 + std::abs(want[i]));
    if (e > worst) worst = e, at = i;
  }
  INFO(what << ": worst relative error " << worst << " at " << at << " of " << want.size());
  REQUIRE(worst < tolerance<T>());
}

using expr::x;
// Swish's derivative needs the pre-activation z (ReLU's is read off its output): the forward pass
// must keep z for this one.
using Swish = Activation<x * expr::sigmoid(x)>;
[[maybe_unused]] double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

// Builds Network<Input<C, H, W>, Conv, Act...>, sets its parameters, and checks forward and the
// gradients for a batch of B against the loops above. Act is nothing, ReLU or Swish, applied to
// the reference's z, and its derivative to dy.
template <class T, std::size_t B, class Conv, class In, class... Act>
void check_against_loops(std::uint64_t seed) {
  using Net = BasicNetwork<T, Input<long(In::dims[0]), long(In::dims[1]), long(In::dims[2])>, Conv, Act...>;
  constexpr auto G = Conv::template geometry<In>;
  constexpr bool relu = (std::is_same_v<Act, ReLU> || ...);
  constexpr bool swish = (std::is_same_v<Act, Swish> || ...);
  auto f = [&](double z) { return relu ? (z > 0 ? z : 0) : swish ? z * sigmoid(z) : z; };
  auto df = [&](double z) {
    return relu ? (z > 0 ? 1.0 : 0.0) : swish ? sigmoid(z) * (1 + z * (1 - sigmoid(z))) : 1.0;
  };
  Net net{Seed{seed}};
  auto& p = net.template parameters<1>();
  const auto w = uniform(p.weight.size, seed + 1);
  const auto b = Conv::has_bias ? uniform(Conv::filters, seed + 2) : std::vector<double>{};
  for (std::size_t i = 0; i < w.size(); ++i) p.weight.data()[i] = T(w[i]);
  for (std::size_t i = 0; i < b.size(); ++i) p.bias.data()[i] = T(b[i]);
  // Round the inputs to T first, so both sides see the same values.
  auto x = uniform(B * In::size, seed + 3);
  for (auto& v : x) v = double(T(v));
  std::vector<double> wt(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) wt[i] = double(T(w[i]));
  std::vector<double> bt(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) bt[i] = double(T(b[i]));

  auto z = reference_forward<G>(x, wt, bt, B, Conv::groups);
  auto y = z;
  for (auto& v : y) v = f(v);

  std::vector<T> X(x.begin(), x.end());
  const auto dy = uniform(y.size(), seed + 4);
  std::vector<T> dY(dy.begin(), dy.end());
  auto ws = std::make_unique<typename Net::template GradientWorkspace<B>>();
  const auto dX = net.template input_gradient<B>(X.data(), dY.data(), *ws);

  // Forward: batch-1 inference of each sample.
  for (std::size_t n = 0; n < B; ++n) {
    const auto out = net(X.data() + n * In::size);
    const std::vector<double> want(y.begin() + n * out.size, y.begin() + (n + 1) * out.size);
    require_close<T>(want, out.data(), "forward");
  }

  std::vector<double> dz(dy.begin(), dy.end());
  for (std::size_t i = 0; i < dz.size(); ++i) dz[i] = double(T(dz[i])) * df(z[i]);
  std::vector<double> dw, db, dx;
  reference_backward<G>(x, wt, dz, B, dw, db, dx, Conv::groups);
  const auto& g = std::get<1>(ws->parameter_gradients);
  require_close<T>(dw, g.weight.data(), "dW");
  if constexpr (Conv::has_bias) require_close<T>(db, g.bias.data(), "db");
  require_close<T>(dx, dX.data(), "dX");
}

template <class Conv, class In>
void check_all(std::uint64_t seed) {
  check_against_loops<float, 1, Conv, In>(seed);
  check_against_loops<double, 3, Conv, In>(seed + 10);
  check_against_loops<float, 3, Conv, In, ReLU>(seed + 20);
  check_against_loops<double, 1, Conv, In, ReLU>(seed + 30);
  check_against_loops<double, 3, Conv, In, Swish>(seed + 40);
}

}  // namespace
