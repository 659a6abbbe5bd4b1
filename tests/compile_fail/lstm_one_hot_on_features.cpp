// expect: a recurrent layer with OneHot<vocabulary> takes a sequence of token ids, a rank-1 input: Input<steps>
// OneHot on rows that are already one-hot (or features): it reads one id per step.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<16, 64>, LSTM<8, OneHot<64>>, Dense<3>>;
#else
using Net = Network<Input<16>, LSTM<8, OneHot<64>, LastStep>, Dense<3>>;
#endif

static_assert(Net::output_shape == Shape<3>{});
