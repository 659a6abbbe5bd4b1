// Written by tests/torch/make_fixtures.py (PyTorch 1.13.0a0, torch.manual_seed(14)):
// 3 samples of input (6, 3) for the model "gru" of tests/torch/models.py and
// PyTorch's float32 output (6, 2) per sample for them, with the weights of
// gru.safetensors, model.eval(). Do not edit: run the script again.
#pragma once

#include <cstddef>

namespace checkpoint_fixtures {

struct gru {
  static constexpr std::size_t samples = 3;
  static constexpr std::size_t input_size = 18;   // one sample, 6x3
  static constexpr std::size_t output_size = 12;  // one sample, 6x2

  static constexpr float input[samples * input_size] = {
      -2.6129952e-01f, 5.459824e-01f, -5.804332e-01f, -5.5169106e-01f, 3.3282357e-01f, 5.6918174e-01f,
      4.1213486e-02f, 1.1513224e+00f, -4.9926192e-01f, 1.3488522e+00f, -2.1684067e+00f, 2.1525784e+00f,
      3.5906667e-01f, -6.107147e-01f, 6.476151e-02f, 1.0997677e+00f, -4.5710006e-01f, -2.7689344e-01f,
      -8.422316e-01f, -2.7988142e-01f, -1.5919721e+00f, 1.0498673e+00f, 1.1941545e+00f, -1.1317097e+00f,
      -6.944404e-01f, -1.6107049e+00f, 4.345106e-01f, -2.735892e-01f, -3.2513273e-01f, -8.529167e-01f,
      -4.3162477e-01f, 3.1873217e-01f, -4.1168985e-01f, -8.4750526e-02f, 9.482925e-01f, -2.4210723e-02f,
      1.236922e+00f, -1.1805446e-01f, -1.0595076e+00f, 2.7708385e+00f, -1.0853698e+00f, -1.2431363e-01f,
      -1.2999458e+00f, 3.572625e-01f, -2.5770729e+00f, -2.2873561e-01f, 1.4758117e+00f, -8.721751e-01f,
      1.0534824e+00f, -3.6350763e-01f, -1.705286e-01f, -1.5958083e+00f, -1.0794067e+00f, 1.1355929e+00f};

  static constexpr float output[samples * output_size] = {
      -1.1822322e-01f, 1.394628e-01f, -1.8546434e-01f, 3.582074e-01f, -2.786616e-01f, 3.3511978e-01f,
      6.716872e-02f, 3.5740286e-01f, 1.4166404e-01f, 3.0356365e-01f, 1.7887904e-01f, 2.5916052e-01f,
      2.6202384e-02f, -2.225241e-02f, -7.4306145e-02f, 9.9022545e-02f, 1.3578519e-01f, 1.781604e-01f,
      1.2605369e-01f, 1.5330794e-01f, -2.233849e-02f, 2.3802346e-01f, -1.9854103e-01f, 3.527916e-01f,
      3.6117412e-02f, 5.6101874e-02f, 2.4672167e-01f, 1.5199934e-01f, 3.46772e-02f, -1.3442327e-01f,
      -1.8215826e-01f, 9.105807e-02f, -1.7390829e-02f, 2.2401795e-01f, 1.4549137e-02f, 3.4625742e-01f};
};

}  // namespace checkpoint_fixtures
