// bench/workloads_eigen.cpp: the workloads written by hand in Eigen 3.4, as a careful engineer
// would: fixed-size types where the sizes are small and static, dynamic (aligned) storage for the
// 400 KB first layer, noalias() on every product, SGD folded into the gradient products.
//
// Layout of W3: samples are columns (X is 784 x B, column-major). The caller's batch, 32 rows of
// 784 floats, is that matrix already, so it is mapped without a copy; each sample's activations
// are contiguous columns (softmax per sample walks one column), and B stays a compile-time
// column count, so at B = 1 Eigen picks GEMV and outer products at compile time instead of a
// GEMM with one column. The transposed layout (X as B x 784, H = X W1^T) is the same memory and
// the same GEMMs with the operands swapped; docs/benchmarks.md has the measurement that chose.
#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include <Eigen/Core>  // Eigen::Matrix, Eigen::Map

#include <cmath>    // std::log
#include <cstdint>  // std::uint32_t
#include <memory>   // std::make_unique
#include <vector>

#include "peers.hpp"      // verify_and_register_eigen
#include "reference.hpp"  // nerve::bench::reference::verify_peer
#include "workloads.hpp"  // sizes, parameters, data

namespace nerve::bench {
namespace {

constexpr int in = mlp_in, hid = mlp_hidden, out = mlp_out;

// Row-major out x in parameters (DenseParams) into a column-major Eigen matrix.
template <class Matrix>
void load(Matrix& w, const DenseParams& p) {
  w = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      p.weight.data(), p.out, p.in);
}
template <class Vector>
void load_bias(Vector& b, const DenseParams& p) {
  b = Eigen::Map<const Eigen::VectorXf>(p.bias.data(), p.out);
}
template <class Matrix, class Vector>
DenseParams save(const Matrix& w, const Vector& b) {
  DenseParams p{int(w.cols()), int(w.rows()), std::vector<float>(w.size()),
                std::vector<float>(b.data(), b.data() + b.size())};
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      p.weight.data(), w.rows(), w.cols()) = w;
  return p;
}

// W1: softmax(W2 relu(W1 x + b1) + b2), batch 1.
struct Mlp {
  Eigen::MatrixXf w1{hid, in};  // 392 KiB: heap, aligned by Eigen
  Eigen::Matrix<float, hid, 1> b1, h;
  Eigen::Matrix<float, out, hid> w2;
  Eigen::Matrix<float, out, 1> b2, y;

  explicit Mlp(const MlpParams& p) {
    load(w1, p.l1);
    load_bias(b1, p.l1);
    load(w2, p.l2);
    load_bias(b2, p.l2);
  }
  const Eigen::Matrix<float, out, 1>& operator()(const float* x) {
    Eigen::Map<const Eigen::Matrix<float, in, 1>> xv(x);
    h.noalias() = w1 * xv;
    h = (h + b1).cwiseMax(0.0f);
    y.noalias() = w2 * h;
    y += b2;
    y = (y.array() - y.maxCoeff()).exp();
    y /= y.sum();
    return y;
  }
};

// W2: W3 tanh(W2 tanh(W1 x + b1) + b2) + b3, everything fixed-size (about 5 KB).
struct TanhNet {
  Eigen::Matrix<float, tanh_hidden, tanh_in> w1;
  Eigen::Matrix<float, tanh_hidden, tanh_hidden> w2;
  Eigen::Matrix<float, tanh_out, tanh_hidden> w3;
  Eigen::Matrix<float, tanh_hidden, 1> b1, b2, h1, h2;
  Eigen::Matrix<float, tanh_out, 1> b3, y;

  explicit TanhNet(const TanhParams& p) {
    load(w1, p.l1);
    load_bias(b1, p.l1);
    load(w2, p.l2);
    load_bias(b2, p.l2);
    load(w3, p.l3);
    load_bias(b3, p.l3);
  }
  const Eigen::Matrix<float, tanh_out, 1>& operator()(const float* x) {
    Eigen::Map<const Eigen::Matrix<float, tanh_in, 1>> xv(x);
    h1.noalias() = w1 * xv;
    h1 = (h1 + b1).array().tanh();
    h2.noalias() = w2 * h1;
    h2 = (h2 + b2).array().tanh();
    y.noalias() = w3 * h2;
    y += b3;
    return y;
  }
};

// W3: one SGD step of 784-128(ReLU)-10 with softmax cross-entropy, B samples as columns.
template <int B>
class Trainer {
 public:
  explicit Trainer(const MlpParams& p) {
    load(w1_, p.l1);
    load_bias(b1_, p.l1);
    load(w2_, p.l2);
    load_bias(b2_, p.l2);
  }

  // Returns the mean loss before the update.
  float step(const float* x, const std::uint32_t* labels) {
    Eigen::Map<const Eigen::Matrix<float, in, B>> X(x);
    // Forward; h_ keeps relu(z1), whose sign is also relu's derivative.
    h_.noalias() = w1_ * X;
    h_ = (h_.colwise() + b1_).cwiseMax(0.0f);
    z2_.noalias() = w2_ * h_;
    z2_.colwise() += b2_;
    // Softmax cross-entropy per sample; z2_ becomes dL/dz2 = (p - onehot) / B.
    float loss = 0;
    for (int s = 0; s < B; ++s) {
      auto z = z2_.col(s);
      const float m = z.maxCoeff();
      const float label_logit = z(labels[s]) - m;
      z = (z.array() - m).exp();
      const float sum = z.sum();
      loss += std::log(sum) - label_logit;
      z *= 1.0f / (sum * B);
      z(labels[s]) -= 1.0f / B;
    }
    // Backward, with W2's gradient taken before W2 changes.
    dh_.noalias() = w2_.transpose() * z2_;
    w2_.noalias() -= learning_rate * z2_ * h_.transpose();
    b2_.noalias() -= learning_rate * z2_.rowwise().sum();
    dh_ = (h_.array() > 0.0f).select(dh_, 0.0f);
    w1_.noalias() -= learning_rate * dh_ * X.transpose();
    b1_.noalias() -= learning_rate * dh_.rowwise().sum();
    return loss / B;
  }

  MlpParams params() const { return {save(w1_, b1_), save(w2_, b2_)}; }

 private:
  Eigen::MatrixXf w1_{hid, in};
  Eigen::Matrix<float, hid, 1> b1_;
  Eigen::Matrix<float, out, hid> w2_;
  Eigen::Matrix<float, out, 1> b2_;
  Eigen::Matrix<float, hid, B> h_, dh_;
  Eigen::Matrix<float, out, B> z2_;
};

void bm_w1(benchmark::State& state) {
  auto net = std::make_unique<Mlp>(make_mlp_params());
  const auto x = make_inputs(1, in, 5);
  for (auto _ : state) {
    const auto& y = (*net)(x.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

void bm_w2(benchmark::State& state) {
  auto net = std::make_unique<TanhNet>(make_tanh_params());
  const auto x = make_inputs(1, tanh_in, 6);
  for (auto _ : state) {
    const auto& y = (*net)(x.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

template <int B>
void bm_w3(benchmark::State& state) {
  auto trainer = std::make_unique<Trainer<B>>(make_mlp_params());
  const BatchPool pool = make_batch_pool(B);
  int k = 0;
  for (auto _ : state) {
    float loss = trainer->step(pool.inputs(k), pool.targets(k));
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
    k = (k + 1) % batch_pool;
  }
}

// Type-erased so that verify_peer can make a trainer for a batch size known at run time.
struct AnyTrainer {
  std::unique_ptr<Trainer<32>> t32;
  std::unique_ptr<Trainer<1>> t1;
  float step(const float* x, const std::uint32_t* y) {
    return t32 ? t32->step(x, y) : t1->step(x, y);
  }
  MlpParams params() const { return t32 ? t32->params() : t1->params(); }
};

}  // namespace

void verify_and_register_eigen() {
  auto mlp = std::make_unique<Mlp>(make_mlp_params());
  auto tanh_net = std::make_unique<TanhNet>(make_tanh_params());
  reference::verify_peer(
      "eigen",
      [&](const float* x) {
        const auto& y = (*mlp)(x);
        return std::vector<float>(y.begin(), y.end());
      },
      [&](const float* x) {
        const auto& y = (*tanh_net)(x);
        return std::vector<float>(y.begin(), y.end());
      },
      [](const MlpParams& p, int batch) {
        AnyTrainer t;
        if (batch == 32) t.t32 = std::make_unique<Trainer<32>>(p);
        if (batch == 1) t.t1 = std::make_unique<Trainer<1>>(p);
        return t;
      });
  benchmark::RegisterBenchmark("W1/eigen", bm_w1)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W2/eigen", bm_w2)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W3b32/eigen", bm_w3<32>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W3b1/eigen", bm_w3<1>)->Unit(benchmark::kMicrosecond);
}

}  // namespace nerve::bench
