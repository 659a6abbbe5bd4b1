// bench/workloads_lstm_nerve.cpp: nerve's LSTM rows (W5h32, W5h128, W5seq64, W6): adapters
// around nerve's LSTM (the interface is at the top of bench/lstm_harness.hpp), loaded from
// PyTorch-layout parameters with write_array, no allocation after construction.
// -DNERVE_BENCH_NERVE_LSTM=0 leaves them out. register_peer registers "W5h32/nerve" ... "W6/nerve" with the same loops and data as the
// peers, and main.cpp hands the returned LstmPeer to the cross-check, which compares nerve with
// eigen and torch (within 1e-4) before anything is timed.
#include <cstdio>  // std::fprintf

#include "peers.hpp"           // register_lstm_nerve
#include "workloads_lstm.hpp"  // LstmPeer, sizes, parameters

#ifndef NERVE_BENCH_NERVE_LSTM
#define NERVE_BENCH_NERVE_LSTM 1
#endif

#if NERVE_BENCH_NERVE_LSTM

#include <array>
#include <cstdint>  // std::uint32_t
#include <memory>
#include <span>
#include <vector>

#include <nerve/nerve.hpp>

#include "lstm_harness.hpp"  // lstm::register_peer

namespace nerve::bench {
namespace {

// PyTorch's arrays into nerve's LSTM at entry I (write_array goes through the packing).
template <std::size_t I, class Net>
void load_lstm(Net& net, const LstmParams& p) {
  write_array<I>(net, "weight_ih_l0", std::span<const float>(p.weight_ih));
  write_array<I>(net, "weight_hh_l0", std::span<const float>(p.weight_hh));
  write_array<I>(net, "bias_ih_l0", std::span<const float>(p.bias_ih));
  write_array<I>(net, "bias_hh_l0", std::span<const float>(p.bias_hh));
}

// W5h32, W5h128: one time step per call, batch 1, input lstm_in, the state carried: step().
template <int H>
class Step {
  using Net = Network<Input<lstm_steps, lstm_in>, LSTM<H>>;

 public:
  explicit Step(const LstmParams& p) { load_lstm<1>(net_, p); }
  const float* operator()(const float* x) { return net_.step(x, state_).data(); }
  const float* cell() const { return state_.template carried<1>().data(); }  // c, then h

 private:
  Net net_;
  typename Net::StepState state_;
};

// W5seq64: the whole sequence in one call, from the zero state.
class Sequence {
  using Net = Network<Input<lstm_steps, lstm_in>, LSTM<lstm_large>>;

 public:
  explicit Sequence(const LstmParams& p) { load_lstm<1>(net_, p); }
  const float* operator()(const float* x) { return net_(x, ws_).data(); }

 private:
  Net net_;
  Net::Workspace<1> ws_;
};

// W6: token ids in, read by the LSTM as one-hot rows (OneHot<lm_vocab>: the input product is a
// gathered row of W_ih, its gradient a scatter-add, as the Eigen peer's), LSTM, Dense at every
// step, Softmax fused with cross-entropy, full BPTT, SGD. The ids are converted to the network's
// float inputs inside the timed loop.
class CharLm {
  using Net = Network<Input<lm_length>, LSTM<lm_hidden, OneHot<lm_vocab>>, Dense<lm_vocab>, Softmax>;
  using Train = Trainer<Net, CrossEntropy, SGD, Batch<lm_batch>>;

 public:
  CharLm(const CharLmParams& p, float lr)
      : net_(std::make_unique<Net>()), trainer_(*net_, SGD{.learning_rate = lr}) {
    load_lstm<1>(*net_, p.lstm);
    write_array<2>(*net_, "weight", std::span<const float>(p.out.weight));
    write_array<2>(*net_, "bias", std::span<const float>(p.out.bias));
  }
  float step(const std::uint32_t* tokens, const std::uint32_t* targets) {
    for (std::size_t i = 0; i < x_.size(); ++i) x_[i] = static_cast<float>(tokens[i]);
    return trainer_.step(x_.data(), targets);
  }
  CharLmParams params() const {
    CharLmParams p;
    p.lstm = {lm_vocab, lm_hidden, read_array<1>(*net_, "weight_ih_l0"),
              read_array<1>(*net_, "weight_hh_l0"), read_array<1>(*net_, "bias_ih_l0"),
              read_array<1>(*net_, "bias_hh_l0")};
    p.out = {lm_hidden, lm_vocab, read_array<2>(*net_, "weight"), read_array<2>(*net_, "bias")};
    return p;
  }

 private:
  std::unique_ptr<Net> net_;
  Train trainer_;
  std::array<float, std::size_t(lm_batch) * lm_length> x_{};
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
