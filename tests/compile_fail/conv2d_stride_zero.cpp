// expect: Conv2D's Stride<..> must be at least 1: a stride of 0 never moves the kernel
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 32, 32>, Conv2D<16, Kernel<3, 3>, Stride<0>>, ReLU, Flatten, Dense<10>>;
#else
using Net = Network<Input<3, 32, 32>, Conv2D<16, Kernel<3, 3>, Stride<1>>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
