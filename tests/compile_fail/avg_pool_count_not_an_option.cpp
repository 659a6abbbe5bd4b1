// expect: AvgPool's arguments after its padding are options
// A padding given twice, where the options (ExcludePad, CeilMode, ...) go.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 8, 8>, AvgPool<3, Stride<1>, Pad<1>, Valid>, Flatten, Dense<4>>;
#else
using Net = Network<Input<3, 8, 8>, AvgPool<3, Stride<1>, Pad<1>, ExcludePad>, Flatten, Dense<4>>;
#endif

static_assert(Net::output_shape == Shape<4>{});
