// expect: this type is not a nerve layer: every type after Input must be a layer such as Dense<N>, Flatten, ReLU or Softmax (a layer derives from nerve::layer and has a static name())
// A user's own activation written as a plain struct: it is not a layer, even with a name().
// An activation of your own is Activation<f> with f an expression of nerve::expr::x.
#include <cmath>   // std::exp
#include <string>

#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
struct Swish {
  static std::string name() { return "Swish"; }
  static float apply(float v) { return v / (1.0f + std::exp(-v)); }
};
#else
using nerve::expr::x;
using Swish = Activation<x * expr::sigmoid(x)>;
#endif

using Net = Network<Input<784>, Dense<64>, Swish, Dense<10>, Softmax>;

static_assert(Net::output_shape == Shape<10>{});

// Not only the shapes: the fixed network can be built and run.
float first_score(const float* image) {
  Net net{Seed{1}};
  return net(image)(0);
}
