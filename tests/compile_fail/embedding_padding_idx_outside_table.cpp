// expect: PaddingIdx<id> must be an id of the table
// The padding id one past the table (PyTorch: "Padding_idx must be within num_embeddings").
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<32>, Embedding<10, 16, PaddingIdx<10>>, LSTM<8>>;
#else
using Net = Network<Input<32>, Embedding<10, 16, PaddingIdx<-1>>, LSTM<8>>;
#endif

static_assert(Net::output_shape == Shape<32, 8>{});
