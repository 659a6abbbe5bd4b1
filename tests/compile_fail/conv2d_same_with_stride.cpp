// expect: Conv2D: Same padding needs stride 1 (as in PyTorch)
// PyTorch refuses padding='same' for strided convolutions too; the explicit Pad<1> is what a
// stride-2 3x3 convolution usually means (nn.Conv2d(.., 3, stride=2, padding=1)).
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 32, 32>, Conv2D<16, Kernel<3, 3>, Stride<2>, Same>, ReLU, GlobalAvgPool, Dense<10>>;
#else
using Net = Network<Input<3, 32, 32>, Conv2D<16, Kernel<3, 3>, Stride<2>, Pad<1>>, ReLU, GlobalAvgPool, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
