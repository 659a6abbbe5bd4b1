// expect: every dimension of Input<...> must be at least 1: a zero or negative size cannot hold a sample
// A typo in a dimension (1, 0, 28 for 1, 28, 28) would make every sample empty.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 0, 28>, Flatten, Dense<10>, Softmax>;
#else
using Net = Network<Input<1, 28, 28>, Flatten, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
