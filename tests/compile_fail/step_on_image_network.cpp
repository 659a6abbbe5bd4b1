// expect: step() runs a sequence network one step at a time
// step() on a network whose parameters depend on the whole input (a Dense after Flatten).
#include <nerve/nerve.hpp>
using namespace nerve;

int main() {
#ifndef NERVE_FIXED
  using Net = Network<Input<8, 3>, Flatten, Dense<4>>;
#else
  using Net = Network<Input<8, 3>, LSTM<4>>;
#endif
  Net net;
  Net::StepState state;
  float x[3] = {1, 2, 3};
  return static_cast<int>(net.step(x, state).data()[0]);
}
