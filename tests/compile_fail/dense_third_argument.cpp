// expect: the third argument of Dense is its initialiser: Auto (the default), Glorot, He, HeNormal or TorchDefault
// The third argument of Dense chooses how its weights are drawn; it is not an element type
// (that is the first argument of BasicNetwork).
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, Dense<10, WithBias, float>>;
#else
using Net = Network<Input<784>, Dense<10, WithBias, Glorot>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
