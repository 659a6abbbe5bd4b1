// expect: CrossEntropy reads logits: end the network with the last Dense
// CrossEntropy takes the logits (it computes log-softmax itself) or a final Softmax; a network
// that ends in another activation gives neither: Sigmoid's outputs squash the logits, and one
// sigmoid probability per output is BinaryCrossEntropy's input.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<10>, Sigmoid>;
#else
using Net = Network<Input<784>, Dense<10>>;
#endif

void train(Net& net) {
  Trainer<Net, CrossEntropy, Adam, Batch<64>> trainer(net);
  (void)trainer;
}
