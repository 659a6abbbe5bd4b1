// expect: each kind of AvgPool option may be given at most once
// CeilMode and FloorMode together: one would silently win, so nerve refuses both.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 9, 9>, AvgPool<2, Stride<2>, Valid, CeilMode, FloorMode>, Flatten, Dense<4>>;
#else
using Net = Network<Input<3, 9, 9>, AvgPool<2, Stride<2>, Valid, CeilMode>, Flatten, Dense<4>>;
#endif

static_assert(Net::output_shape == Shape<4>{});
