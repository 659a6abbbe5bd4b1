// expect: Input<...> may only be the first layer of a Network: remove this Input
// Input describes the sample the network is given; a second one in the middle means nothing.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<64>, ReLU, Input<64>, Dense<10>, Softmax>;
#else
using Net = Network<Input<784>, Dense<64>, ReLU, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
