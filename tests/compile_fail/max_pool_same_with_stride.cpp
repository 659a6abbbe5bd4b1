// expect: MaxPool with Same padding needs stride 1 (only then does the output keep the input's size): write MaxPool<K, Stride<1>, Same>, or Pad<P> with a stride
// Same keeps the size at stride 1; at stride 2 it would not be "same".
#include <nerve/layers/max_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, MaxPool<3, Stride<2>, Same>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, MaxPool<3, Stride<1>, Same>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
