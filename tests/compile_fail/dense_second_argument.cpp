// expect: the second argument of Dense is WithBias (the default) or NoBias
// The second argument of Dense is its bias policy, not an element type.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<10, int>>;
#else
using Net = Network<Input<784>, Dense<10, NoBias>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
