// expect: AvgPool's Divisor<N> divides every window's sum by N, so N must not be 0
// Divisor<N> is PyTorch's divisor_override, which refuses 0 too.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 8, 8>, AvgPool<3, Stride<1>, Pad<1>, Divisor<0>>, Flatten, Dense<4>>;
#else
using Net = Network<Input<3, 8, 8>, AvgPool<3, Stride<1>, Pad<1>, Divisor<9>>, Flatten, Dense<4>>;
#endif

static_assert(Net::output_shape == Shape<4>{});
