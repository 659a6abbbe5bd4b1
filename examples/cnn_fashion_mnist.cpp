// Trains a deeper CNN on Fashion-MNIST (two 3x3 conv blocks of 32 and 64 filters with BatchNorm
// and max pooling, then dropout and two dense layers) and measures it: the network's summary and
// fusion plan, progress and test accuracy per epoch, time per epoch, the test confusion matrix and
// batch-1 inference latency.
//
//   cnn_fashion_mnist [--epochs N] [--quick] [--limit N] [--csv history.csv] [--seed S]
//                     [--learning-rate R] [--decay F]
//
// With no arguments: 15 epochs (92.47% measured). --quick: 3 epochs.
// The data are Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), or the folder
// in $NERVE_FASHION_MNIST_DIR.
#include "fashion_mnist_report.hpp"

#include <nerve/io/fashion_mnist.hpp>
#include <nerve/nerve.hpp>

#include <cstdio>
#include <exception>

using namespace nerve;

// Images are (channels, height, width), as in PyTorch. Same padding keeps 28x28 through the
// first convolution and 14x14 through the second; each MaxPool<2> halves the plane.
using Cnn = Network<Input<1, 28, 28>,
                    Conv2D<32, Kernel<3, 3>, Same>, BatchNorm<>, ReLU, MaxPool<2>,  // (32, 14, 14)
                    Conv2D<64, Kernel<3, 3>, Same>, BatchNorm<>, ReLU, MaxPool<2>,  // (64, 7, 7)
                    Flatten, Dropout<0.25>,
                    Dense<128>, ReLU, Dropout<0.25>,
                    Dense<10>, Softmax>;

static_assert(Cnn::output_shape == Shape<10>{});
static_assert(Cnn::parameter_count == (32 * 9 + 32) + 2 * 32 + (64 * 32 * 9 + 64) + 2 * 64 +
                                          (64 * 7 * 7 * 128 + 128) + (128 * 10 + 10));

int main(int argc, char** argv) try {
  auto args = example::parse(argc, argv, 15);
  if (args.quick) args.epochs = 3;
  fashion_mnist::Options data_options;
  data_options.limit = args.limit;
  const auto train = fashion_mnist::train(data_options);
  const auto test = fashion_mnist::test();
  std::printf("Fashion-MNIST from %s: %zu training and %zu test images\n\n",
              fashion_mnist::directory(data_options).c_str(), train.size(), test.size());

  Cnn net{Seed{args.seed}};
  Cnn::summary();
  std::puts("");
  Cnn::explain();
  std::puts("");

  auto trainer = make_trainer<CrossEntropy, Adam, Batch<64>>(
      net, Adam{.learning_rate = args.learning_rate.value_or(2e-3)});
  FitOptions options;
  options.shuffle_seed = Seed{args.seed};
  if (args.csv) options.csv = *args.csv;
  // Learning-rate decay after every epoch: large steps first, small ones to settle.
  const double decay = args.decay.value_or(args.epochs <= 4 ? 0.6 : 0.8);
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
  std::fprintf(stderr, "cnn_fashion_mnist: %s\n", e.what());
  return 1;
}
