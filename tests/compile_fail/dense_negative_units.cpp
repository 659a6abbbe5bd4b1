// expect: Dense<units> needs at least 1 unit: a zero or negative number of units makes an empty layer
// A negative unit count, e.g. from a size computed the wrong way round.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<-5>>;
#else
using Net = Network<Input<784>, Dense<5>>;
#endif

static_assert(Net::output_shape == Shape<5>{});
