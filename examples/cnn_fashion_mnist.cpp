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

int main(int argc, char** argv) {
  // 15 epochs from 2e-3, x0.8 per epoch; --quick: 3 epochs, x0.6.
  return example::train_and_report<Cnn, 64>("cnn_fashion_mnist", argc, argv,
                                            {.epochs = 15, .quick_epochs = 3,
                                             .learning_rate = 2e-3, .decay = 0.8,
                                             .quick_decay = 0.6});
}
