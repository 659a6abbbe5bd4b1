// expect: Embedding takes a sequence of token ids, a rank-1 input: Input<steps> (one id per step)
// One-hot rows given to an Embedding: it wants the ids themselves.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<32, 64>, Embedding<64, 16>, LSTM<8>, Dense<64>, Softmax>;
#else
using Net = Network<Input<32>, Embedding<64, 16>, LSTM<8>, Dense<64>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<32, 64>{});
