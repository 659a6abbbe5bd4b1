// expect: Conv2D's kernel (with its dilation) is larger than its padded input
// The image declared as (height, width, channels), Keras's order: Conv2D reads (28, 28, 1) as 28
// channels of 28 x 1 pixels, and no 5x5 kernel fits a plane one pixel wide.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<28, 28, 1>, Conv2D<6, Kernel<5, 5>>, ReLU, MaxPool<2>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, Conv2D<6, Kernel<5, 5>>, ReLU, MaxPool<2>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
