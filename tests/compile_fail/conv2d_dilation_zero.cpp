// expect: Conv2D's Dilation<..> must be at least 1 (1: no gaps between taps)
// PyTorch's dilation counts the step between taps, so no gaps is 1, not 0.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>, Dilation<0>>, ReLU, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>, Dilation<1>>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
