// expect: the options of a recurrent layer are what it outputs, EverySteps (the default: the whole sequence of h) or LastStep
// A second argument that is not an output option (a Dense's bias policy, by habit).
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<16, 4>, GRU<8, NoBias>, Dense<3>>;
#else
using Net = Network<Input<16, 4>, GRU<8, LastStep>, Dense<3>>;
#endif

static_assert(Net::output_shape == Shape<3>{});
