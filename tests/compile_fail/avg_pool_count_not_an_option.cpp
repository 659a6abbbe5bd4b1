// expect: the fourth argument of AvgPool is how its padding counts in the mean
// A padding given twice, where the fourth argument says whether the padding counts in the mean.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 8, 8>, AvgPool<3, Stride<1>, Pad<1>, Valid>, Flatten, Dense<4>>;
#else
using Net = Network<Input<3, 8, 8>, AvgPool<3, Stride<1>, Pad<1>, ExcludePad>, Flatten, Dense<4>>;
#endif

static_assert(Net::output_shape == Shape<4>{});
