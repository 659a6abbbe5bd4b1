// expect: a network takes one sample as a Tensor of its input shape and scalar type
// Calling a network with a std::vector (pass its data() instead, or a Tensor).
#include <nerve/nerve.hpp>
#include <vector>
using namespace nerve;

using Net = Network<Input<784>, Dense<10>, Softmax>;

int main() {
  Net net;
  std::vector<float> pixels(784);
#ifndef NERVE_FIXED
  return net(pixels)(0) > 2;
#else
  return net(pixels.data())(0) > 2;
#endif
}
