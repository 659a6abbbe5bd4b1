// A user's own recurrent cell (examples/user_layers/coupled_lstm.hpp: an LSTM whose forget gate
// is 1 - input gate, written as two lines of expression) trained from C++ beside nerve's LSTM on
// a memory task: a stream of tokens 0..7, and at every step the token seen 4 steps earlier is to
// be named. Prints the plan, the parameter counts and each cell's held-out accuracy per step.
#include <nerve/nerve.hpp>

#include "user_layers/coupled_lstm.hpp"

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <vector>

using namespace nerve;

namespace {

constexpr std::size_t steps = 16, vocabulary = 8, delay = 4;

template <class Cell>
using Net = Network<Input<steps>, Embedding<vocabulary, 8>, Cell, Dense<vocabulary>, Softmax>;

// n sequences of random tokens; the target of step t is the token of step t - delay (0 before).
void make(std::size_t n, std::uint64_t seed, std::vector<float>& x, std::vector<std::uint32_t>& y) {
  Random rng(Seed{seed});
  x.resize(n * steps);
  y.resize(n * steps);
  for (std::size_t i = 0; i < n * steps; ++i) {
    x[i] = static_cast<float>(static_cast<std::uint32_t>(rng.uniform() * vocabulary) % vocabulary);
    const std::size_t t = i % steps;
    y[i] = t >= delay ? static_cast<std::uint32_t>(x[i - delay]) : 0;
  }
}

template <class Cell>
double train(const char* label, const std::vector<float>& x, const std::vector<std::uint32_t>& y,
             const std::vector<float>& xt, const std::vector<std::uint32_t>& yt) {
  using N = Net<Cell>;
  N net{Seed{1}};
  std::printf("%s: %zu parameters\n", label, N::parameter_count);
  Trainer<N, CrossEntropy, Adam, Batch<32>> trainer(net, Adam{.learning_rate = 0.01});
  FitOptions options;
  std::ostringstream quiet;
  options.out = &quiet;
  trainer.fit(std::span<const float>(x), std::span<const std::uint32_t>(y), Epochs{15}, options);
  const Evaluation e = trainer.evaluate(std::span<const float>(xt), std::span<const std::uint32_t>(yt));
  std::printf("%s: held-out accuracy per step %.1f%%\n", label, 100 * e.accuracy);
  return e.accuracy;
}

}  // namespace

int main() {
  Net<user::CoupledLSTM<32>>::summary();
  Net<user::CoupledLSTM<32>>::explain();
  std::vector<float> x, xt;
  std::vector<std::uint32_t> y, yt;
  make(2048, 1, x, y);
  make(512, 2, xt, yt);
  const double coupled = train<user::CoupledLSTM<32>>("CoupledLSTM<32> (user's cell)", x, y, xt, yt);
  const double lstm = train<LSTM<32>>("LSTM<32> (nerve's)", x, y, xt, yt);
  std::printf("held-out accuracy: coupled-gate LSTM %.1f%%, LSTM %.1f%%\n", 100 * coupled, 100 * lstm);
  return coupled > 0.9 ? 0 : 1;
}
