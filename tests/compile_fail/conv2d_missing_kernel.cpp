// expect: the second argument of Conv2D is its kernel size, e.g. Conv2D<32, Kernel<3, 3>>
// A Conv2D whose kernel size is left out. (A bare number in its place, Conv2D<8, 3>, is refused
// by the compiler itself before nerve sees it: see "A bare number for a kernel size".)
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, Conv2D<8, Same>, ReLU, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<3, 3>, Same>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
