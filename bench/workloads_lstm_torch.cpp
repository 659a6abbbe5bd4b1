// bench/workloads_lstm_torch.cpp: the LSTM rows (W5h32, W5h128, W5seq64, W6) in LibTorch 1.13 as
// its documentation writes them: torch::nn::LSTM (batch_first) and torch::nn::Linear modules, one
// intra-op thread, NoGradGuard for inference, cross_entropy + backward + torch::optim::SGD for
// training.
//
// W5h*: lstm->forward(x, (h, c)) on a (1, 1, 8) input per call, the returned state kept for the
//   next call. W5seq64: lstm->forward(x) on (1, 64, 8). W6: torch::one_hot(tokens, 64) as float
//   -> LSTM -> Linear on (16, 32, 128) -> cross_entropy over the 512 positions (mean).
//
// Its own translation unit, like workloads_torch.cpp: LibTorch's headers take a minute to compile.
#include <torch/torch.h>  // torch::nn, torch::optim, torch::Tensor

#include <cstdint>  // std::uint32_t, std::int64_t
#include <string>
#include <tuple>
#include <vector>

#include "lstm_harness.hpp"    // lstm::register_peer
#include "peers.hpp"           // register_lstm_torch
#include "workloads_lstm.hpp"  // sizes, parameters, data

namespace nerve::bench {
namespace {

using State = std::tuple<torch::Tensor, torch::Tensor>;  // (h, c), each (layers, batch, H)

std::vector<float> to_vector(const torch::Tensor& t) {
  const auto c = t.detach().contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}
torch::Tensor from(const std::vector<float>& v, std::vector<std::int64_t> shape) {
  return torch::from_blob(const_cast<float*>(v.data()), shape);
}

torch::nn::LSTM make_lstm(int in, int hidden) {
  return torch::nn::LSTM(torch::nn::LSTMOptions(in, hidden).batch_first(true));
}
// PyTorch's own parameter names: weight_ih_l0 [4H, I], weight_hh_l0 [4H, H], bias_ih_l0 and
// bias_hh_l0 [4H].
void load(torch::nn::LSTM& lstm, const LstmParams& p) {
  torch::NoGradGuard no_grad;
  const std::int64_t g = 4 * p.hidden;
  auto params = lstm->named_parameters();
  params["weight_ih_l0"].copy_(from(p.weight_ih, {g, p.in}));
  params["weight_hh_l0"].copy_(from(p.weight_hh, {g, p.hidden}));
  params["bias_ih_l0"].copy_(from(p.bias_ih, {g}));
  params["bias_hh_l0"].copy_(from(p.bias_hh, {g}));
}
LstmParams save(const torch::nn::LSTM& lstm) {
  auto params = lstm->named_parameters();
  const auto& w = params["weight_ih_l0"];
  return {int(w.size(1)), int(params["weight_hh_l0"].size(1)), to_vector(w),
          to_vector(params["weight_hh_l0"]), to_vector(params["bias_ih_l0"]),
          to_vector(params["bias_hh_l0"])};
}
torch::nn::LSTM make_lstm(const LstmParams& p) {
  auto lstm = make_lstm(p.in, p.hidden);
  load(lstm, p);
  return lstm;
}

// W5h*: one step per call; the state returned by the LSTM is the next call's.
template <int H>
class Step {
 public:
  explicit Step(const LstmParams& p)
      : lstm_(make_lstm(p)), state_(torch::zeros({1, 1, H}), torch::zeros({1, 1, H})) {}
  const float* operator()(const float* x) {
    torch::NoGradGuard no_grad;
    state_ = std::get<1>(
        lstm_->forward(torch::from_blob(const_cast<float*>(x), {1, 1, lstm_in}), state_));
    return std::get<0>(state_).data_ptr<float>();
  }
  const float* cell() const { return std::get<1>(state_).data_ptr<float>(); }

 private:
  torch::nn::LSTM lstm_;
  State state_;
};

// W5seq64: the whole sequence in one call, from the zero state (no state passed).
class Sequence {
 public:
  explicit Sequence(const LstmParams& p) : lstm_(make_lstm(p)) {}
  const float* operator()(const float* x) {
    torch::NoGradGuard no_grad;
    out_ = std::get<0>(
        lstm_->forward(torch::from_blob(const_cast<float*>(x), {1, lstm_steps, lstm_in})));
    return out_.data_ptr<float>();
  }

 private:
  torch::nn::LSTM lstm_;
  torch::Tensor out_;  // (1, 64, 128), kept so the returned pointer stays valid
};

// W6's model.
struct CharLmNetImpl : torch::nn::Module {
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear fc{nullptr};
  CharLmNetImpl()
      : lstm(register_module("lstm", make_lstm(lm_vocab, lm_hidden))),
        fc(register_module("fc", torch::nn::Linear(lm_hidden, lm_vocab))) {}
  // tokens: int64 (B, T) -> logits (B, T, V)
  torch::Tensor forward(const torch::Tensor& tokens) {
    const auto x = torch::one_hot(tokens, lm_vocab).to(torch::kFloat);
    return fc(std::get<0>(lstm(x)));
  }
};
TORCH_MODULE(CharLmNet);

CharLmParams save(const CharLmNet& net) {
  return {save(net->lstm), {lm_hidden, lm_vocab, to_vector(net->fc->weight),
                            to_vector(net->fc->bias)}};
}

// W6: zero_grad, forward, cross_entropy (mean over batch x length), backward, SGD step.
class CharLm {
 public:
  CharLm(const CharLmParams& p, float lr)
      : sgd_(init(p)->parameters(), torch::optim::SGDOptions(lr)),
        tokens_(torch::empty({lm_batch, lm_length}, torch::kInt64)),
        targets_(torch::empty({lm_batch * lm_length}, torch::kInt64)) {}

  float step(const std::uint32_t* tokens, const std::uint32_t* targets) {
    // torch wants int64 indices; the other peers read the uint32 tokens as they are.
    auto* x = tokens_.data_ptr<std::int64_t>();
    auto* y = targets_.data_ptr<std::int64_t>();
    for (int k = 0; k < lm_batch * lm_length; ++k) {
      x[k] = tokens[k];
      y[k] = targets[k];
    }
    sgd_.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(
        net_->forward(tokens_).reshape({lm_batch * lm_length, lm_vocab}), targets_);
    loss.backward();
    sgd_.step();
    return loss.item<float>();
  }

  CharLmParams params() const { return save(net_); }

 private:
  // Loads p into net_ (built before sgd_, which takes its parameters).
  CharLmNet& init(const CharLmParams& p) {
    load(net_->lstm, p.lstm);
    torch::NoGradGuard no_grad;
    net_->fc->weight.copy_(from(p.out.weight, {p.out.out, p.out.in}));
    net_->fc->bias.copy_(from(p.out.bias, {p.out.out}));
    return net_;
  }

  CharLmNet net_;
  torch::optim::SGD sgd_;
  torch::Tensor tokens_, targets_;
};

// torch's own default initialisation, for the cross-check.
LstmParams initial_lstm(int in, int hidden, unsigned seed) {
  torch::manual_seed(seed);
  return save(make_lstm(in, hidden));
}
CharLmParams initial_char_lm(unsigned seed) {
  torch::manual_seed(seed);
  return save(CharLmNet());
}

}  // namespace

LstmPeer register_lstm_torch() {
  torch::set_num_threads(1);
  LstmPeer peer =
      lstm::register_peer<Step<lstm_small>, Step<lstm_large>, Sequence, CharLm>("torch");
  peer.initial_lstm = &initial_lstm;
  peer.initial_char_lm = &initial_char_lm;
  return peer;
}

}  // namespace nerve::bench
