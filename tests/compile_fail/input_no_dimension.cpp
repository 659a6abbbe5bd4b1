// expect: Input<> needs at least one dimension, e.g. Input<784> or Input<1, 28, 28>
// Input<> names no sample shape at all.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<>, Dense<10>, Softmax>;
#else
using Net = Network<Input<784>, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
