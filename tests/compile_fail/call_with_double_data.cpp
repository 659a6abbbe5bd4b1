// expect: a network takes one sample as a Tensor of its input shape and scalar type
// Calling a float network with double data.
#include <nerve/nerve.hpp>
using namespace nerve;

using Net = Network<Input<4>, Dense<2>>;

int main() {
  Net net;
#ifndef NERVE_FIXED
  Tensor<double, Shape<4>> x;
#else
  Tensor<float, Shape<4>> x;
#endif
  return net(x)(0) > 2;
}
