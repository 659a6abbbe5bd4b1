// bench/workloads_lstm_eigen.cpp: the LSTM rows (W5h32, W5h128, W5seq64, W6) written by hand in
// Eigen 3.4, as a careful engineer would: every buffer allocated in the constructor, noalias()
// on every product, the gate arithmetic as one fused element-wise pass per gate group with
// Eigen's vectorised logistic and tanh, the bias folded into that pass.
//
// W5h*: one GEMV per step over the stacked [W_ih W_hh] (4H x (I + H), column-major) and the
//   vector [x; h], which is one buffer: the new h is written into its tail, x copied into its
//   head (8 floats). Fixed-size types where the weights fit Eigen's 128 KiB limit (H = 32).
// W5seq64: the input products of all 64 steps as one GEMM (4H x 8 by 8 x 64), then one GEMV
//   W_hh h per step (none at the first step, where h = 0).
// W6: positions are columns, step-major (column t * B + b), so the B columns of a step are
//   contiguous and every per-step product is a GEMM over them. The one-hot input product
//   W_ih X of all steps is a column gather (what that GEMM computes, without the zeros), and its
//   gradient dW_ih = dZ X^T a column scatter-add. Forward: per step Z += W_hh h_{t-1} (a
//   512 x 128 x 16 GEMM), gates in place; then the output layer over all positions at once
//   (one GEMM), softmax cross-entropy per column. Backward: dH = W_out^T dY (one GEMM), then
//   through time per step the gate derivatives and dh_{t-1} += W_hh^T dZ_t (a GEMM); the weight
//   gradients of all steps at once afterwards (dW_hh = dZ H_prev^T, one GEMM), with SGD folded
//   into the products (W -= lr * dZ H^T), W_hh and W_out changed only after their last use.
//   Both biases are kept and updated (PyTorch's parameters); their sum is taken once per step.
#include <benchmark/benchmark.h>  // benchmark::State

#include <Eigen/Core>  // Eigen::Matrix, Eigen::Map

#include <cmath>    // std::log
#include <cstdint>  // std::uint32_t
#include <type_traits>
#include <vector>

#include "lstm_harness.hpp"    // lstm::register_peer
#include "peers.hpp"           // register_lstm_eigen
#include "workloads_lstm.hpp"  // sizes, parameters, data

namespace nerve::bench {
namespace {

using RowMajorMap =
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using Vec = Eigen::Map<const Eigen::VectorXf>;

// Eigen refuses fixed-size objects over 128 KiB; larger weights get a dynamic column count.
template <int Rows, int Cols>
using Weights = std::conditional_t<(std::size_t(Rows) * Cols * sizeof(float) <= 128 * 1024),
                                   Eigen::Matrix<float, Rows, Cols>,
                                   Eigen::Matrix<float, Rows, Eigen::Dynamic>>;

// sigmoid(x) = tanh(x / 2) / 2 + 1/2: Eigen's vectorised float tanh is a branch-free rational
// function, while its logistic() tests every packet for x < -9; the step at H = 32 measured
// about 1.5x faster this way (170 against 253 ns), and no slower at H = 128.
template <class Array>
EIGEN_STRONG_INLINE auto sigmoid(const Array& a) {
  return (a * 0.5f).tanh() * 0.5f + 0.5f;
}

// c = f * c + i * g; h = o * tanh(c), from the pre-activations z (4H, gates i, f, g, o) plus
// the bias b, in two fused passes over H.
template <int H, class Z, class Bias, class Cell, class Hidden>
EIGEN_STRONG_INLINE void lstm_pointwise(const Z& z, const Bias& b, Cell&& c, Hidden&& h) {
  auto zi = sigmoid((z.template segment<H>(0) + b.template segment<H>(0)).array());
  auto zf = sigmoid((z.template segment<H>(H) + b.template segment<H>(H)).array());
  auto zg = (z.template segment<H>(2 * H) + b.template segment<H>(2 * H)).array().tanh();
  auto zo = sigmoid((z.template segment<H>(3 * H) + b.template segment<H>(3 * H)).array());
  c.array() = zf * c.array() + zi * zg;
  h.array() = zo * c.array().tanh();
}

// W5h*: one time step per call, the state carried.
template <int H>
class Step {
 public:
  static constexpr int I = lstm_in, G = 4 * H, K = I + H;

  explicit Step(const LstmParams& p) : w_(G, K) {
    w_.leftCols(I) = RowMajorMap(p.weight_ih.data(), G, I);
    w_.rightCols(H) = RowMajorMap(p.weight_hh.data(), G, H);
    b_ = Vec(p.bias_ih.data(), G) + Vec(p.bias_hh.data(), G);
    xh_.setZero();
    c_.setZero();
  }
  const float* operator()(const float* x) {
    xh_.template head<I>() = Eigen::Map<const Eigen::Matrix<float, I, 1>>(x);
    z_.noalias() = w_ * xh_;
    lstm_pointwise<H>(z_, b_, c_, xh_.template tail<H>());
    return xh_.data() + I;
  }
  const float* cell() const { return c_.data(); }

 private:
  Weights<G, K> w_;                   // [W_ih W_hh], column-major
  Eigen::Matrix<float, G, 1> b_, z_;  // b_ih + b_hh; the products
  Eigen::Matrix<float, K, 1> xh_;     // [x; h]
  Eigen::Matrix<float, H, 1> c_;
};

// W5seq64: the whole sequence in one call, from the zero state.
class Sequence {
 public:
  static constexpr int I = lstm_in, H = lstm_large, G = 4 * H, T = lstm_steps;

  explicit Sequence(const LstmParams& p) : w_hh_(G, H), zx_(G, T), out_(H, T) {
    w_ih_ = RowMajorMap(p.weight_ih.data(), G, I);
    w_hh_ = RowMajorMap(p.weight_hh.data(), G, H);
    b_ = Vec(p.bias_ih.data(), G) + Vec(p.bias_hh.data(), G);
  }
  // x [T][I] row-major is I x T column-major; the output [T][H] is H x T column-major.
  const float* operator()(const float* x) {
    zx_.noalias() = w_ih_ * Eigen::Map<const Eigen::Matrix<float, I, T>>(x);
    c_.setZero();
    z_ = b_;
    lstm_pointwise<H>(zx_.col(0), z_, c_, out_.col(0));
    for (int t = 1; t < T; ++t) {
      z_.noalias() = w_hh_ * out_.col(t - 1);
      z_ += b_;
      lstm_pointwise<H>(zx_.col(t), z_, c_, out_.col(t));
    }
    return out_.data();
  }

 private:
  Eigen::Matrix<float, G, I> w_ih_;               // 16 KiB
  Eigen::Matrix<float, G, Eigen::Dynamic> w_hh_;  // 256 KiB
  Eigen::Matrix<float, G, 1> b_, z_;
  Eigen::Matrix<float, G, Eigen::Dynamic> zx_;   // W_ih x of every step
  Eigen::Matrix<float, H, Eigen::Dynamic> out_;  // h of every step
  Eigen::Matrix<float, H, 1> c_;
};

// W6: one SGD step of one-hot -> LSTM -> Linear -> softmax cross-entropy over every position.
class CharLm {
 public:
  static constexpr int V = lm_vocab, H = lm_hidden, G = 4 * H, T = lm_length, B = lm_batch,
                       N = T * B;

  CharLm(const CharLmParams& p, float lr)
      : lr_(lr), w_ih_(G, V), w_hh_(G, H), w_out_(V, H), act_(G, N), dz_(G, N), h_(H, N + B),
        c_(H, N + B), tc_(H, N), dh_(H, N), logits_(V, N) {
    w_ih_ = RowMajorMap(p.lstm.weight_ih.data(), G, V);
    w_hh_ = RowMajorMap(p.lstm.weight_hh.data(), G, H);
    b_ih_ = Vec(p.lstm.bias_ih.data(), G);
    b_hh_ = Vec(p.lstm.bias_hh.data(), G);
    w_out_ = RowMajorMap(p.out.weight.data(), V, H);
    b_out_ = Vec(p.out.bias.data(), V);
    h_.leftCols(B).setZero();  // h_{-1} and c_{-1}: the zero state, never written again
    c_.leftCols(B).setZero();
  }

  float step(const std::uint32_t* tokens, const std::uint32_t* targets) {
    // Input products of every step: columns of W_ih, plus both biases.
    b_ = b_ih_ + b_hh_;
    for (int t = 0; t < T; ++t) {
      for (int b = 0; b < B; ++b) act_.col(t * B + b) = w_ih_.col(tokens[b * T + t]) + b_;
    }
    // Through time. h_ and c_ hold step t at columns (t + 1) * B, the zero state at 0.
    for (int t = 0; t < T; ++t) {
      auto z = act_.middleCols(t * B, B);
      if (t > 0) z.noalias() += w_hh_ * h_.middleCols(t * B, B);
      auto i = z.topRows(H), f = z.middleRows(H, H), g = z.middleRows(2 * H, H),
           o = z.bottomRows(H);
      i.array() = sigmoid(i.array());
      f.array() = sigmoid(f.array());
      g.array() = g.array().tanh();
      o.array() = sigmoid(o.array());
      auto c = c_.middleCols((t + 1) * B, B);
      auto tc = tc_.middleCols(t * B, B);
      c = f.cwiseProduct(c_.middleCols(t * B, B)) + i.cwiseProduct(g);
      tc.array() = c.array().tanh();
      h_.middleCols((t + 1) * B, B) = o.cwiseProduct(tc);
    }
    // Output layer and softmax cross-entropy (mean over the N positions); logits_ becomes dY.
    const auto hs = h_.rightCols(N);
    logits_.noalias() = w_out_ * hs;
    logits_.colwise() += b_out_;
    float loss = 0;
    for (int t = 0; t < T; ++t) {
      for (int b = 0; b < B; ++b) {
        auto y = logits_.col(t * B + b);
        const std::uint32_t target = targets[b * T + t];
        const float m = y.maxCoeff();
        const float target_logit = y(target) - m;
        y = (y.array() - m).exp();
        const float sum = y.sum();
        loss += std::log(sum) - target_logit;
        y *= 1.0f / (sum * N);
        y(target) -= 1.0f / N;
      }
    }
    // Output layer's backward; W_out changes after W_out^T dY is taken.
    dh_.noalias() = w_out_.transpose() * logits_;
    w_out_.noalias() -= lr_ * logits_ * hs.transpose();
    b_out_.noalias() -= lr_ * logits_.rowwise().sum();
    // Back through time; dc_ carries dL/dc_t * f_t to step t - 1.
    dc_.setZero();
    for (int t = T - 1; t >= 0; --t) {
      const auto z = act_.middleCols(t * B, B);
      const auto i = z.topRows(H).array(), f = z.middleRows(H, H).array(),
                 g = z.middleRows(2 * H, H).array(), o = z.bottomRows(H).array();
      const auto tc = tc_.middleCols(t * B, B).array();
      const auto dh = dh_.middleCols(t * B, B).array();
      auto dz = dz_.middleCols(t * B, B);
      dc_.array() += dh * o * (1.0f - tc.square());
      dz.bottomRows(H).array() = dh * tc * o * (1.0f - o);
      dz.topRows(H).array() = dc_.array() * g * i * (1.0f - i);
      dz.middleRows(2 * H, H).array() = dc_.array() * i * (1.0f - g.square());
      dz.middleRows(H, H).array() = dc_.array() * c_.middleCols(t * B, B).array() * f * (1.0f - f);
      dc_.array() *= f;
      if (t > 0) dh_.middleCols((t - 1) * B, B).noalias() += w_hh_.transpose() * dz;
    }
    // Weight gradients of all steps at once (step 0's dW_hh term is zero: h_{-1} = 0).
    w_hh_.noalias() -= lr_ * dz_.rightCols(N - B) * h_.middleCols(B, N - B).transpose();
    db_.noalias() = dz_.rowwise().sum();
    b_ih_ -= lr_ * db_;
    b_hh_ -= lr_ * db_;
    for (int t = 0; t < T; ++t) {
      for (int b = 0; b < B; ++b) {
        w_ih_.col(tokens[b * T + t]) -= lr_ * dz_.col(t * B + b);
      }
    }
    return loss / N;
  }

  CharLmParams params() const {
    CharLmParams p;
    p.lstm = {V, H, row_major(w_ih_), row_major(w_hh_), to_vector(b_ih_), to_vector(b_hh_)};
    p.out = {H, V, row_major(w_out_), to_vector(b_out_)};
    return p;
  }

 private:
  template <class M>
  static std::vector<float> row_major(const M& m) {
    std::vector<float> v(m.size());
    Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        v.data(), m.rows(), m.cols()) = m;
    return v;
  }
  template <class M>
  static std::vector<float> to_vector(const M& m) {
    return {m.data(), m.data() + m.size()};
  }

  float lr_;
  Eigen::Matrix<float, G, Eigen::Dynamic> w_ih_, w_hh_;  // column-major: a token's column
  Eigen::Matrix<float, G, 1> b_ih_, b_hh_, b_, db_;
  Eigen::Matrix<float, V, Eigen::Dynamic> w_out_;
  Eigen::Matrix<float, V, 1> b_out_;
  Eigen::Matrix<float, G, Eigen::Dynamic> act_, dz_;  // gate activations; their gradients
  Eigen::Matrix<float, H, Eigen::Dynamic> h_, c_, tc_, dh_;  // tc_: tanh(c); dh_: dL/dh
  Eigen::Matrix<float, V, Eigen::Dynamic> logits_;
  Eigen::Matrix<float, H, B> dc_;
};

}  // namespace

LstmPeer register_lstm_eigen() {
  return lstm::register_peer<Step<lstm_small>, Step<lstm_large>, Sequence, CharLm>("eigen");
}

}  // namespace nerve::bench
