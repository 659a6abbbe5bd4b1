// Trains an MLP (784-256-128-10) on Fashion-MNIST and measures it: the network's summary and
// fusion plan, progress and test accuracy per epoch, time per epoch, batch-1 inference latency and
// the test confusion matrix (examples/fashion_mnist_report.hpp, shared with the CNN examples).
//
//   mlp_fashion_mnist [--epochs N] [--quick] [--limit N] [--csv history.csv] [--seed S]
//                     [--learning-rate R] [--decay F]
//
// With no arguments: 10 epochs. --quick: 3 epochs.
// The data are Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), or the
// folder in $NERVE_FASHION_MNIST_DIR.
#include "fashion_mnist_report.hpp"

#include <nerve/io/fashion_mnist.hpp>
#include <nerve/nerve.hpp>

using namespace nerve;

using Mlp = Network<Input<1, 28, 28>, Flatten,
                    Dense<256>, ReLU,
                    Dense<128>, ReLU,
                    Dense<10>, Softmax>;

static_assert(Mlp::parameter_count == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);

int main(int argc, char** argv) {
  // 10 epochs from 1e-3, x0.8 per epoch (which steadies the last epochs); --quick: 3 epochs.
  return example::train_and_report<Mlp, 64>("mlp_fashion_mnist", argc, argv,
                                            {.epochs = 10, .quick_epochs = 3,
                                             .learning_rate = 1e-3, .decay = 0.8,
                                             .quick_decay = 0.8});
}
