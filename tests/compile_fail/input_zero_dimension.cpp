// expect: every dimension of Input<...> must be at least 1: a zero or negative size cannot hold a sample
// A typo in a dimension (28, 0, 1 for 28, 28, 1) would make every sample empty.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<28, 0, 1>, Flatten, Dense<10>, Softmax>;
#else
using Net = Network<Input<28, 28, 1>, Flatten, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
