// expect: Conv2D's Pad<..> cannot be negative
// To crop an image, slice it before the network; padding only adds zeros.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>, Pad<-1>>, ReLU, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>, Pad<1>>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
