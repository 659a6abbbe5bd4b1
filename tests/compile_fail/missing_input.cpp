// expect: a nerve::Network must start with Input<dims...>: add Input<...> as its first layer
// The first entry of a Network is the shape of one sample; without it no layer knows its input.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Dense<128>, ReLU, Dense<10>, Softmax>;
#else
using Net = Network<Input<784>, Dense<128>, ReLU, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
