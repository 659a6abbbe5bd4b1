// expect: a recurrent layer (SimpleRNN, LSTM, GRU) takes a sequence, a rank-2 input (steps, features)
// An LSTM after Flatten: a vector has no steps to run over.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<16, 4>, Flatten, LSTM<8>, Dense<3>>;
#else
using Net = Network<Input<16, 4>, LSTM<8, LastStep>, Dense<3>>;
#endif

static_assert(Net::output_shape == Shape<3>{});
