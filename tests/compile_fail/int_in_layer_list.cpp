// expect: this type is not a nerve layer: every type after Input must be a layer such as Dense<N>, Flatten, ReLU or Softmax
// A type that is no layer at all (here int) in the list of layers; the error gives its position.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<64>, int, Dense<10>>;
#else
using Net = Network<Input<784>, Dense<64>, ReLU, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
