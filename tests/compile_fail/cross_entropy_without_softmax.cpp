// expect: CrossEntropy needs probabilities: end the network with Softmax
// Cross-entropy is fused with a final Softmax into one stable kernel; without one there is
// nothing to fuse and the outputs are not probabilities.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<10>>;
#else
using Net = Network<Input<784>, Dense<10>, Softmax>;
#endif

void train(Net& net) {
  Trainer<Net, CrossEntropy, Adam, Batch<64>> trainer(net);
  (void)trainer;
}
