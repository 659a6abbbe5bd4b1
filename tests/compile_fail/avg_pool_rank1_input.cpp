// expect: AvgPool takes an image (channels, height, width), a rank-3 input, and this one is not: start the network with Input<C, H, W> (e.g. Input<1, 28, 28>) and pool before Flatten
// A flat vector of 784 pixels has no rows and columns to pool over.
#include <nerve/layers/avg_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<784>, AvgPool<2>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, AvgPool<2>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
