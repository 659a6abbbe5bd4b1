// expect: a recurrent layer needs a hidden size of at least 1, e.g. LSTM<128>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<16, 4>, LSTM<0>, Dense<3>>;
#else
using Net = Network<Input<16, 4>, LSTM<1>, Dense<3>>;
#endif

static_assert(Net::output_shape == Shape<16, 3>{});
