// expect: Conv2D's filters must divide into its Groups<g>
// Six filters in four groups: each group needs the same number of filters.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<4, 8, 8>, Conv2D<6, Kernel<3, 3>, Groups<4>>, ReLU, Flatten, Dense<10>>;
#else
using Net = Network<Input<4, 8, 8>, Conv2D<8, Kernel<3, 3>, Groups<4>>, ReLU, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
