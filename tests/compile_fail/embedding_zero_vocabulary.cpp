// expect: Embedding<vocabulary, dim> needs a vocabulary of at least 1 token
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<32>, Embedding<0, 16>, LSTM<8>>;
#else
using Net = Network<Input<32>, Embedding<10, 16>, LSTM<8>>;
#endif

static_assert(Net::output_shape == Shape<32, 8>{});
