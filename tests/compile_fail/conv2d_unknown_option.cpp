// expect: Conv2D's options after the kernel are Stride<..>, a padding (Valid, Same, Pad<..>), Dilation<..>, Groups<..>, NoBias and an initialiser
// The activation written inside the convolution's brackets: it is a layer of its own, after it
// (and fused into it all the same).
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>, ReLU>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
