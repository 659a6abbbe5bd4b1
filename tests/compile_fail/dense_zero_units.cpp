// expect: Dense<units> needs at least 1 unit: a zero or negative number of units makes an empty layer
// Dense<0> has no outputs.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<0>, ReLU, Dense<10>>;
#else
using Net = Network<Input<784>, Dense<64>, ReLU, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
