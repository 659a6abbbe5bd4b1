// expect: BatchNorm<momentum, eps> needs eps > 0: it keeps 1 / sqrt(var + eps) finite where a channel's values are all equal
// A negative eps can make var + eps negative, and its square root NaN.
#include <nerve/layers/batch_norm.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<3, 8, 8>, BatchNorm<0.1, -1e-5>, Flatten, Dense<10>, Softmax>;
#else
using Net = Network<Input<3, 8, 8>, BatchNorm<0.1, 1e-5>, Flatten, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
