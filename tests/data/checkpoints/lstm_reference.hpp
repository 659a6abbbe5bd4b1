// Written by tests/torch/make_fixtures.py (PyTorch 1.13.0a0, torch.manual_seed(13)):
// 3 samples of input (6, 3) for the model "lstm" of tests/torch/models.py and
// PyTorch's float32 output (6, 2) per sample for them, with the weights of
// lstm.safetensors, model.eval(). Do not edit: run the script again.
#pragma once

#include <cstddef>

namespace checkpoint_fixtures {

struct lstm {
  static constexpr std::size_t samples = 3;
  static constexpr std::size_t input_size = 18;   // one sample, 6x3
  static constexpr std::size_t output_size = 12;  // one sample, 6x2

  static constexpr float input[samples * input_size] = {
      6.395238e-01f, -6.1304e-01f, 6.749241e-01f, 1.1027902e+00f, 1.8926653e-01f, -9.348207e-01f,
      -8.1069565e-01f, -8.196884e-02f, -6.9543296e-01f, -2.0742962e+00f, 4.9247798e-01f, 2.1490033e-01f,
      -4.7159317e-01f, -7.6581234e-01f, -2.6714817e-01f, -6.3470125e-01f, -1.2112309e+00f, 1.7930064e+00f,
      9.3201613e-01f, -1.507466e+00f, -3.4716094e-01f, 9.070918e-02f, -6.9737417e-01f, 6.3658714e-01f,
      -3.0519608e-01f, -2.2904943e-01f, -1.1310865e+00f, -1.0626032e+00f, -3.8635087e-01f, -3.209396e-01f,
      -1.6768426e-01f, -1.8072934e+00f, 1.4084941e+00f, -1.8525192e-01f, -1.3571482e+00f, 2.3688148e-01f,
      9.267728e-01f, -1.4353061e+00f, -7.065151e-01f, -6.3078374e-01f, -2.8483546e-01f, -2.2172303e+00f,
      8.326071e-01f, -1.1985879e+00f, 3.563559e-01f, 1.3168359e+00f, -5.065835e-03f, -1.5838009e+00f,
      9.8087436e-01f, 1.1477728e+00f, 1.5187972e+00f, 6.60291e-01f, 9.8629767e-01f, 9.969068e-01f};

  static constexpr float output[samples * output_size] = {
      -1.4449832e-01f, 2.8072767e-02f, -1.5419987e-01f, 4.4824414e-02f, -8.987913e-02f, 9.4539076e-02f,
      -3.0169316e-02f, 1.4089054e-01f, -4.7768697e-02f, 1.6444373e-01f, -7.5469e-02f, 1.2628452e-01f,
      -1.4583927e-01f, -8.210845e-03f, -1.3147993e-01f, 2.6328081e-02f, -9.243901e-02f, 8.324076e-02f,
      -4.7115624e-02f, 1.155578e-01f, -1.0930306e-01f, 8.5446544e-02f, -1.1735963e-01f, 7.4552104e-02f,
      -1.333389e-01f, 3.0514337e-03f, -6.072472e-02f, 8.2197696e-02f, -1.4490306e-01f, 5.0991975e-02f,
      -1.5198928e-01f, 5.7954624e-02f, -2.0772234e-01f, 1.2614515e-01f, -2.1944758e-01f, 1.3000536e-01f};
};

}  // namespace checkpoint_fixtures
