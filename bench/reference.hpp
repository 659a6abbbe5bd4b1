// bench/reference.hpp: plain loops in double precision that say what each workload computes,
// and the start-up checks that abort the benchmark when a peer computes something else.
//
// A benchmark of a wrong computation is worse than none: every peer is checked against these
// loops once, before anything is timed.
#pragma once

#include <algorithm>  // std::max
#include <cmath>      // std::exp, std::log, std::tanh, std::abs
#include <cstdint>    // std::uint32_t
#include <cstdio>     // std::fprintf
#include <cstdlib>    // std::exit
#include <string>
#include <vector>

#include "workloads.hpp"  // nerve::bench::DenseParams, MlpParams, TanhParams

namespace nerve::bench::reference {

enum class Activation { none, relu, tanh };

// out = act(W x + b) for one sample.
inline std::vector<double> dense(const DenseParams& p, const std::vector<double>& x,
                                 Activation act) {
  std::vector<double> out(p.out);
  for (int o = 0; o < p.out; ++o) {
    double z = p.bias[o];
    for (int i = 0; i < p.in; ++i) z += double(p.weight[std::size_t(o) * p.in + i]) * x[i];
    if (act == Activation::relu) z = std::max(z, 0.0);
    if (act == Activation::tanh) z = std::tanh(z);
    out[o] = z;
  }
  return out;
}

inline std::vector<double> softmax(std::vector<double> z) {
  double m = z[0];
  for (double v : z) m = std::max(m, v);
  double sum = 0;
  for (double& v : z) sum += (v = std::exp(v - m));
  for (double& v : z) v /= sum;
  return z;
}

inline std::vector<double> to_double(const float* x, int n) { return {x, x + n}; }

// W1: softmax(W2 relu(W1 x + b1) + b2).
inline std::vector<double> mlp_forward(const MlpParams& p, const float* x) {
  auto h = dense(p.l1, to_double(x, p.l1.in), Activation::relu);
  return softmax(dense(p.l2, h, Activation::none));
}

// W2: W3 tanh(W2 tanh(W1 x + b1) + b2) + b3.
inline std::vector<double> tanh_forward(const TanhParams& p, const float* x) {
  auto h1 = dense(p.l1, to_double(x, p.l1.in), Activation::tanh);
  auto h2 = dense(p.l2, h1, Activation::tanh);
  return dense(p.l3, h2, Activation::none);
}

// W3: one SGD step on the mean softmax cross-entropy of `batch` samples; updates p in place and
// returns the loss before the update.
inline double train_step(MlpParams& p, const float* x, const std::uint32_t* labels, int batch,
                         float lr) {
  const int in = p.l1.in, hid = p.l1.out, out = p.l2.out;
  std::vector<double> gw1(std::size_t(in) * hid), gb1(hid), gw2(std::size_t(hid) * out), gb2(out);
  double loss = 0;
  for (int s = 0; s < batch; ++s) {
    auto xs = to_double(x + std::size_t(s) * in, in);
    auto h = dense(p.l1, xs, Activation::relu);
    auto prob = softmax(dense(p.l2, h, Activation::none));
    loss -= std::log(prob[labels[s]]);
    std::vector<double> dz2 = prob;  // d(loss)/d(logits) = p - onehot, averaged over the batch
    dz2[labels[s]] -= 1.0;
    for (double& v : dz2) v /= batch;
    std::vector<double> dh(hid, 0.0);
    for (int o = 0; o < out; ++o) {
      gb2[o] += dz2[o];
      for (int j = 0; j < hid; ++j) {
        gw2[std::size_t(o) * hid + j] += dz2[o] * h[j];
        dh[j] += double(p.l2.weight[std::size_t(o) * hid + j]) * dz2[o];
      }
    }
    for (int j = 0; j < hid; ++j) {
      const double dz1 = h[j] > 0 ? dh[j] : 0.0;
      gb1[j] += dz1;
      for (int i = 0; i < in; ++i) gw1[std::size_t(j) * in + i] += dz1 * xs[i];
    }
  }
  auto update = [lr](std::vector<float>& w, const std::vector<double>& g) {
    for (std::size_t k = 0; k < w.size(); ++k) w[k] = float(w[k] - lr * g[k]);
  };
  update(p.l1.weight, gw1);
  update(p.l1.bias, gb1);
  update(p.l2.weight, gw2);
  update(p.l2.bias, gb2);
  return loss / batch;
}

// Aborts the whole benchmark with a message naming the peer and the first wrong value.
inline void fail(const std::string& peer, const std::string& what) {
  std::fprintf(stderr, "nerve_bench: peer '%s' computes the wrong thing: %s\n", peer.c_str(),
               what.c_str());
  std::exit(2);
}

// |got - want| <= tol * (1 + |want|) for every element.
template <class Got, class Want>
void expect_close(const std::string& peer, const std::string& what, const Got& got,
                  const Want& want, double tol) {
  if (got.size() != want.size()) {
    fail(peer, what + ": " + std::to_string(got.size()) + " values, expected " +
                   std::to_string(want.size()));
  }
  for (std::size_t k = 0; k < want.size(); ++k) {
    const double g = double(got[k]), w = double(want[k]);
    if (!(std::abs(g - w) <= tol * (1.0 + std::abs(w)))) {
      fail(peer, what + "[" + std::to_string(k) + "] = " + std::to_string(g) + ", expected " +
                     std::to_string(w));
    }
  }
}

inline void expect_params_close(const std::string& peer, const std::string& when,
                                const MlpParams& got, const MlpParams& want, double tol) {
  expect_close(peer, when + " layer 1 weight", got.l1.weight, want.l1.weight, tol);
  expect_close(peer, when + " layer 1 bias", got.l1.bias, want.l1.bias, tol);
  expect_close(peer, when + " layer 2 weight", got.l2.weight, want.l2.weight, tol);
  expect_close(peer, when + " layer 2 bias", got.l2.bias, want.l2.bias, tol);
}

// The checks every peer passes, written once. `Forward1(x)`, `Forward2(x)` return something
// indexable; `make_trainer(params, batch)` returns an object with `float step(x, labels)` and
// `MlpParams params()`.
template <class Forward1, class Forward2, class MakeTrainer>
void verify_peer(const std::string& peer, Forward1&& w1, Forward2&& w2,
                 MakeTrainer&& make_trainer) {
  const MlpParams mlp = make_mlp_params();
  const auto x1 = make_inputs(1, mlp_in, 99);
  expect_close(peer, "W1 output", w1(x1.data()), mlp_forward(mlp, x1.data()), 1e-4);

  const TanhParams tp = make_tanh_params();
  const auto x2 = make_inputs(1, tanh_in, 98);
  expect_close(peer, "W2 output", w2(x2.data()), tanh_forward(tp, x2.data()), 1e-4);

  for (int batch : {32, 1}) {
    const std::string w3 = "W3 batch " + std::to_string(batch);
    const BatchPool pool = make_batch_pool(batch);
    MlpParams want = mlp;
    auto trainer = make_trainer(mlp, batch);
    // One step: the loss and every updated parameter match the plain loop.
    const double ref_loss = train_step(want, pool.inputs(0), pool.targets(0), batch,
                                       learning_rate);
    const float loss0 = trainer.step(pool.inputs(0), pool.targets(0));
    expect_close(peer, w3 + " first loss", std::vector<double>{loss0},
                 std::vector<double>{ref_loss}, 1e-4);
    expect_params_close(peer, w3 + " after one step:", trainer.params(), want, 1e-4);
    // Training goes somewhere: the loss on batch 0 falls after steps on batch 0.
    float loss = loss0;
    for (int k = 0; k < 20; ++k) loss = trainer.step(pool.inputs(0), pool.targets(0));
    if (!(loss < loss0)) {
      fail(peer, w3 + ": loss did not decrease over 20 steps (" + std::to_string(loss0) +
                     " -> " + std::to_string(loss) + ")");
    }
  }
}

}  // namespace nerve::bench::reference
