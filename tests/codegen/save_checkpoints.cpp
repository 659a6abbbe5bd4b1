// Writes the checkpoints tests/codegen turns into headers: save_checkpoints DIR writes
// DIR/<model>.safetensors for each network of roundtrip_models.hpp (the CNN trained a few steps,
// so that BatchNorm's running statistics are not their start), and the bad files nerve-codegen
// must refuse: a truncated checkpoint, one with a flipped data byte, and one of a network with an
// Activation<expression> (not a layer codegen can rebuild).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include <nerve/io/checkpoint.hpp>

#include "roundtrip_models.hpp"

namespace {

std::vector<char> bytes_of(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void write_bytes(const std::filesystem::path& p, const std::vector<char>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: save_checkpoints DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  using namespace roundtrip;

  cnn a{Seed{1}};
  {
    Trainer<cnn, CrossEntropy, Adam, Batch<4>> trainer(a);
    std::vector<float> x(4 * cnn::input_shape_t::size);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) / 5.0f - 1.0f;
    const std::uint32_t labels[4] = {0, 1, 2, 1};
    for (int i = 0; i < 3; ++i) trainer.step(x.data(), labels);
  }
  save(a, dir / "cnn.safetensors");
  save(cnn_double{Seed{2}}, dir / "cnn_double.safetensors");
  save(language_model{Seed{3}}, dir / "language_model.safetensors");
  save(mlp{Seed{4}}, dir / "mlp.safetensors");
  save(one_hot_lm{Seed{6}}, dir / "one_hot_lm.safetensors");

  auto bytes = bytes_of(dir / "cnn.safetensors");
  write_bytes(dir / "bad_truncated.safetensors", std::vector<char>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2)));
  bytes[bytes.size() - 3] ^= 0x10;
  write_bytes(dir / "bad_checksum.safetensors", bytes);
  save(user_activation{Seed{5}}, dir / "bad_user_layer.safetensors");
  return 0;
}
