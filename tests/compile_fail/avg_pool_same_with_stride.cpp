// expect: AvgPool with Same padding needs stride 1
// With a stride the output cannot keep the input's size: give the padding explicitly.
#include <nerve/layers/avg_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, AvgPool<3, Stride<2>, Same>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, AvgPool<3, Stride<2>, Pad<1>>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
