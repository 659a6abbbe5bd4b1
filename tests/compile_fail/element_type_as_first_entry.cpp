// expect: a number type is not an entry of a Network
// Network<...> always computes in float; the element type goes to BasicNetwork.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<double, Input<784>, Dense<10>>;
#else
using Net = BasicNetwork<double, Input<784>, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
