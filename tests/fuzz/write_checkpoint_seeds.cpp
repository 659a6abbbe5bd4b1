// Writes the nerve-made seeds of the checkpoint fuzz targets (tests/fuzz/corpus/checkpoint/
// and corpus/codegen_checkpoint/) into the folder given: the networks of checkpoint.hpp saved
// by nerve::save, alone and with a trainer's optimizer state after two steps. Built with the fuzz
// targets (fuzz_write_checkpoint_seeds); run by hand to remake the seeds:
//   build/fuzz/tests/fuzz/fuzz_write_checkpoint_seeds tests/fuzz/corpus/checkpoint
#include <cstdio>
#include <filesystem>
#include <vector>

#include "fuzz/checkpoint.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  using namespace nerve_fuzz::checkpoint_nets;
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);

  Mlp mlp{nerve::Seed{3}};
  nerve::save(mlp, dir / "nerve_mlp.safetensors");
  Cnn cnn{nerve::Seed{4}};
  nerve::save(cnn, dir / "nerve_cnn_batchnorm.safetensors");
  Lstm lstm{nerve::Seed{5}};
  nerve::save(lstm, dir / "nerve_lstm.safetensors");

  std::vector<float> x(2 * 5, 0.5f), y(2 * 3, 0.25f);
  AdamTrainer adam(mlp, nerve::Adam{.learning_rate = 0.01});
  adam.step(x.data(), y.data());
  adam.step(x.data(), y.data());
  nerve::save(adam, dir / "nerve_mlp_adam.safetensors");

  MlpDouble mlp_double{nerve::Seed{6}};
  std::vector<double> xd(2 * 5, 0.5), yd(2 * 3, 0.25);
  SgdTrainer sgd(mlp_double, nerve::SGD{.learning_rate = 0.1, .momentum = 0.9});
  sgd.step(xd.data(), yd.data());
  sgd.step(xd.data(), yd.data());
  nerve::save(sgd, dir / "nerve_mlp_double_sgd.safetensors");
  return 0;
}
