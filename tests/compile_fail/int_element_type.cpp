// expect: nerve networks compute in float or double: use Network<...> (float) or BasicNetwork<double, ...>
// nerve has no integer (quantised) networks: weights and activations are float or double.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = BasicNetwork<int, Input<784>, Dense<10>>;
#else
using Net = BasicNetwork<double, Input<784>, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
