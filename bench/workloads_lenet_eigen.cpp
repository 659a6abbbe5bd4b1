// bench/workloads_lenet_eigen.cpp: the LeNet (W4, W4b32) written by hand in Eigen 3.4 with
// im2col + GEMM, as a careful engineer would, and then profiled (phase timers, one core) and
// improved where the profile pointed:
//   - every buffer allocated once, in the constructor (Eigen's GEMM may still allocate its own
//     packing blocks for the large batch-32 products); Eigen::Map over the caller's images;
//   - conv 1's padding (2 on every side): the images are copied into the interior of a padded
//     32 x 32 buffer whose border was zeroed once in the constructor and is never written, so
//     im2col and the GEMM run exactly as for a valid convolution of a 32 x 32 image (the copy is
//     the same pass as the batch transpose below, which the valid LeNet needed too);
//   - maps are stored [channel][y][x][sample], the batch innermost (CHW at batch 1); the batch of
//     NCHW images is transposed once (100 KB, into the padded buffer). im2col is a column-major
//     matrix P of (pixels x patch) whose column k = (c, kh, kw) is filled by copying runs of
//     O x B floats, and each convolution is one GEMM O (pixels x filters) = P (pixels x patch) *
//     Wt (patch x filters) for the whole batch, where Wt is PyTorch's [out][in][kh][kw] weight
//     read as it is (row-major F x patch == column-major patch x F) and O's column f is filter
//     f's map. The long dimension (B * 784 and B * 100 pixels) is the GEMM's row dimension, the
//     one Eigen's kernel tiles by 48 floats (the filter counts, 6 and 16, would waste most of
//     such a tile);
//   - bias and ReLU are applied after the max pool, on a quarter of the values
//     (relu(max(z) + b) == max(relu(z + b))), in the same pass; the pool is branch-free and
//     element-wise over the B samples of each window position, so g++ vectorizes it (the first
//     version pooled CHW maps with branches: 500 of 1,660 us per step went to pooling; now 40);
//     pool 2 writes the flattened features straight into the dense layers' input (400 x B,
//     row-major, PyTorch's channel-major flatten order);
//   - dense layers as W3's peer (fixed sizes but the first weight's column count, noalias(),
//     SGD folded into the gradient products, each layer's input gradient taken before its
//     weights change);
//   - backward: the pool routes each gradient to its window's winner (kept in the forward pass)
//     when the pooled output was positive, writing every element of the convolution's gradient
//     once (no zeroing pass); dP = dO * Wt^T, then col2im adds it into the previous map's
//     gradient; the weight gradient P^T dO in whichever form measured fastest (below);
//   - batch 1 (W4) has fixed-size matrices throughout, except the first dense layer's weight
//     (120 x 400, 188 KiB: over Eigen's 128 KiB limit for fixed-size objects, so its column count
//     is dynamic); conv 2 was also tried as 150 rank-1 updates of its output: 3.5 us against 4.3
//     alone, but 7.5 us inside the pass, so it stays a GEMM (measured on the valid LeNet, 28x28
//     input without padding); batch 32 (W4b32) has dynamic row counts (conv 1's im2col is
//     2.5 MB) so that Eigen blocks its GEMMs for the caches.
#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include <Eigen/Core>  // Eigen::Matrix, Eigen::Map

#include <algorithm>  // std::copy_n, std::fill, std::max
#include <cmath>      // std::log
#include <cstddef>    // std::ptrdiff_t, std::size_t
#include <cstdint>    // std::uint32_t
#include <memory>     // std::make_unique
#include <vector>

#include "peers.hpp"      // verify_and_register_lenet_eigen
#include "reference.hpp"  // nerve::bench::reference::verify_lenet
#include "workloads.hpp"  // sizes, parameters, data

namespace nerve::bench {
namespace {

using Eigen::Dynamic;
using std::ptrdiff_t;

constexpr int K = lenet_kernel;
constexpr int S0 = lenet_side, P0 = lenet_padded, pad = lenet_pad1, S1 = lenet_side1,
              Q1 = lenet_pool1, S2 = lenet_side2, Q2 = lenet_pool2;
constexpr int C0 = lenet_channels, F1 = lenet_c1, F2 = lenet_c2;
constexpr int patch1 = C0 * K * K, patch2 = F1 * K * K;  // 25, 150
constexpr int flat = lenet_flat, h1 = lenet_h1, h2 = lenet_h2, out = lenet_out;

// Maps are stored [channel][y][x][sample]: the batch is the innermost axis (at batch 1 this is
// PyTorch's CHW). Then im2col copies runs of whole image rows times the batch, and pooling
// is element-wise over contiguous runs of B samples, which the compiler vectorizes (pooling a
// CHW map needs stride-2 access, which it does not).

// im2col for a valid, stride-1 convolution of C maps of Side x Side x B (plane c at in + c *
// Side * Side * B): P((y * O + x) * B + b, k) = in[c][y + u][x + v][b] for k = (c * K + u) * K + v,
// O = Side - K + 1. P is column-major, O * O * B rows; each (k, y) is one run of O * B floats.
template <int C, int Side, int B>
void im2col(const float* __restrict in, float* __restrict P) {
  constexpr int O = Side - K + 1;
  constexpr ptrdiff_t rows = ptrdiff_t(O) * O * B, run = ptrdiff_t(O) * B;
  for (int c = 0; c < C; ++c) {
    for (int u = 0; u < K; ++u) {
      for (int v = 0; v < K; ++v) {
        float* col = P + ((c * K + u) * K + v) * rows;
        const float* src = in + ((ptrdiff_t(c) * Side + u) * Side + v) * B;
        for (int y = 0; y < O; ++y) std::copy_n(src + y * Side * B, run, col + y * run);
      }
    }
  }
}

// col2im: the adjoint of im2col, added into dx (zeroed by the caller).
template <int C, int Side, int B>
void col2im(const float* __restrict dP, float* __restrict dx) {
  constexpr int O = Side - K + 1;
  constexpr ptrdiff_t rows = ptrdiff_t(O) * O * B, run = ptrdiff_t(O) * B;
  for (int c = 0; c < C; ++c) {
    for (int u = 0; u < K; ++u) {
      for (int v = 0; v < K; ++v) {
        const float* col = dP + ((c * K + u) * K + v) * rows;
        float* dst = dx + ((ptrdiff_t(c) * Side + u) * Side + v) * B;
        for (int y = 0; y < O; ++y) {
          float* d = dst + y * Side * B;
          const float* s = col + y * run;
          for (ptrdiff_t e = 0; e < run; ++e) d[e] += s[e];
        }
      }
    }
  }
}

// Max pool 2x2 stride 2 of one S x S x B map of pre-activations z, then + bias and ReLU:
// out[i][j][b] = max(max(window) + bias, 0). With Keep, arg[i][j][b] gets the window position of
// the winner as a float (0..3, row-major in the window; the first largest, as PyTorch picks).
// Branch-free selects (the winner is random: branches would be mispredicted) over the B
// samples of each window position.
template <int S, int B, bool Keep>
inline void pool_bias_relu(const float* __restrict z, float bias, float* __restrict out,
                           float* __restrict arg) {
  constexpr int Q = S / 2;
  for (int i = 0; i < Q; ++i) {
    for (int j = 0; j < Q; ++j) {
      const float* pa = z + (2 * i * S + 2 * j) * B;
      const float* pb = pa + B;
      const float* pc = pa + S * B;
      const float* pd = pc + B;
      float* o = out + (i * Q + j) * B;
      for (int s = 0; s < B; ++s) {
        const float a = pa[s], b = pb[s], c = pc[s], d = pd[s];
        const float top = b > a ? b : a, bottom = d > c ? d : c;
        const float m = (bottom > top ? bottom : top) + bias;
        o[s] = m > 0.0f ? m : 0.0f;
        if constexpr (Keep) {
          const float k_top = b > a ? 1.0f : 0.0f, k_bottom = d > c ? 3.0f : 2.0f;
          arg[(i * Q + j) * B + s] = bottom > top ? k_bottom : k_top;
        }
      }
    }
  }
}

// The pool's backward: dz gets dy at each window's winner when the pooled output was positive
// (ReLU's derivative), zero elsewhere; every element of dz is written (no zeroing pass).
template <int S, int B>
inline void pool_relu_backward(const float* __restrict dy, const float* __restrict y,
                               const float* __restrict arg, float* __restrict dz) {
  constexpr int Q = S / 2;
  for (int i = 0; i < Q; ++i) {
    for (int j = 0; j < Q; ++j) {
      float* pa = dz + (2 * i * S + 2 * j) * B;
      float* pb = pa + B;
      float* pc = pa + S * B;
      float* pd = pc + B;
      const int o = (i * Q + j) * B;
      for (int s = 0; s < B; ++s) {
        const float g = y[o + s] > 0.0f ? dy[o + s] : 0.0f;
        const float k = arg[o + s];
        pa[s] = k == 0.0f ? g : 0.0f;
        pb[s] = k == 1.0f ? g : 0.0f;
        pc[s] = k == 2.0f ? g : 0.0f;
        pd[s] = k == 3.0f ? g : 0.0f;
      }
    }
  }
}

// Rows of a convolution's matrices: fixed at batch 1, dynamic at batch 32 (too large for
// Eigen's fixed-size storage, and Eigen blocks dynamic GEMMs for the caches).
constexpr int rows_of(int batch, int per_sample) { return batch == 1 ? per_sample : Dynamic; }

template <int B>
class LeNet {
  static constexpr int R1 = rows_of(B, S1 * S1), R2 = rows_of(B, S2 * S2);
  static constexpr bool keep = B > 1;  // only the training step runs backward

 public:
  explicit LeNet(const LeNetParams& p)
      : p1_(B * S1 * S1, patch1),
        o1_(B * S1 * S1, F1),
        m1_(std::size_t(F1) * B * Q1 * Q1),
        p2_(B * S2 * S2, patch2),
        o2_(B * S2 * S2, F2),
        xp_(std::size_t(C0) * P0 * P0 * B, 0.0f),  // the border stays zero
        w1_(h1, flat) {
    // PyTorch's [out][in][kh][kw], row-major F x patch, is column-major patch x F: a plain copy.
    wc1_ = Eigen::Map<const Eigen::Matrix<float, patch1, F1>>(p.c1.weight.data());
    bc1_ = Eigen::Map<const Eigen::Matrix<float, F1, 1>>(p.c1.bias.data());
    wc2_ = Eigen::Map<const Eigen::Matrix<float, patch2, F2>>(p.c2.weight.data());
    bc2_ = Eigen::Map<const Eigen::Matrix<float, F2, 1>>(p.c2.bias.data());
    load(w1_, b1_, p.f1);
    load(w2_, b2_, p.f2);
    load(w3_, b3_, p.f3);
    if constexpr (keep) {
      arg1_.resize(m1_.size());
      arg2_.resize(std::size_t(F2) * B * Q2 * Q2);
      dm1_.resize(m1_.size());
      do1_.resize(B * S1 * S1, F1);
      do2_.resize(B * S2 * S2, F2);
      dp2_.resize(B * S2 * S2, patch2);
    }
  }

  // W4: softmax of the logits of one image (B == 1).
  const Eigen::Matrix<float, out, 1>& infer(const float* x) {
    static_assert(B == 1);
    forward(x);
    auto z = z3_.col(0);
    z = (z.array() - z.maxCoeff()).exp();
    z /= z.sum();
    return z3_;
  }

  // W4b32: one SGD step on B images (NCHW, 784 floats each); returns the mean loss before it.
  float step(const float* x, const std::uint32_t* labels) {
    forward(x);
    // Softmax cross-entropy per sample; z3_ becomes dL/dz3 = (p - onehot) / B.
    float loss = 0;
    for (int s = 0; s < B; ++s) {
      auto z = z3_.col(s);
      const float m = z.maxCoeff();
      const float label_logit = z(labels[s]) - m;
      z = (z.array() - m).exp();
      const float sum = z.sum();
      loss += std::log(sum) - label_logit;
      z *= 1.0f / (sum * B);
      z(labels[s]) -= 1.0f / B;
    }
    constexpr float lr = learning_rate;
    // Dense layers: input gradient from the old weights, then the update.
    dh2_.noalias() = w3_.transpose() * z3_;
    w3_.noalias() -= lr * z3_ * h2_.transpose();
    b3_.noalias() -= lr * z3_.rowwise().sum();
    dh2_ = (h2_.array() > 0.0f).select(dh2_, 0.0f);
    dh1_.noalias() = w2_.transpose() * dh2_;
    w2_.noalias() -= lr * dh2_ * h1_.transpose();
    b2_.noalias() -= lr * dh2_.rowwise().sum();
    dh1_ = (h1_.array() > 0.0f).select(dh1_, 0.0f);
    dx3_.noalias() = w1_.transpose() * dh1_;
    w1_.noalias() -= lr * dh1_ * x3_.transpose();
    b1_.noalias() -= lr * dh1_.rowwise().sum();
    // Pool 2 and ReLU back to conv 2's output.
    for (int f = 0; f < F2; ++f) {
      const ptrdiff_t at = ptrdiff_t(f) * Q2 * Q2 * B;
      pool_relu_backward<S2, B>(dx3_.data() + at, x3_.data() + at, arg2_.data() + at,
                                do2_.data() + ptrdiff_t(f) * S2 * S2 * B);
    }
    // Conv 2: input gradient through the old weights (dP2 = dO2 Wc2^T, col2im), then the update.
    dp2_.noalias() = do2_ * wc2_.transpose();
    std::fill(dm1_.begin(), dm1_.end(), 0.0f);
    col2im<F1, Q1, B>(dp2_.data(), dm1_.data());
    // dWc2^T = dO2^T P2 (16 x 150) and then the transposed update: measured 1.7x faster than
    // Wc2 -= lr * P2^T dO2 (124 against 207 us at batch 32, Eigen's kernel tiles the 150 rows
    // better than the 16); for conv 1 (25 x 6) the two forms and per-sample chunks measured the
    // same within noise.
    gc2_.noalias() = do2_.transpose() * p2_;
    wc2_ -= lr * gc2_.transpose();
    bc2_.noalias() -= lr * do2_.colwise().sum().transpose();
    // Pool 1 and ReLU back to conv 1's output, then conv 1's update (no gradient to the image).
    for (int f = 0; f < F1; ++f) {
      const ptrdiff_t at = ptrdiff_t(f) * Q1 * Q1 * B;
      pool_relu_backward<S1, B>(dm1_.data() + at, m1_.data() + at, arg1_.data() + at,
                                do1_.data() + ptrdiff_t(f) * S1 * S1 * B);
    }
    wc1_.noalias() -= lr * p1_.transpose() * do1_;
    bc1_.noalias() -= lr * do1_.colwise().sum().transpose();
    return loss / B;
  }

  LeNetParams params() const {
    LeNetParams p;
    p.c1 = save_conv(wc1_, bc1_, C0);
    p.c2 = save_conv(wc2_, bc2_, F1);
    p.f1 = save(w1_, b1_);
    p.f2 = save(w2_, b2_);
    p.f3 = save(w3_, b3_);
    return p;
  }

 private:
  template <class Matrix, class Vector>
  static void load(Matrix& w, Vector& b, const DenseParams& p) {
    w = Eigen::Map<const Eigen::Matrix<float, Dynamic, Dynamic, Eigen::RowMajor>>(p.weight.data(),
                                                                                  p.out, p.in);
    b = Eigen::Map<const Eigen::VectorXf>(p.bias.data(), p.out);
  }
  template <class Matrix, class Vector>
  static DenseParams save(const Matrix& w, const Vector& b) {
    DenseParams p{int(w.cols()), int(w.rows()), std::vector<float>(w.size()),
                  std::vector<float>(b.data(), b.data() + b.size())};
    Eigen::Map<Eigen::Matrix<float, Dynamic, Dynamic, Eigen::RowMajor>>(p.weight.data(), w.rows(),
                                                                        w.cols()) = w;
    return p;
  }
  template <class Matrix, class Vector>
  static ConvParams save_conv(const Matrix& wt, const Vector& b, int in) {
    return {in, int(wt.cols()), K, std::vector<float>(wt.data(), wt.data() + wt.size()),
            std::vector<float>(b.data(), b.data() + b.size())};
  }

  void forward(const float* x) {
    // The caller's images (B rows of C0 x 28 x 28) into the interior of the padded
    // [c][y][x][sample] buffer (32 x 32 per channel, border zero): at batch 32 the transpose of
    // 100 KB, row by row; at batch 1, 28 copies of 28 floats.
    const Eigen::Map<const Eigen::Matrix<float, C0 * S0 * S0, B>> images(x);  // column s: image s
    for (int c = 0; c < C0; ++c) {
      for (int y = 0; y < S0; ++y) {
        float* dst = xp_.data() + ((ptrdiff_t(c) * P0 + y + pad) * P0 + pad) * B;
        if constexpr (B == 1) {
          std::copy_n(x + (c * S0 + y) * S0, S0, dst);
        } else {
          Eigen::Map<Eigen::Matrix<float, B, S0>> row(dst);  // [x][sample]
          row = images.template middleRows<S0>((c * S0 + y) * S0).transpose();
        }
      }
    }
    // Conv 1 (one GEMM for the batch), then pool + bias + ReLU into m1_.
    im2col<C0, P0, B>(xp_.data(), p1_.data());
    if constexpr (B == 1) {
      // 784 x 25 x 6, coefficient-based (on the valid LeNet, 576 x 25 x 6: 3.1 us against 3.3
      // for the GEMM, measured alone).
      o1_.noalias() = p1_.lazyProduct(wc1_);
    } else {
      o1_.noalias() = p1_ * wc1_;
    }
    for (int f = 0; f < F1; ++f) {
      pool_bias_relu<S1, B, keep>(o1_.data() + ptrdiff_t(f) * S1 * S1 * B, bc1_(f),
                                  m1_.data() + ptrdiff_t(f) * Q1 * Q1 * B,
                                  keep ? arg1_.data() + ptrdiff_t(f) * Q1 * Q1 * B : nullptr);
    }
    // Conv 2, then pool + bias + ReLU straight into the dense input: [f][i][j][sample] is the
    // row-major 400 x B matrix of flattened features, in PyTorch's order.
    im2col<F1, Q1, B>(m1_.data(), p2_.data());
    o2_.noalias() = p2_ * wc2_;
    for (int f = 0; f < F2; ++f) {
      pool_bias_relu<S2, B, keep>(o2_.data() + ptrdiff_t(f) * S2 * S2 * B, bc2_(f),
                                  x3_.data() + ptrdiff_t(f) * Q2 * Q2 * B,
                                  keep ? arg2_.data() + ptrdiff_t(f) * Q2 * Q2 * B : nullptr);
    }
    // Dense layers.
    h1_.noalias() = w1_ * x3_;
    h1_ = (h1_.colwise() + b1_).cwiseMax(0.0f);
    h2_.noalias() = w2_ * h1_;
    h2_ = (h2_.colwise() + b2_).cwiseMax(0.0f);
    z3_.noalias() = w3_ * h2_;
    z3_.colwise() += b3_;
  }

  // Convolutions: weights as patch x filters (column-major), the maps as pixels x filters.
  Eigen::Matrix<float, patch1, F1> wc1_;
  Eigen::Matrix<float, F1, 1> bc1_;
  Eigen::Matrix<float, patch2, F2> wc2_;
  Eigen::Matrix<float, F2, 1> bc2_;
  Eigen::Matrix<float, F2, patch2> gc2_;  // conv 2's weight gradient, transposed
  Eigen::Matrix<float, R1, patch1> p1_;
  Eigen::Matrix<float, R1, F1> o1_, do1_;
  std::vector<float> m1_, dm1_;            // [c][y][x][sample], 6 x 14 x 14 x B
  std::vector<float> arg1_, arg2_;         // the pools' winners (0..3), laid out as their outputs
  Eigen::Matrix<float, R2, patch2> p2_, dp2_;
  Eigen::Matrix<float, R2, F2> o2_, do2_;
  std::vector<float> xp_;  // the padded images, [c][y][x][sample], C0 x 32 x 32 x B
  // Dense layers, samples as columns.
  Eigen::Matrix<float, h1, Dynamic> w1_;  // 120 x 400 (188 KiB: too large for fixed size)
  Eigen::Matrix<float, h1, 1> b1_;
  Eigen::Matrix<float, h2, h1> w2_;
  Eigen::Matrix<float, h2, 1> b2_;
  Eigen::Matrix<float, out, h2> w3_;
  Eigen::Matrix<float, out, 1> b3_;
  Eigen::Matrix<float, flat, B, B == 1 ? Eigen::ColMajor : Eigen::RowMajor> x3_, dx3_;
  Eigen::Matrix<float, h1, B> h1_, dh1_;
  Eigen::Matrix<float, h2, B> h2_, dh2_;
  Eigen::Matrix<float, out, B> z3_;
};

void bm_w4(benchmark::State& state) {
  auto net = std::make_unique<LeNet<1>>(make_lenet_params());
  const auto x = make_inputs(1, lenet_in, 5);
  for (auto _ : state) {
    const auto& y = net->infer(x.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

void bm_w4b32(benchmark::State& state) {
  auto net = std::make_unique<LeNet<lenet_batch>>(make_lenet_params());
  const BatchPool pool = make_lenet_batch_pool(lenet_batch);
  int k = 0;
  for (auto _ : state) {
    float loss = net->step(pool.inputs(k), pool.targets(k));
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
    k = (k + 1) % batch_pool;
  }
}

}  // namespace

void verify_and_register_lenet_eigen() {
  auto net = std::make_unique<LeNet<1>>(make_lenet_params());
  reference::verify_lenet(
      "eigen",
      [&](const float* x) {
        const auto& y = net->infer(x);
        return std::vector<float>(y.begin(), y.end());
      },
      [](const LeNetParams& p) {
        struct Trainer {
          std::unique_ptr<LeNet<lenet_batch>> net;
          float step(const float* x, const std::uint32_t* y) { return net->step(x, y); }
          LeNetParams params() const { return net->params(); }
        };
        return Trainer{std::make_unique<LeNet<lenet_batch>>(p)};
      });
  benchmark::RegisterBenchmark("W4/eigen", bm_w4)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W4b32/eigen", bm_w4b32)->Unit(benchmark::kMicrosecond);
}

}  // namespace nerve::bench
