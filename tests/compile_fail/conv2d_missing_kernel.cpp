// expect: the second argument of Conv2D is its kernel size, e.g. Conv2D<32, Kernel<3, 3>>
// PyTorch's habit of a bare number for the kernel size: nerve spells it as a type.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, Conv2D<8, Same>, ReLU, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>, Same>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
