// expect: Dropout<rate> needs a rate in [0, 1), the probability of zeroing an element: 0 keeps every element and 1 would zero them all
// Dropout<1.0> would zero every element (and scale the survivors by 1 / 0).
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<128>, ReLU, Dropout<1.0>, Dense<10>, Softmax>;
#else
using Net = Network<Input<784>, Dense<128>, ReLU, Dropout<0.5>, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
