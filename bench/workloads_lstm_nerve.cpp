// bench/workloads_lstm_nerve.cpp: THE PLACE FOR NERVE'S LSTM ROWS (W5h32, W5h128, W5seq64, W6).
//
// Until nerve's LSTM exists this file registers nothing: the nerve column of those rows prints
// "n/a" and their ratios are given to eigen under the table (bench/main.cpp). To plug nerve in:
//   1. write the four adapters below, in the #if branch, around nerve's LSTM (the interface is at
//      the top of bench/lstm_harness.hpp; the Eigen ones in workloads_lstm_eigen.cpp are
//      examples: constructor from PyTorch-layout parameters, no allocation after it);
//   2. build with -DNERVE_BENCH_NERVE_LSTM=1 (or change the default below once it compiles).
// register_peer then registers "W5h32/nerve" ... "W6/nerve" with the same loops and data as the
// peers, and main.cpp hands the returned LstmPeer to the cross-check, which compares nerve with
// eigen and torch (within 1e-4) before anything is timed.
#include <cstdio>  // std::fprintf

#include "peers.hpp"           // register_lstm_nerve
#include "workloads_lstm.hpp"  // LstmPeer, sizes, parameters

#ifndef NERVE_BENCH_NERVE_LSTM
#define NERVE_BENCH_NERVE_LSTM 0
#endif

#if NERVE_BENCH_NERVE_LSTM

#include <cstdint>  // std::uint32_t

#include <nerve/nerve.hpp>

#include "lstm_harness.hpp"  // lstm::register_peer

namespace nerve::bench {
namespace {

#error "write nerve's four LSTM adapters here (workloads_lstm_nerve.cpp), then remove this line"

// W5h32, W5h128: one time step per call, batch 1, input lstm_in, the state carried.
template <int H>
class Step {
 public:
  explicit Step(const LstmParams& p);       // load p (gates i, f, g, o), zero state
  const float* operator()(const float* x);  // x [lstm_in] -> h [H]
  const float* cell() const;                // c [H]
};

// W5seq64: x [lstm_steps][lstm_in] from the zero state -> h of every step [lstm_steps][lstm_large].
class Sequence {
 public:
  explicit Sequence(const LstmParams& p);
  const float* operator()(const float* x);
};

// W6: one-hot(lm_vocab) -> LSTM<lm_hidden> -> Dense<lm_vocab> at every step -> softmax
// cross-entropy (mean over lm_batch x lm_length), full BPTT, plain SGD with learning rate lr.
class CharLm {
 public:
  CharLm(const CharLmParams& p, float lr);
  // tokens, targets: [lm_batch][lm_length]; returns the loss before the update.
  float step(const std::uint32_t* tokens, const std::uint32_t* targets);
  CharLmParams params() const;
};

}  // namespace

LstmPeer register_lstm_nerve() {
  return lstm::register_peer<Step<lstm_small>, Step<lstm_large>, Sequence, CharLm>("nerve");
}

}  // namespace nerve::bench

#else  // nerve's LSTM rows are not written yet

namespace nerve::bench {
LstmPeer register_lstm_nerve() {
  std::fprintf(stderr,
               "nerve_bench: W5h32/nerve, W5h128/nerve, W5seq64/nerve and W6/nerve left out: "
               "nerve's LSTM is not wired into bench yet (bench/workloads_lstm_nerve.cpp)\n");
  return {};
}
}  // namespace nerve::bench

#endif
