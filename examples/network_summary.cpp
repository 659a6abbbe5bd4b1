// Declares networks as types and prints what the compiler knows about them.
#include <nerve/nerve.hpp>

#include <iostream>

using namespace nerve;

using Mlp = Network<Input<784>, Dense<128>, ReLU, Dense<10>, Softmax>;
using Deep = Network<Input<1, 28, 28>, Flatten, Dense<256>, Tanh, Dense<128>, LeakyReLU<0.1>,
                     Dense<10, NoBias>, Sigmoid>;

// Shapes and sizes are compile-time values: a budget can be checked before the program exists.
static_assert(Mlp::output_shape == Shape<10>{});
static_assert(Mlp::parameter_count == 101'770);
static_assert(Deep::shape_after<1> == Shape<784>{});

int main() {
  std::cout << "Mlp\n";
  Mlp::summary();
  std::cout << "\nDeep\n";
  Deep::summary();
}
