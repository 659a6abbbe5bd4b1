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

#include "workloads.hpp"  // nerve::bench::DenseParams, MlpParams, TanhParams, ConvParams, LeNetParams

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

// ---- W4, W4b32: the LeNet. Images are (channels, side, side), row-major, in double. ----

// act(conv(x) + b), stride 1, `pad` zeros on every side (0: valid):
// (p.in, side, side) -> (p.out, o, o), o = side + 2 pad - k + 1. Taps that fall in the padding
// are skipped (they multiply zeros).
inline std::vector<double> conv2d(const ConvParams& p, const std::vector<double>& x, int side,
                                  int pad, Activation act) {
  const int k = p.kernel, o = side + 2 * pad - k + 1;
  std::vector<double> out(std::size_t(p.out) * o * o);
  for (int f = 0; f < p.out; ++f) {
    for (int i = 0; i < o; ++i) {
      for (int j = 0; j < o; ++j) {
        double z = p.bias[f];
        for (int c = 0; c < p.in; ++c) {
          for (int u = 0; u < k; ++u) {
            const int y = i + u - pad;
            if (y < 0 || y >= side) continue;
            for (int v = 0; v < k; ++v) {
              const int xx = j + v - pad;
              if (xx < 0 || xx >= side) continue;
              z += double(p.weight[((std::size_t(f) * p.in + c) * k + u) * k + v]) *
                   x[(std::size_t(c) * side + y) * side + xx];
            }
          }
        }
        if (act == Activation::relu) z = std::max(z, 0.0);
        out[(std::size_t(f) * o + i) * o + j] = z;
      }
    }
  }
  return out;
}

// Max pool 2x2, stride 2: (channels, side, side) -> (channels, side / 2, side / 2). `from`, when
// given, receives the index into x each output came from (the first largest, as PyTorch picks).
inline std::vector<double> max_pool2(const std::vector<double>& x, int channels, int side,
                                     std::vector<std::size_t>* from = nullptr) {
  const int o = side / 2;
  std::vector<double> out(std::size_t(channels) * o * o);
  if (from) from->assign(out.size(), 0);
  for (int c = 0; c < channels; ++c) {
    for (int i = 0; i < o; ++i) {
      for (int j = 0; j < o; ++j) {
        std::size_t best = (std::size_t(c) * side + 2 * i) * side + 2 * j;
        for (int u = 0; u < 2; ++u) {
          for (int v = 0; v < 2; ++v) {
            const std::size_t at = (std::size_t(c) * side + 2 * i + u) * side + 2 * j + v;
            if (x[at] > x[best]) best = at;
          }
        }
        const std::size_t to = (std::size_t(c) * o + i) * o + j;
        out[to] = x[best];
        if (from) (*from)[to] = best;
      }
    }
  }
  return out;
}

// Everything one LeNet forward pass keeps for its backward pass.
struct LeNetActivations {
  std::vector<double> x, a1, m1, a2, m2, h1, h2, prob;  // m2 is the flattened 400
  std::vector<std::size_t> from1, from2;                // max pools' winners
};
inline LeNetActivations lenet_activations(const LeNetParams& p, const float* image) {
  LeNetActivations a;
  a.x = to_double(image, lenet_in);
  a.a1 = conv2d(p.c1, a.x, lenet_side, lenet_pad1, Activation::relu);
  a.m1 = max_pool2(a.a1, lenet_c1, lenet_side1, &a.from1);
  a.a2 = conv2d(p.c2, a.m1, lenet_pool1, 0, Activation::relu);
  a.m2 = max_pool2(a.a2, lenet_c2, lenet_side2, &a.from2);
  a.h1 = dense(p.f1, a.m2, Activation::relu);
  a.h2 = dense(p.f2, a.h1, Activation::relu);
  a.prob = softmax(dense(p.f3, a.h2, Activation::none));
  return a;
}

// W4: the LeNet's softmax output for one image.
inline std::vector<double> lenet_forward(const LeNetParams& p, const float* image) {
  return lenet_activations(p, image).prob;
}

// Gradients of one dense layer, accumulated: gw += dz x^T, gb += dz; returns dx = W^T dz.
inline std::vector<double> dense_backward(const DenseParams& p, const std::vector<double>& x,
                                          const std::vector<double>& dz, std::vector<double>& gw,
                                          std::vector<double>& gb) {
  std::vector<double> dx(p.in, 0.0);
  for (int o = 0; o < p.out; ++o) {
    gb[o] += dz[o];
    for (int i = 0; i < p.in; ++i) {
      gw[std::size_t(o) * p.in + i] += dz[o] * x[i];
      dx[i] += double(p.weight[std::size_t(o) * p.in + i]) * dz[o];
    }
  }
  return dx;
}

// Gradients of one convolution from dz (the gradient of its pre-activation), accumulated;
// returns dx (side x side: nothing flows to the padding) when `want_dx`.
inline std::vector<double> conv2d_backward(const ConvParams& p, const std::vector<double>& x,
                                           int side, int pad, const std::vector<double>& dz,
                                           std::vector<double>& gw, std::vector<double>& gb,
                                           bool want_dx) {
  const int k = p.kernel, o = side + 2 * pad - k + 1;
  std::vector<double> dx(want_dx ? std::size_t(p.in) * side * side : 0, 0.0);
  for (int f = 0; f < p.out; ++f) {
    for (int i = 0; i < o; ++i) {
      for (int j = 0; j < o; ++j) {
        const double g = dz[(std::size_t(f) * o + i) * o + j];
        gb[f] += g;
        for (int c = 0; c < p.in; ++c) {
          for (int u = 0; u < k; ++u) {
            const int y = i + u - pad;
            if (y < 0 || y >= side) continue;
            for (int v = 0; v < k; ++v) {
              const int xx = j + v - pad;
              if (xx < 0 || xx >= side) continue;
              const std::size_t w = ((std::size_t(f) * p.in + c) * k + u) * k + v;
              const std::size_t at = (std::size_t(c) * side + y) * side + xx;
              gw[w] += g * x[at];
              if (want_dx) dx[at] += double(p.weight[w]) * g;
            }
          }
        }
      }
    }
  }
  return dx;
}

// The gradient of a max pool's input (routed to each window's winner), times ReLU's derivative
// at that input (the pool reads a ReLU's output).
inline std::vector<double> max_pool2_relu_backward(const std::vector<double>& dy,
                                                   const std::vector<std::size_t>& from,
                                                   const std::vector<double>& relu_out) {
  std::vector<double> dx(relu_out.size(), 0.0);
  for (std::size_t k = 0; k < dy.size(); ++k) dx[from[k]] += dy[k];
  for (std::size_t k = 0; k < dx.size(); ++k) dx[k] = relu_out[k] > 0 ? dx[k] : 0.0;
  return dx;
}

// W4b32: one SGD step on the mean softmax cross-entropy of `batch` images; updates p in place and
// returns the loss before the update.
inline double lenet_train_step(LeNetParams& p, const float* x, const std::uint32_t* labels,
                               int batch, float lr) {
  auto zeros = [](const std::vector<float>& v) { return std::vector<double>(v.size(), 0.0); };
  auto gc1w = zeros(p.c1.weight), gc1b = zeros(p.c1.bias);
  auto gc2w = zeros(p.c2.weight), gc2b = zeros(p.c2.bias);
  auto gf1w = zeros(p.f1.weight), gf1b = zeros(p.f1.bias);
  auto gf2w = zeros(p.f2.weight), gf2b = zeros(p.f2.bias);
  auto gf3w = zeros(p.f3.weight), gf3b = zeros(p.f3.bias);
  auto relu_mask = [](std::vector<double> d, const std::vector<double>& out) {
    for (std::size_t k = 0; k < d.size(); ++k) d[k] = out[k] > 0 ? d[k] : 0.0;
    return d;
  };
  double loss = 0;
  for (int s = 0; s < batch; ++s) {
    const LeNetActivations a = lenet_activations(p, x + std::size_t(s) * lenet_in);
    loss -= std::log(a.prob[labels[s]]);
    std::vector<double> dz = a.prob;  // (p - onehot) / batch
    dz[labels[s]] -= 1.0;
    for (double& v : dz) v /= batch;
    auto dh2 = relu_mask(dense_backward(p.f3, a.h2, dz, gf3w, gf3b), a.h2);
    auto dh1 = relu_mask(dense_backward(p.f2, a.h1, dh2, gf2w, gf2b), a.h1);
    auto dm2 = dense_backward(p.f1, a.m2, dh1, gf1w, gf1b);
    auto da2 = max_pool2_relu_backward(dm2, a.from2, a.a2);
    auto dm1 = conv2d_backward(p.c2, a.m1, lenet_pool1, 0, da2, gc2w, gc2b, true);
    auto da1 = max_pool2_relu_backward(dm1, a.from1, a.a1);
    conv2d_backward(p.c1, a.x, lenet_side, lenet_pad1, da1, gc1w, gc1b, false);
  }
  auto update = [lr](std::vector<float>& w, const std::vector<double>& g) {
    for (std::size_t k = 0; k < w.size(); ++k) w[k] = float(w[k] - lr * g[k]);
  };
  update(p.c1.weight, gc1w);
  update(p.c1.bias, gc1b);
  update(p.c2.weight, gc2w);
  update(p.c2.bias, gc2b);
  update(p.f1.weight, gf1w);
  update(p.f1.bias, gf1b);
  update(p.f2.weight, gf2w);
  update(p.f2.bias, gf2b);
  update(p.f3.weight, gf3w);
  update(p.f3.bias, gf3b);
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

inline void expect_lenet_close(const std::string& peer, const std::string& when,
                               const LeNetParams& got, const LeNetParams& want, double tol) {
  expect_close(peer, when + " conv 1 weight", got.c1.weight, want.c1.weight, tol);
  expect_close(peer, when + " conv 1 bias", got.c1.bias, want.c1.bias, tol);
  expect_close(peer, when + " conv 2 weight", got.c2.weight, want.c2.weight, tol);
  expect_close(peer, when + " conv 2 bias", got.c2.bias, want.c2.bias, tol);
  expect_close(peer, when + " dense 1 weight", got.f1.weight, want.f1.weight, tol);
  expect_close(peer, when + " dense 1 bias", got.f1.bias, want.f1.bias, tol);
  expect_close(peer, when + " dense 2 weight", got.f2.weight, want.f2.weight, tol);
  expect_close(peer, when + " dense 2 bias", got.f2.bias, want.f2.bias, tol);
  expect_close(peer, when + " dense 3 weight", got.f3.weight, want.f3.weight, tol);
  expect_close(peer, when + " dense 3 bias", got.f3.bias, want.f3.bias, tol);
}

// The LeNet checks (W4, W4b32), for peers that have the LeNet. `forward(image)` returns
// something indexable (the 10 probabilities); `make_trainer(params)` returns an object with
// `float step(x, labels)` for batches of lenet_batch and `LeNetParams params()`.
template <class Forward, class MakeTrainer>
void verify_lenet(const std::string& peer, Forward&& forward, MakeTrainer&& make_trainer) {
  const LeNetParams lenet = make_lenet_params();
  // Two images: the check does not pass by a buffer left over from the previous call.
  for (unsigned seed : {97u, 96u}) {
    const auto x = make_inputs(1, lenet_in, seed);
    expect_close(peer, "W4 output (image seed " + std::to_string(seed) + ")", forward(x.data()),
                 lenet_forward(lenet, x.data()), 1e-4);
  }
  const std::string w4 = "W4b32";
  const BatchPool pool = make_lenet_batch_pool(lenet_batch);
  LeNetParams want = lenet;
  auto trainer = make_trainer(lenet);
  const double ref_loss = lenet_train_step(want, pool.inputs(0), pool.targets(0), lenet_batch,
                                           learning_rate);
  const float loss0 = trainer.step(pool.inputs(0), pool.targets(0));
  expect_close(peer, w4 + " first loss", std::vector<double>{loss0}, std::vector<double>{ref_loss},
               1e-4);
  expect_lenet_close(peer, w4 + " after one step:", trainer.params(), want, 1e-4);
  // A second step from the updated parameters, on another batch: nothing is left stale.
  const double ref_loss1 = lenet_train_step(want, pool.inputs(1), pool.targets(1), lenet_batch,
                                            learning_rate);
  const float loss1 = trainer.step(pool.inputs(1), pool.targets(1));
  expect_close(peer, w4 + " second loss", std::vector<double>{loss1},
               std::vector<double>{ref_loss1}, 1e-4);
  expect_lenet_close(peer, w4 + " after two steps:", trainer.params(), want, 1e-4);
  // Training goes somewhere: the loss on batch 0 falls after steps on batch 0.
  float first = trainer.step(pool.inputs(0), pool.targets(0)), loss = first;
  for (int k = 0; k < 20; ++k) loss = trainer.step(pool.inputs(0), pool.targets(0));
  if (!(loss < first)) {
    fail(peer, w4 + ": loss did not decrease over 20 steps (" + std::to_string(first) + " -> " +
                   std::to_string(loss) + ")");
  }
}

}  // namespace nerve::bench::reference
