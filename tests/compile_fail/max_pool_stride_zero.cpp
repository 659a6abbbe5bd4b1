// expect: MaxPool needs a kernel and a stride of at least 1 in each direction: a zero or negative size makes no window (write e.g. MaxPool<2> or MaxPool<3, Stride<2>>)
// A stride of 0 would never move the window.
#include <nerve/layers/max_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, MaxPool<3, Stride<0>>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, MaxPool<3, Stride<2>>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
