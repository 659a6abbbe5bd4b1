// expect: this Network has an Input but no layers: add at least one layer after Input
// A Network that only declares its input computes nothing.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>>;
#else
using Net = Network<Input<784>, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
