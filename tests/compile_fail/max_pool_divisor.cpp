// expect: IncludePad, ExcludePad and Divisor<N> are AvgPool's
// Divisor<N> (divisor_override) is AvgPool's: a max pool divides nothing, so nerve refuses the
// option instead of ignoring it.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 9, 9>, MaxPool<3, Stride<2>, Pad<1>, Divisor<4>>, Flatten, Dense<4>>;
#else
using Net = Network<Input<3, 9, 9>, AvgPool<3, Stride<2>, Pad<1>, Divisor<4>>, Flatten, Dense<4>>;
#endif

static_assert(Net::output_shape == Shape<4>{});
