// expect: Dense takes a vector, or a sequence of vectors (steps, features) that it applies to at every step: insert Flatten before this Dense
// A LeNet-like net whose Flatten was forgotten: the error names the Dense at position 3, not the
// first layer, and the (1, 28, 28) image it got.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 28, 28>, ReLU, Tanh,
                    Dense<120>, ReLU, Dense<84>, ReLU, Dense<10>, Softmax>;
#else
using Net = Network<Input<1, 28, 28>, ReLU, Tanh, Flatten,
                    Dense<120>, ReLU, Dense<84>, ReLU, Dense<10>, Softmax>;
#endif

static_assert(Net::output_shape == Shape<10>{});
