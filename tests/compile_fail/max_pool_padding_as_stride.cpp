// expect: the second argument of MaxPool is its stride: Stride<S> or Stride<SH, SW>
// PyTorch's MaxPool2d(2, padding=1) names its arguments; nerve's come in order: kernel, stride,
// padding. The padding needs the stride written before it.
#include <nerve/layers/max_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, MaxPool<2, Pad<1>>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, MaxPool<2, Stride<2>, Pad<1>>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
