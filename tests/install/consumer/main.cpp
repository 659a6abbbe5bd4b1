// Uses nerve as an outside project would: a network type, its shapes and its summary.
#include <nerve/nerve.hpp>

#include <iostream>

using Net = nerve::Network<nerve::Input<784>, nerve::Dense<128>, nerve::ReLU, nerve::Dense<10>,
                           nerve::Softmax>;
static_assert(Net::parameter_count == 101'770);

int main() {
  Net::summary(std::cout);
  return Net::output_shape == nerve::Shape<10>{} ? 0 : 1;
}
