// expect: each kind of Conv2D option may be given at most once
// Two strides: a second Stride<..> would silently win or lose, so nerve refuses both.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 32, 32>, Conv2D<16, Kernel<3, 3>, Stride<2>, Pad<1>, Stride<1>>, ReLU,
                    Flatten, Dense<10>>;
#else
using Net = Network<Input<3, 32, 32>, Conv2D<16, Kernel<3, 3>, Stride<2>, Pad<1>>, ReLU, Flatten,
                    Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
