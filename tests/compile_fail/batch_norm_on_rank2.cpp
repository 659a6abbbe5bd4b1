// expect: BatchNorm normalises a vector (Shape<N>, per feature, as nn.BatchNorm1d) or an image (Shape<C, H, W>, per channel, as nn.BatchNorm2d), and this input has another rank
// A (16, 64) input has no axis BatchNorm knows as its channels.
#include <nerve/layers/batch_norm.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<16, 64>, BatchNorm<>, Flatten, Dense<10>, Softmax>;
#else
using Net = Network<Input<16, 64>, Flatten, BatchNorm<>, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
