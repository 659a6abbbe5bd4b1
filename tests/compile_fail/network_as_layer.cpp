// expect: this type is not a nerve layer: every type after Input must be a layer such as Dense<N>, Flatten, ReLU or Softmax
// A Network is not a layer: networks do not nest. Write the block's layers into the outer list.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Block = Network<Input<784>, Dense<64>, ReLU>;
using Net = Network<Input<784>, Block, Dense<10>, Softmax>;
#else
using Net = Network<Input<784>, Dense<64>, ReLU, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
