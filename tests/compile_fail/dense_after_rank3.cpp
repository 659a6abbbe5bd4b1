// expect: Dense takes a vector, or a sequence of vectors (steps, features) that it applies to at every step: insert Flatten before this Dense
// Dense multiplies a matrix by a vector; a (4, 4, 16) feature map is not one.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<4, 4, 16>, Dense<10>>;
#else
using Net = Network<Input<4, 4, 16>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
