// expect: an element-wise layer must give its function as an expression
// A hand-made activation must say what it computes, so the network can fuse it and derive it.
#include <nerve/nerve.hpp>
using namespace nerve;
using nerve::expr::x;

#ifndef NERVE_FIXED
struct Swish : elementwise_layer {
  static std::string name() { return "Swish"; }
};
#else
using Swish = Activation<x * expr::sigmoid(x)>;
#endif

using Net = Network<Input<16>, Dense<8>, Swish, Dense<1>>;
static_assert(Net::output_shape == Shape<1>{});
