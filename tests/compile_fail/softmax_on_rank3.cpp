// expect: Softmax normalises a vector of scores (or each step of a sequence): insert Flatten (and usually Dense<classes>) before this Softmax
// Softmax over a (4, 4, 16) feature map has no single axis of class scores.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<4, 4, 16>, ReLU, Softmax>;
#else
using Net = Network<Input<4, 4, 16>, ReLU, Flatten, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
