// examples/fashion_mnist_report.hpp: what the Fashion-MNIST examples share: their command line,
// training with Adam and a per-epoch learning-rate decay, and the report (summary, fusion plan,
// progress, time per epoch, batch-1 latency, the test confusion matrix with the class names, and
// `test accuracy ...%` as the last line).
#pragma once

#include <nerve/io/checkpoint.hpp>
#include <nerve/io/fashion_mnist.hpp>
#include <nerve/nerve.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace example {

struct Arguments {
  std::size_t epochs = 0;                // set by each example to its full run
  std::optional<std::size_t> limit;      // training images (the test set is always whole)
  std::optional<std::string> csv;
  std::optional<std::string> save;       // where the trained network is saved (a checkpoint)
  std::uint64_t seed = 42;
  bool quick = false;
  std::optional<double> learning_rate;  // the optimizer's first learning rate
  std::optional<double> decay;          // its factor after every epoch
};

// --epochs N, --limit N, --csv FILE, --save FILE (a checkpoint of the trained network, which
// PyTorch reads too: docs/reference/checkpoint.md), --seed S, --quick (the example says what quick means),
// --learning-rate R and --decay F (the learning rate's factor after each epoch).
inline Arguments parse(int argc, char** argv, std::size_t default_epochs) {
  Arguments a;
  a.epochs = default_epochs;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--epochs") a.epochs = std::stoul(value());
    else if (flag == "--limit") a.limit = std::stoul(value());
    else if (flag == "--csv") a.csv = value();
    else if (flag == "--save") a.save = value();
    else if (flag == "--seed") a.seed = std::stoull(value());
    else if (flag == "--quick") a.quick = true;
    else if (flag == "--learning-rate") a.learning_rate = std::stod(value());
    else if (flag == "--decay") a.decay = std::stod(value());
    else throw std::invalid_argument("unknown argument " + flag +
                                     " (use --epochs N, --limit N, --csv FILE, --save FILE, --seed S, --quick, "
                                     "--learning-rate R, --decay F)");
  }
  if (a.epochs == 0) throw std::invalid_argument("--epochs must be at least 1");
  return a;
}

// The test set's confusion matrix under net, at inference behaviour, batch 1.
template <class Net>
nerve::ConfusionMatrix<nerve::fashion_mnist::classes> confusion(Net& net,
                                                                const nerve::fashion_mnist::Data& test) {
  nerve::ConfusionMatrix<nerve::fashion_mnist::classes> m;
  for (std::size_t i = 0; i < test.size(); ++i)
    m.add_scores(net(test.sample(i).data()).flat(), test.label(i));
  return m;
}

// Rows: true class; columns: predicted class (numbered as the rows); recall per row.
inline void print_confusion(const nerve::ConfusionMatrix<nerve::fashion_mnist::classes>& m) {
  using nerve::fashion_mnist::class_names;
  std::printf("test confusion matrix (rows: true class, columns: predicted)\n%14s", "");
  for (std::size_t c = 0; c < m.classes; ++c) std::printf("%6zu", c);
  std::printf("  recall\n");
  for (std::size_t l = 0; l < m.classes; ++l) {
    std::printf("%zu %-12.12s", l, std::string(class_names[l]).c_str());
    for (std::size_t p = 0; p < m.classes; ++p) std::printf("%6zu", m(l, p));
    std::printf("  %5.1f%%\n", 100.0 * m.recall(l));
  }
}

// Median batch-1 latency of net(x) over the first test images, in microseconds.
template <class Net>
double inference_latency_us(Net& net, const nerve::fashion_mnist::Data& test, int rounds = 5000) {
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(rounds));
  float sink = 0;
  for (int r = 0; r < rounds; ++r) {
    const float* x = test.sample(static_cast<std::size_t>(r) % test.size()).data();
    const auto t0 = std::chrono::steady_clock::now();
    const auto y = net(x);
    sink += y(0);
    const auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::nth_element(times.begin(), times.begin() + rounds / 2, times.end());
  if (sink == 12345.f) std::puts("");  // keeps the calls observable
  return times[static_cast<std::size_t>(rounds / 2)];
}

// How an example trains: its full run and its --quick run (epochs, first learning rate, decay).
struct Schedule {
  std::size_t epochs;
  std::size_t quick_epochs;
  double learning_rate;
  double decay;        // the learning rate's factor after each epoch
  double quick_decay;  // the same for the quick run
};

// Net trained on Fashion-MNIST with softmax cross-entropy and Adam at batch BatchSize, reported.
// Returns main's exit code; errors (a missing data set, a bad argument) are printed, not thrown.
template <class Net, std::size_t BatchSize>
int train_and_report(const char* program, int argc, char** argv, const Schedule& schedule) try {
  using namespace nerve;
  auto args = parse(argc, argv, schedule.epochs);
  if (args.quick) args.epochs = schedule.quick_epochs;
  fashion_mnist::Options data_options;
  data_options.limit = args.limit;
  const auto train = fashion_mnist::train(data_options);
  const auto test = fashion_mnist::test();
  std::printf("Fashion-MNIST from %s: %zu training and %zu test images\n\n",
              fashion_mnist::directory(data_options).c_str(), train.size(), test.size());

  Net net{Seed{args.seed}};
  Net::summary();
  std::puts("");
  Net::explain();
  std::puts("");

  auto trainer = make_trainer<CrossEntropy, Adam, Batch<BatchSize>>(
      net, Adam{.learning_rate = args.learning_rate.value_or(schedule.learning_rate)});
  FitOptions options;
  options.shuffle_seed = Seed{args.seed};
  if (args.csv) options.csv = *args.csv;
  // Learning-rate decay after every epoch: large steps first, small ones to settle.
  const double decay = args.decay.value_or(args.quick ? schedule.quick_decay : schedule.decay);
  options.on_epoch = [&](const EpochSummary&) { trainer.optimizer().learning_rate *= decay; };
  const auto history = trainer.fit(train, Epochs{args.epochs}, options, &test);

  double seconds = 0;
  for (const auto& e : history) seconds += e.seconds;
  std::printf("\ntime per epoch: %.2f s (%.0f training images/s)\n", seconds / history.size(),
              static_cast<double>(history.back().samples) * history.size() / seconds);
  std::printf("batch-1 inference latency: %.2f us (median of 5000)\n\n",
              inference_latency_us(net, test));
  print_confusion(confusion(net, test));
  if (args.save) {
    save(net, *args.save);
    std::printf("\nsaved the trained network to %s\n", args.save->c_str());
  }
  const auto final_eval = trainer.evaluate(test);
  std::printf("\ntest accuracy after %zu epochs: %.2f%% (loss %.4f)\n", history.size(),
              100.0 * final_eval.accuracy, final_eval.loss);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s: %s\n", program, e.what());
  return 1;
}

}  // namespace example
