// expect: Conv2D's input channels must divide into its Groups<g>
// Three channels cannot be cut into two groups (PyTorch: in_channels must be divisible by groups).
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 8, 8>, Conv2D<4, Kernel<3, 3>, Groups<2>>, ReLU, Flatten, Dense<10>>;
#else
using Net = Network<Input<4, 8, 8>, Conv2D<4, Kernel<3, 3>, Groups<2>>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
