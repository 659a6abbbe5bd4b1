// save_nerve_checkpoints OUTPUT_DIR: nerve's side of the CTest torch.nerve_checkpoints_in_pytorch.
// Saves nerve networks of the four architectures of tests/torch/models.py with nerve::save, with
// nerve's own random weights, and writes their outputs for fixed inputs, for
// tests/torch/check_nerve_checkpoint.py to load in PyTorch and compare:
//
//   OUTPUT_DIR/<name>.safetensors   mlp: save(net); cnn: save(trainer) after 3 Adam steps (BatchNorm's
//                                   running statistics and num_batches_tracked moved, "optimizer."
//                                   arrays in the file); lstm: save(trainer) after 3 steps of SGD
//                                   with momentum; gru: save(net)
//   OUTPUT_DIR/outputs.json         {"<name>": {"samples": 3, "input": [...], "output": [...]}},
//                                   nerve's batch-1 inference outputs, sample after sample
#include <nerve/io/checkpoint.hpp>
#include <nerve/io/json.hpp>
#include <nerve/nerve.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

using namespace nerve;

using Mlp = Network<Input<5>, Dense<7>, Tanh, Dense<3>>;
using Cnn = Network<Input<1, 11, 9>, Conv2D<3, Kernel<3, 3>, Stride<2>, Pad<1>>, BatchNorm<>, ReLU,
                    MaxPool<2>, Flatten, Dense<4>>;
using Lstm = Network<Input<6, 3>, LSTM<5>, Dense<2>>;
using Gru = Network<Input<6, 3>, GRU<5>, Dense<2>>;

constexpr std::size_t samples = 3;

// n values in about [-1.5, 1.5], different for each seed.
std::vector<float> values(std::size_t n, double seed) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<float>(1.5 * std::sin(0.7 * static_cast<double>(i) + seed) *
                              std::cos(0.13 * static_cast<double>(i * i) + 2 * seed));
  return v;
}

// Doubles as JSON numbers: 17 significant digits, which read back to the same double.
void write_numbers(std::string& out, const std::vector<double>& v) {
  out += '[';
  char text[32];
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::snprintf(text, sizeof text, "%s%.17g", i ? ", " : "", v[i]);
    out += text;
  }
  out += ']';
}

// {"samples": 3, "input": [...], "output": [...]}
template <class Net>
std::string outputs_of(Net& net, double seed) {
  constexpr std::size_t in = Net::input_shape_t::size, out = Net::output_shape_t::size;
  const auto x = values(samples * in, seed);
  std::vector<double> y;
  for (std::size_t s = 0; s < samples; ++s) {
    const auto ys = net(x.data() + s * in);
    for (std::size_t j = 0; j < out; ++j) y.push_back(ys.data()[j]);
  }
  std::string json = "{\"samples\": " + std::to_string(samples) + ", \"input\": ";
  write_numbers(json, std::vector<double>(x.begin(), x.end()));
  json += ", \"output\": ";
  write_numbers(json, y);
  return json + "}";
}

// {"mlp": {...}, "cnn": {...}}, in the order given.
std::string object_of(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string json = "{";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i) json += ",\n ";
    json::write_string(json, members[i].first);
    json += ": " + members[i].second;
  }
  return json + "}";
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    std::vector<std::pair<std::string, std::string>> outputs;

    Mlp mlp{Seed{21}};
    save(mlp, dir / "mlp.safetensors");
    outputs.emplace_back("mlp", outputs_of(mlp, 1));

    Cnn cnn{Seed{22}};
    {
      Trainer<Cnn, CrossEntropy, Adam, Batch<4>> trainer(cnn, Adam{.learning_rate = 0.05});
      const auto x = values(4 * Cnn::input_shape_t::size, 7);
      std::vector<float> shifted(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) shifted[i] = 2 * x[i] + 0.5f;  // mean 0.5, not 1
      const std::uint32_t labels[4] = {0, 1, 2, 3};
      for (int i = 0; i < 3; ++i) trainer.step(shifted.data(), labels);
      save(trainer, dir / "cnn.safetensors");
    }
    outputs.emplace_back("cnn", outputs_of(cnn, 2));

    Lstm lstm{Seed{23}};
    {
      Trainer<Lstm, MeanSquaredError, SGD, Batch<2>> trainer(
          lstm, SGD{.learning_rate = 0.1, .momentum = 0.9});
      const auto x = values(2 * Lstm::input_shape_t::size, 8);
      const auto t = values(2 * Lstm::output_shape_t::size, 9);
      for (int i = 0; i < 3; ++i) trainer.step(x.data(), t.data());
      save(trainer, dir / "lstm.safetensors");
    }
    outputs.emplace_back("lstm", outputs_of(lstm, 3));

    Gru gru{Seed{24}};
    save(gru, dir / "gru.safetensors");
    outputs.emplace_back("gru", outputs_of(gru, 4));

    std::ofstream(dir / "outputs.json") << object_of(outputs) << "\n";
    std::printf("wrote mlp, cnn (trainer, Adam), lstm (trainer, SGD), gru checkpoints and outputs.json in %s\n",
                dir.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "save_nerve_checkpoints: %s\n", e.what());
    return 1;
  }
}
