// examples/fashion_mnist_report.hpp: what the Fashion-MNIST examples share: their command line,
// the test confusion matrix printed with the class names, and batch-1 latency.
#pragma once

#include <nerve/io/fashion_mnist.hpp>
#include <nerve/nerve.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace example {

struct Arguments {
  std::size_t epochs = 0;                // set by each example to its full run
  std::optional<std::size_t> limit;      // training images (the test set is always whole)
  std::optional<std::string> csv;
  std::uint64_t seed = 42;
  bool quick = false;
  std::optional<double> learning_rate;  // the optimizer's first learning rate
  std::optional<double> decay;          // its factor after every epoch
};

// --epochs N, --limit N, --csv FILE, --seed S, --quick (the example says what quick means),
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
    else if (flag == "--seed") a.seed = std::stoull(value());
    else if (flag == "--quick") a.quick = true;
    else if (flag == "--learning-rate") a.learning_rate = std::stod(value());
    else if (flag == "--decay") a.decay = std::stod(value());
    else throw std::invalid_argument("unknown argument " + flag +
                                     " (use --epochs N, --limit N, --csv FILE, --seed S, --quick, "
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

}  // namespace example
