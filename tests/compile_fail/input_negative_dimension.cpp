// expect: every dimension of Input<...> must be at least 1: a zero or negative size cannot hold a sample
// A negative dimension, e.g. a size computed from constants, one of them wrong.
#include <nerve/nerve.hpp>
using namespace nerve;

constexpr long image_side = 28;
#ifndef NERVE_FIXED
constexpr long border = 32;  // meant: crop 4 pixels off each side
#else
constexpr long border = 4;
#endif

using Net = Network<Input<image_side - 2 * border, image_side - 2 * border>, Flatten, Dense<10>>;

static_assert(Net::output_shape == Shape<10>{});
