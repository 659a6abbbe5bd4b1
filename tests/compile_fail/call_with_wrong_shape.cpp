// expect: a network takes one sample as a Tensor of its input shape and scalar type
// Calling a network with a tensor of another shape.
#include <nerve/nerve.hpp>
using namespace nerve;

using Net = Network<Input<784>, Dense<10>, Softmax>;

int main() {
  Net net;
#ifndef NERVE_FIXED
  Tensor<float, Shape<28, 28>> image;
#else
  Tensor<float, Shape<784>> image;
#endif
  return net(image)(0) > 2;
}
