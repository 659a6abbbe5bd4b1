// expect: MaxPool's padding must be at least 0 and at most half its kernel on each side (PyTorch's rule, pad <= kernel / 2), so that every window holds a value of the input: reduce the padding or enlarge the kernel
// Padding 2 around a 3x3 window: the corner windows would hold padding only.
#include <nerve/layers/max_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, MaxPool<3, Stride<2>, Pad<2>>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, MaxPool<3, Stride<2>, Pad<1>>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
