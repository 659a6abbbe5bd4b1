// expect: Conv2D's Kernel<kh, kw> needs sizes of at least 1
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<0, 3>>, ReLU, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 28, 28>, Conv2D<8, Kernel<1, 3>>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
