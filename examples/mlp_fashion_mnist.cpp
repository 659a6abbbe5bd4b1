// Trains an MLP (784-256-128-10) on Fashion-MNIST and measures it: test accuracy after each
// epoch, time per epoch, and batch-1 inference latency.
//
//   mlp_fashion_mnist [--epochs N] [--limit N] [--csv history.csv] [--seed S]
//
// The data are Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), or the
// folder in $NERVE_FASHION_MNIST_DIR.
#include <nerve/io/fashion_mnist.hpp>
#include <nerve/nerve.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

using namespace nerve;

using Mlp = Network<Input<1, 28, 28>, Flatten,
                    Dense<256>, ReLU,
                    Dense<128>, ReLU,
                    Dense<10>, Softmax>;

static_assert(Mlp::parameter_count == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);

namespace {

struct Arguments {
  std::size_t epochs = 10;
  std::optional<std::size_t> limit;
  std::optional<std::string> csv;
  std::uint64_t seed = 42;
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--epochs") a.epochs = std::stoul(value());
    else if (flag == "--limit") a.limit = std::stoul(value());
    else if (flag == "--csv") a.csv = value();
    else if (flag == "--seed") a.seed = std::stoull(value());
    else throw std::invalid_argument("unknown argument " + flag +
                                     " (use --epochs N, --limit N, --csv FILE, --seed S)");
  }
  return a;
}

// Median batch-1 latency of net(x) over the first test images, in microseconds.
double inference_latency_us(Mlp& net, const fashion_mnist::Data& test) {
  constexpr int rounds = 5000;
  std::vector<double> times;
  times.reserve(rounds);
  float sink = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto x = test.sample(static_cast<std::size_t>(r) % test.size());
    const auto t0 = std::chrono::steady_clock::now();
    const auto y = net(x.data());
    sink += y(0);
    const auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::nth_element(times.begin(), times.begin() + rounds / 2, times.end());
  if (sink == 12345.f) std::puts("");  // keeps the calls observable
  return times[rounds / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  const Arguments args = parse(argc, argv);
  fashion_mnist::Options data_options;
  data_options.limit = args.limit;
  const auto train = fashion_mnist::train(data_options);
  const auto test = fashion_mnist::test(data_options);
  std::printf("Fashion-MNIST from %s: %zu training and %zu test images\n\n",
              fashion_mnist::directory(data_options).c_str(), train.size(), test.size());

  Mlp net{Seed{args.seed}};
  Mlp::summary();
  std::puts("");
  Mlp::explain();
  std::puts("");

  auto trainer = make_trainer<CrossEntropy, Adam, Batch<64>>(net, Adam{.learning_rate = 1e-3});
  FitOptions options;
  options.shuffle_seed = Seed{args.seed};
  if (args.csv) options.csv = *args.csv;
  // Learning-rate decay: 0.8x after every epoch, which steadies the last epochs.
  options.on_epoch = [&](const EpochSummary&) { trainer.optimizer().learning_rate *= 0.8; };
  const auto history = trainer.fit(train, Epochs{args.epochs}, options, &test);

  double seconds = 0;
  for (const auto& e : history) seconds += e.seconds;
  const auto final_eval = trainer.evaluate(test);
  std::printf("\ntest accuracy after %zu epochs: %.2f%% (loss %.4f)\n", history.size(),
              100.0 * final_eval.accuracy, final_eval.loss);
  std::printf("time per epoch: %.2f s (%.0f samples/s)\n", seconds / history.size(),
              static_cast<double>(history.back().samples) * history.size() / seconds);
  std::printf("batch-1 inference latency: %.2f us (median of 5000)\n",
              inference_latency_us(net, test));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "mlp_fashion_mnist: %s\n", e.what());
  return 1;
}
