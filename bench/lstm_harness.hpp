// bench/lstm_harness.hpp: the peer-independent half of the LSTM rows (W5h32, W5h128, W5seq64,
// W6): the benchmark loops, their registration as "<workload>/<peer>", and the functions the
// start-up cross-check runs (LstmPeer, bench/workloads_lstm.hpp). A peer writes four adapters
// and calls register_peer once; the loops and the data are the same for every peer.
//
// The adapters (each allocates in its constructor only; the pointers they return stay valid
// until the next call):
//
//   template <int H> class Step        // W5h32 (H = 32), W5h128 (H = 128)
//     explicit Step(const LstmParams&);        // PyTorch's layout, zero state
//     const float* operator()(const float* x); // one time step, batch 1: x [lstm_in] -> h [H];
//                                              // the state (h, c) is carried to the next call
//     const float* cell() const;               // c [H] after the last call
//   class Sequence                     // W5seq64
//     explicit Sequence(const LstmParams&);    // in lstm_in, hidden lstm_large
//     const float* operator()(const float* x); // x [lstm_steps][lstm_in] from the zero state ->
//                                              // h of every step, [lstm_steps][lstm_large]
//   class CharLm                       // W6
//     CharLm(const CharLmParams&, float lr);   // plain SGD with learning rate lr (the
//                                              // benchmark: learning_rate; the check: larger)
//     float step(const std::uint32_t* tokens,  // [lm_batch][lm_length] each; one SGD step,
//                const std::uint32_t* targets);// returns the loss before it
//     CharLmParams params() const;
#pragma once

#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include <cstdint>  // std::uint32_t
#include <cstdio>   // std::fprintf
#include <cstdlib>  // std::abort
#include <memory>   // std::make_unique
#include <string>
#include <vector>

#include "workloads_lstm.hpp"  // sizes, parameters, data, LstmPeer

namespace nerve::bench::lstm {

static_assert((lstm_steps & (lstm_steps - 1)) == 0, "the W5 input index wraps with a mask");

// W5h*: one call per iteration, cycling through the pre-made inputs; the state is never reset.
template <class Step>
void bm_step(benchmark::State& state, int hidden) {
  auto net = std::make_unique<Step>(make_w5_params(hidden));
  const std::vector<float> x = make_lstm_inputs();
  int k = 0;
  for (auto _ : state) {
    const float* h = (*net)(x.data() + k * lstm_in);
    benchmark::DoNotOptimize(h);
    benchmark::ClobberMemory();
    k = (k + 1) & (lstm_steps - 1);
  }
}

// W5seq64: one call over the whole sequence per iteration.
template <class Sequence>
void bm_sequence(benchmark::State& state) {
  auto net = std::make_unique<Sequence>(make_w5_params(lstm_large));
  const std::vector<float> x = make_lstm_inputs();
  for (auto _ : state) {
    const float* out = (*net)(x.data());
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}

// W6: one training step per iteration, cycling through the pool's batches.
template <class CharLm>
void bm_train(benchmark::State& state) {
  auto net = std::make_unique<CharLm>(make_char_lm_params(), learning_rate);
  const LmBatchPool pool = make_lm_batch_pool();
  int k = 0;
  for (auto _ : state) {
    float loss = net->step(pool.tokens(k), pool.targets(k));
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
    k = (k + 1) % batch_pool;
  }
}

// The cross-check's view of the same adapters.
template <class Step>
std::vector<float> run_steps_of(const LstmParams& p, const float* x, int steps) {
  auto net = std::make_unique<Step>(p);
  std::vector<float> out;
  for (int s = 0; s < steps; ++s) {
    const float* h = (*net)(x + std::size_t(s) * p.in);
    out.insert(out.end(), h, h + p.hidden);
  }
  const float* c = net->cell();
  out.insert(out.end(), c, c + p.hidden);
  return out;
}
template <class Step32, class Step128>
std::vector<float> run_steps(const LstmParams& p, const float* x, int steps) {
  if (p.in == lstm_in && p.hidden == lstm_small) return run_steps_of<Step32>(p, x, steps);
  if (p.in == lstm_in && p.hidden == lstm_large) return run_steps_of<Step128>(p, x, steps);
  std::fprintf(stderr, "nerve_bench: no LSTM step adapter for input %d, hidden %d\n", p.in,
               p.hidden);
  std::abort();
}
template <class Sequence>
std::vector<float> run_sequence(const LstmParams& p, const float* x) {
  auto net = std::make_unique<Sequence>(p);
  const float* out = (*net)(x);
  return {out, out + std::size_t(lstm_steps) * lstm_large};
}
template <class CharLm>
std::vector<float> run_train(const CharLmParams& p, float lr, const LmBatchPool& pool, int steps) {
  auto net = std::make_unique<CharLm>(p, lr);
  std::vector<float> out;
  for (int k = 0; k < steps; ++k) out.push_back(net->step(pool.tokens(k), pool.targets(k)));
  const std::vector<float> after = flatten(net->params());
  out.insert(out.end(), after.begin(), after.end());
  return out;
}

// Registers "W5h32/<peer>", "W5h128/<peer>", "W5seq64/<peer>", "W6/<peer>" and returns what the
// cross-check runs. `peer` must outlive the program (a string literal).
template <class Step32, class Step128, class Sequence, class CharLm>
LstmPeer register_peer(const char* peer) {
  const std::string p = peer;
  benchmark::RegisterBenchmark(("W5h32/" + p).c_str(), bm_step<Step32>, lstm_small)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(("W5h128/" + p).c_str(), bm_step<Step128>, lstm_large)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(("W5seq64/" + p).c_str(), bm_sequence<Sequence>)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(("W6/" + p).c_str(), bm_train<CharLm>)
      ->Unit(benchmark::kMicrosecond);
  LstmPeer r;
  r.name = peer;
  r.step = &run_steps<Step32, Step128>;
  r.sequence = &run_sequence<Sequence>;
  r.train = &run_train<CharLm>;
  return r;
}

}  // namespace nerve::bench::lstm
