// expect: GlobalAvgPool averages each channel of an image (channels, height, width), a rank-3 input, and this one is not: put it after the convolutions, before Flatten (it gives a vector itself, so no Flatten is needed after it)
// After Flatten there are no channels left to average.
#include <nerve/layers/global_avg_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<16, 7, 7>, Flatten, GlobalAvgPool, Dense<10>>;
#else
using Net = Network<Input<16, 7, 7>, GlobalAvgPool, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
