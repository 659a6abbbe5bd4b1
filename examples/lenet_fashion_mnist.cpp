// Trains LeNet-5 (conv 5x5 x6, pool, conv 5x5 x16, pool, dense 120, 84, 10) on
// Fashion-MNIST and measures it: the network's summary and fusion plan, progress and test accuracy
// per epoch, time per epoch, the test confusion matrix and batch-1 inference latency.
//
//   lenet_fashion_mnist [--epochs N] [--quick] [--limit N] [--csv history.csv] [--seed S]
//
// With no arguments: 15 epochs. --quick: 5 epochs (the README's main command).
// The data are Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), or the folder
// in $NERVE_FASHION_MNIST_DIR.
#include "fashion_mnist_report.hpp"

#include <nerve/io/fashion_mnist.hpp>
#include <nerve/nerve.hpp>

#include <cstdio>
#include <exception>

using namespace nerve;

// Images are (channels, height, width), as in PyTorch. LeNet-5 read 32x32 images: padding the
// 28x28 ones by 2 gives its shapes from there on (as PyTorch's LeNet examples do).
using LeNet = Network<Input<1, 28, 28>,
                      Conv2D<6, Kernel<5, 5>, Pad<2>>, ReLU, MaxPool<2>,  // (6, 28, 28) -> (6, 14, 14)
                      Conv2D<16, Kernel<5, 5>>, ReLU, MaxPool<2>,         // (16, 10, 10) -> (16, 5, 5)
                      Flatten,
                      Dense<120>, ReLU,
                      Dense<84>, ReLU,
                      Dense<10>, Softmax>;

static_assert(LeNet::output_shape == Shape<10>{});
static_assert(LeNet::parameter_count == (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) +
                                            (120 * 84 + 84) + (84 * 10 + 10));

int main(int argc, char** argv) try {
  auto args = example::parse(argc, argv, 15);
  if (args.quick) args.epochs = 5;
  fashion_mnist::Options data_options;
  data_options.limit = args.limit;
  const auto train = fashion_mnist::train(data_options);
  const auto test = fashion_mnist::test();
  std::printf("Fashion-MNIST from %s: %zu training and %zu test images\n\n",
              fashion_mnist::directory(data_options).c_str(), train.size(), test.size());

  LeNet net{Seed{args.seed}};
  LeNet::summary();
  std::puts("");
  LeNet::explain();
  std::puts("");

  auto trainer = make_trainer<CrossEntropy, Adam, Batch<32>>(
      net, Adam{.learning_rate = args.learning_rate.value_or(2e-3)});
  FitOptions options;
  options.shuffle_seed = Seed{args.seed};
  if (args.csv) options.csv = *args.csv;
  // Learning-rate decay after every epoch: large steps first, small ones to settle.
  const double decay = args.decay.value_or(args.epochs <= 5 ? 0.65 : 0.8);
  options.on_epoch = [&](const EpochSummary&) { trainer.optimizer().learning_rate *= decay; };
  const auto history = trainer.fit(train, Epochs{args.epochs}, options, &test);

  double seconds = 0;
  for (const auto& e : history) seconds += e.seconds;
  std::printf("\ntime per epoch: %.2f s (%.0f training images/s)\n", seconds / history.size(),
              static_cast<double>(history.back().samples) * history.size() / seconds);
  std::printf("batch-1 inference latency: %.2f us (median of 5000)\n\n",
              example::inference_latency_us(net, test));
  example::print_confusion(example::confusion(net, test));
  const auto final_eval = trainer.evaluate(test);
  std::printf("\ntest accuracy after %zu epochs: %.2f%% (loss %.4f)\n", history.size(),
              100.0 * final_eval.accuracy, final_eval.loss);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "lenet_fashion_mnist: %s\n", e.what());
  return 1;
}
