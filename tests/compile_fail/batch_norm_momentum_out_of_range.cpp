// expect: BatchNorm<momentum> needs a momentum in [0, 1], the weight of each batch's statistics in the running ones
// A momentum of 1.5 would overshoot the batch's statistics at every step.
#include <nerve/layers/batch_norm.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, BatchNorm<1.5>, Flatten, Dense<10>, Softmax>;
#else
using Net = Network<Input<1, 28, 28>, BatchNorm<0.1>, Flatten, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
