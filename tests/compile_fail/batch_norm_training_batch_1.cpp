// expect: BatchNorm in training needs more than 1 value per channel (batch * height * width > 1) to compute a variance
// Training a vector BatchNorm with a batch of 1: each feature has one value and no variance
// (PyTorch: "Expected more than 1 value per channel when training"). Inference at batch 1 is fine.
// The sentence is the first error wherever a training pass is compiled; step() and fit() put a few
// more "required from" lines of the trainer above it than this training forward pass does.
#include <nerve/layers/batch_norm.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

using Net = Network<Input<20>, Dense<16>, BatchNorm<>, ReLU, Dense<3>, Softmax>;
#ifndef NERVE_FIXED
constexpr std::size_t batch = 1;
#else
constexpr std::size_t batch = 2;
#endif

const float* train_forward(Trainer<Net, CrossEntropy, SGD, Batch<batch>>& trainer, const float* x) {
  return trainer.forward(x, 20);
}

// The same network at batch 1 for inference compiles either way.
const float* infer(Net& net, const float* x) { return net(x).data(); }
