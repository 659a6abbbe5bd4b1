// expect: AvgPool needs a kernel and a stride of at least 1 in each direction: a zero or negative size makes no window (write e.g. AvgPool<2> or AvgPool<3, Stride<2>>)
// A 0x0 window has nothing to average.
#include <nerve/layers/avg_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, AvgPool<0>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, AvgPool<2>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
