// expect: AvgPool's padding must be at least 0 and at most half its kernel on each side
// A padding of 2 around a 3x3 window would make windows of padding only (PyTorch refuses it too).
#include <nerve/layers/avg_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, AvgPool<3, Stride<2>, Pad<2>>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, AvgPool<3, Stride<2>, Pad<1>>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
