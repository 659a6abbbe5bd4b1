// bench/lstm_cross_check.cpp: the start-up check of the LSTM rows. Every LSTM peer that is built
// runs the same parameters on the same data through the very adapters its benchmarks time, and
// nerve_bench stops before timing anything when a peer differs from the first one (eigen when it
// is built) by more than lstm_tolerance.
//
// The parameters are torch's own default initialisation when the torch peer is built (the other
// peers load a copy of torch's parameters), else make_lstm_params/make_char_lm_params:
//   W5h32, W5h128  64 one-step calls from the zero state (the state carried): h after every
//                  call and the final c, within 1e-4;
//   W5seq64        one call over the 64-step sequence: h at every step, within 1e-4;
//   W6             three SGD steps on three batches: the three losses within 1e-4, and for each
//                  of the six parameter arrays its change over the three steps divided by the
//                  learning rate (the sum of the three gradients), within 1e-4 of that array's
//                  largest value. The check trains with a learning rate of 10 (the benchmark uses
//                  0.01): with 0.01 a change is about 1e-5 and the parameters' own float rounding
//                  makes the sums differ by up to about 1e-4 of the largest between two correct
//                  peers (8e-5 seen at 1), too coarse to tell a wrong gradient term from rounding;
//                  at 10 they differ by about 1e-5 of it, and the three steps stay tame (losses
//                  4.16, 4.15, 4.17 with torch's initialisation).
// The largest differences are printed, one line per pair of peers, to stderr.
#include <algorithm>  // std::max
#include <cmath>      // std::abs, std::isfinite
#include <cstddef>    // std::size_t
#include <cstdio>     // std::fprintf
#include <cstdlib>    // std::exit
#include <string>
#include <utility>  // std::pair
#include <vector>

#include "peers.hpp"           // cross_check_lstm
#include "workloads_lstm.hpp"  // LstmPeer, parameters, data

namespace nerve::bench {
namespace {

constexpr double lstm_tolerance = 1e-4;
constexpr float check_learning_rate = 10.0f;
constexpr int train_steps = 3;

[[noreturn]] void fail(const char* message) {
  std::fprintf(stderr, "nerve_bench: LSTM cross-check failed, %s\n", message);
  std::exit(1);
}

// The largest |x - y| over [from, to); stops nerve_bench when one is over tolerance * scale or a
// value is not finite.
double compare(const LstmPeer& a, const LstmPeer& b, const std::string& what,
               const std::vector<float>& x, const std::vector<float>& y, std::size_t from,
               std::size_t to, double scale = 1.0) {
  char buf[512];
  if (x.size() != y.size() || to > x.size()) {
    std::snprintf(buf, sizeof buf, "%s: %s gave %zu values, %s %zu", what.c_str(), a.name,
                  x.size(), b.name, y.size());
    fail(buf);
  }
  double worst = 0;
  for (std::size_t k = from; k < to; ++k) {
    const double d = std::abs(double(x[k]) - double(y[k]));
    if (!std::isfinite(x[k]) || !std::isfinite(y[k]) || d > lstm_tolerance * scale) {
      std::snprintf(buf, sizeof buf,
                    "%s[%zu]: %s %.7g, %s %.7g (|difference| %.3g > %.3g): the two peers do not "
                    "compute the same thing",
                    what.c_str(), k - from, a.name, double(x[k]), b.name, double(y[k]), d,
                    lstm_tolerance * scale);
      fail(buf);
    }
    worst = std::max(worst, d / scale);
  }
  return worst;
}

double largest(const std::vector<float>& v, std::size_t from, std::size_t to) {
  double m = 0;
  for (std::size_t k = from; k < to; ++k) m = std::max(m, double(std::abs(v[k])));
  return m;
}

// The losses, then (after - before) / lr for every parameter, in flatten()'s order.
std::vector<float> gradient_sums(const LstmPeer& peer, const CharLmParams& before,
                                 const LmBatchPool& pool) {
  const std::vector<float> trained = peer.train(before, check_learning_rate, pool, train_steps);
  const std::vector<float> initial = flatten(before);
  if (trained.size() != train_steps + initial.size()) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "W6: %s gave %zu values, expected %zu", peer.name,
                  trained.size(), train_steps + initial.size());
    fail(buf);
  }
  std::vector<float> r(trained.begin(), trained.begin() + train_steps);
  for (std::size_t k = 0; k < initial.size(); ++k) {
    r.push_back((trained[train_steps + k] - initial[k]) / check_learning_rate);
  }
  return r;
}

}  // namespace

void cross_check_lstm(const std::vector<LstmPeer>& peers) {
  if (peers.size() < 2) {
    std::fprintf(stderr, "nerve_bench: LSTM cross-check skipped: %s%s\n",
                 peers.empty() ? "no LSTM peer is built" : "only one LSTM peer is built, ",
                 peers.empty() ? "" : peers[0].name);
    return;
  }
  // torch's own initialisation when a peer offers it.
  const LstmPeer* init = nullptr;
  for (const auto& p : peers) {
    if (p.initial_lstm && p.initial_char_lm) init = &p;
  }
  const auto lstm_params = [&](int hidden, unsigned seed) {
    return init ? init->initial_lstm(lstm_in, hidden, seed)
                : make_lstm_params(lstm_in, hidden, seed);
  };
  const LstmParams small = lstm_params(lstm_small, 11), large = lstm_params(lstm_large, 12),
                   sequence = lstm_params(lstm_large, 13);
  const CharLmParams lm = init ? init->initial_char_lm(14) : make_char_lm_params(14);
  const std::vector<float> x = make_lstm_inputs(15);
  const LmBatchPool pool = make_lm_batch_pool(16);

  // W6's parameter arrays in flatten()'s order.
  const std::pair<const char*, std::size_t> arrays[] = {
      {"weight_ih", lm.lstm.weight_ih.size()}, {"weight_hh", lm.lstm.weight_hh.size()},
      {"bias_ih", lm.lstm.bias_ih.size()},     {"bias_hh", lm.lstm.bias_hh.size()},
      {"out.weight", lm.out.weight.size()},     {"out.bias", lm.out.bias.size()}};

  const LstmPeer& base = peers[0];
  const auto r_small = base.step(small, x.data(), lstm_steps);
  const auto r_large = base.step(large, x.data(), lstm_steps);
  const auto r_seq = base.sequence(sequence, x.data());
  const auto r_train = gradient_sums(base, lm, pool);
  for (std::size_t k = 1; k < peers.size(); ++k) {
    const LstmPeer& p = peers[k];
    const auto small_k = p.step(small, x.data(), lstm_steps);
    const auto large_k = p.step(large, x.data(), lstm_steps);
    const auto seq_k = p.sequence(sequence, x.data());
    const auto train_k = gradient_sums(p, lm, pool);
    const double d_small = compare(base, p, "W5h32", r_small, small_k, 0, r_small.size());
    const double d_large = compare(base, p, "W5h128", r_large, large_k, 0, r_large.size());
    const double d_seq = compare(base, p, "W5seq64", r_seq, seq_k, 0, r_seq.size());
    const double d_loss = compare(base, p, "W6 loss", r_train, train_k, 0, train_steps);
    double d_grad = 0, smallest_scale = 1e30;
    std::size_t at = train_steps;
    for (const auto& [name, n] : arrays) {
      const double scale = largest(r_train, at, at + n);
      smallest_scale = std::min(smallest_scale, scale);
      d_grad = std::max(d_grad, compare(base, p, std::string("W6 gradient sum of ") + name,
                                        r_train, train_k, at, at + n, scale));
      at += n;
    }
    std::fprintf(stderr,
                 "nerve_bench: LSTM cross-check %s vs %s (%s's initial parameters), largest "
                 "difference: W5h32 %.2g, W5h128 %.2g, W5seq64 %.2g (h up to %.2f), W6 loss "
                 "%.2g (%.6f %.6f %.6f), W6 gradient sums %.2g of each array's largest (%.3g "
                 "to %.3g); tolerance %.0e\n",
                 base.name, p.name, init ? init->name : "make_lstm_params", d_small, d_large,
                 d_seq, largest(r_seq, 0, r_seq.size()), d_loss, double(r_train[0]),
                 double(r_train[1]), double(r_train[2]), d_grad, smallest_scale,
                 largest(r_train, train_steps, r_train.size()), lstm_tolerance);
  }
}

}  // namespace nerve::bench
