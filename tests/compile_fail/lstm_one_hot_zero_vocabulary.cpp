// expect: OneHot<vocabulary> needs a vocabulary of at least 1 token
// A vocabulary size left at zero.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<16>, GRU<8, OneHot<0>>, Dense<3>>;
#else
using Net = Network<Input<16>, GRU<8, OneHot<5>>, Dense<3>>;
#endif

static_assert(Net::output_shape == Shape<16, 3>{});
