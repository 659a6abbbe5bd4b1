// Written by tests/torch/make_fixtures.py (PyTorch 1.13.0a0, torch.manual_seed(11)):
// 3 samples of input (5,) for the model "mlp" of tests/torch/models.py and
// PyTorch's float32 output (3,) per sample for them, with the weights of
// mlp.safetensors, model.eval(). Do not edit: run the script again.
#pragma once

#include <cstddef>

namespace checkpoint_fixtures {

struct mlp {
  static constexpr std::size_t samples = 3;
  static constexpr std::size_t input_size = 5;   // one sample, 5
  static constexpr std::size_t output_size = 3;  // one sample, 3

  static constexpr float input[samples * input_size] = {
      8.0226105e-01f, 1.3837883e-01f, 1.15191236e-01f, -1.5626009e+00f, -3.966919e-01f, 6.7371637e-01f,
      8.559182e-01f, 6.2530446e-01f, -1.0993232e-01f, -1.015879e+00f, 5.1084316e-01f, 2.2133447e-01f,
      -5.0501186e-01f, 1.2971823e-01f, -5.1001664e-02f};

  static constexpr float output[samples * output_size] = {
      -8.714542e-02f, 2.5239408e-01f, 6.9274604e-02f, 3.420788e-02f, 1.7810962e-01f, 4.725809e-01f,
      -1.550993e-01f, 3.9354855e-01f, 2.941952e-01f};
};

}  // namespace checkpoint_fixtures
