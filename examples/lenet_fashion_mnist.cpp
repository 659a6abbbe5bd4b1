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

int main(int argc, char** argv) {
  // 15 epochs from 2e-3, x0.8 per epoch; --quick: 5 epochs, x0.65.
  return example::train_and_report<LeNet, 32>("lenet_fashion_mnist", argc, argv,
                                              {.epochs = 15, .quick_epochs = 5,
                                               .learning_rate = 2e-3, .decay = 0.8,
                                               .quick_decay = 0.65});
}
