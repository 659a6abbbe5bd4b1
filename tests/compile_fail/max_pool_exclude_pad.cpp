// expect: MaxPool's argument after its padding is how windows are counted
// ExcludePad is AvgPool's (count_include_pad): a max pool never counts its padding, so nerve
// refuses the option instead of ignoring it.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 9, 9>, MaxPool<3, Stride<2>, Pad<1>, ExcludePad>, Flatten, Dense<4>>;
#else
using Net = Network<Input<3, 9, 9>, MaxPool<3, Stride<2>, Pad<1>, CeilMode>, Flatten, Dense<4>>;
#endif

static_assert(Net::output_shape == Shape<4>{});
