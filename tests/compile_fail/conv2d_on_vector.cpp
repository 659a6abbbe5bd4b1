// expect: Conv2D takes an image of shape (channels, height, width), PyTorch's CHW
// A convolution after Flatten: the vector has no planes left to slide a kernel over.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, Flatten, Conv2D<6, Kernel<5, 5>>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, Conv2D<6, Kernel<5, 5>>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
