// expect: nerve::Network<> is empty: start it with Input<dims...> and add layers
// A Network with no entries at all.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<>;
#else
using Net = Network<Input<784>, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
