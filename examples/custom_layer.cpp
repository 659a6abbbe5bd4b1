// A user's own layer (examples/user_layers/prelu.hpp) in a network, trained from C++: two
// interleaved spirals, which a linear model cannot separate. Prints the plan nerve made for the
// layer, the derivatives it derived, and the accuracy.
#include <nerve/nerve.hpp>

#include "user_layers/prelu.hpp"

#include <cmath>
#include <cstdint>
#include <iostream>
#include <vector>

using namespace nerve;

using Net = Network<Input<2>, Dense<32>, user::PReLU, Dense<32>, user::PReLU, Dense<2>, Softmax>;

int main() {
  // 400 points per spiral, labels 0 and 1.
  std::vector<float> points;
  std::vector<std::uint32_t> labels;
  Random noise(Seed{7});
  for (int i = 0; i < 400; ++i) {
    const double t = 0.25 + 2.75 * 3.14159265 * i / 400.0;
    for (std::uint32_t c = 0; c < 2; ++c) {
      const double sign = c == 0 ? 1.0 : -1.0;
      points.push_back(static_cast<float>(sign * t * std::cos(t) / 8 + noise.uniform(-0.02, 0.02)));
      points.push_back(static_cast<float>(sign * t * std::sin(t) / 8 + noise.uniform(-0.02, 0.02)));
      labels.push_back(c);
    }
  }
  LabelledData<float, Shape<2>> data(std::move(points), std::move(labels), 2);

  std::cout << "d PReLU / dx = " << expr::to_string(user::PReLU::pointwise::input_gradient)
            << "\nd PReLU / da = " << expr::to_string(user::PReLU::pointwise::parameter_gradient<0>)
            << "\n\n";
  Net::summary();
  Net::explain();

  Net net{Seed{1}};
  auto trainer = make_trainer<CrossEntropy, Adam, Batch<32>>(net, Adam{.learning_rate = 1e-2});
  FitOptions options;
  options.progress.style = ProgressStyle::silent;
  trainer.fit(data, Epochs{60}, options);
  const Evaluation result = trainer.evaluate(data);
  std::cout << "learned slopes of the first PReLU: " << net.parameters<2>().weight(0) << ", "
            << net.parameters<2>().weight(1) << ", ...\n";
  std::cout << "training accuracy " << result.accuracy * 100 << "%\n";
}
