// tests/fuzz/checkpoint.hpp: the checkpoint loader (nerve/io/checkpoint.hpp) on any bytes:
// checkpoint::read_file, then nerve::load into networks whose arrays match the seeds (PyTorch's
// MLP, CNN with BatchNorm's I64 count, LSTM and GRU fixtures of tests/data/checkpoints/, a double
// network) and into a trainer (its optimizer state and step counts). io_error is the documented
// outcome of a bad file, and a load that fails must leave the network (and trainer) as it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nerve/io/checkpoint.hpp>
#include <nerve/nerve.hpp>

#include "fuzz/fuzz_support.hpp"

namespace nerve_fuzz {

namespace checkpoint_nets {
using namespace nerve;
using Mlp = Network<Input<5>, Dense<7>, Tanh, Dense<3>>;
using MlpDouble = BasicNetwork<double, Input<5>, Dense<7>, Tanh, Dense<3>>;
using Cnn = Network<Input<1, 11, 9>, Conv2D<3, Kernel<3, 3>, Stride<2>, Pad<1>>, BatchNorm<>, ReLU, MaxPool<2>,
                    Flatten, Dense<4>>;
using Lstm = Network<Input<6, 3>, LSTM<5>, Dense<2>>;
using Gru = Network<Input<6, 3>, GRU<5>, Dense<2>>;
using AdamTrainer = Trainer<Mlp, MeanSquaredError, Adam, Batch<2>>;
using SgdTrainer = Trainer<MlpDouble, MeanSquaredError, SGD, Batch<2>>;
}  // namespace checkpoint_nets

namespace detail {

template <class Net>
std::vector<std::vector<typename Net::value_type>> arrays_of(const Net& net) {
  std::vector<std::vector<typename Net::value_type>> out;
  for (const auto& name : nerve::array_names(net)) out.push_back(nerve::read_array(net, name));
  return out;
}

// load(net, path): on an io_error the network is as it was.
template <class Net>
void check_load(const std::filesystem::path& path) {
  Net net{nerve::Seed{1}};  // a fresh one per input: a crash replays from the input alone
  const auto before = arrays_of(net);
  try {
    nerve::load(net, path);
  } catch (const nerve::io_error&) {
    NERVE_FUZZ_CHECK(arrays_of(net) == before);
  }
}

// load(trainer, path): on an io_error the network and the step count are as they were.
template <class Trainer>
void check_trainer_load(const std::filesystem::path& path) {
  using Net = std::remove_cvref_t<decltype(std::declval<Trainer&>().network())>;
  Net net{nerve::Seed{2}};
  Trainer trainer(net);
  const auto before = arrays_of(net);
  const auto steps = trainer.steps();
  try {
    nerve::load(trainer, path);
  } catch (const nerve::io_error&) {
    NERVE_FUZZ_CHECK(arrays_of(net) == before);
    NERVE_FUZZ_CHECK(trainer.steps() == steps);
  }
}

}  // namespace detail

inline void fuzz_checkpoint(const std::uint8_t* data, std::size_t size) {
  using namespace checkpoint_nets;
  const auto& path = scratch().write(data, size);
  try {
    const nerve::checkpoint::file_contents c = nerve::checkpoint::read_file(path);
    for (const auto& [name, r] : c.arrays) {
      // Every array read_file accepts lies inside the data, its shape counts its bytes, and it
      // converts.
      NERVE_FUZZ_CHECK(r.begin <= r.end && r.end <= c.data.size());
      std::size_t count = 1;
      for (const std::size_t d : r.shape) NERVE_FUZZ_CHECK(!__builtin_mul_overflow(count, d, &count));
      NERVE_FUZZ_CHECK(!__builtin_mul_overflow(count, r.dtype == "F32" ? 4 : 8, &count) && count == r.end - r.begin);
      NERVE_FUZZ_CHECK(nerve::checkpoint::values_of<double>(c, r).size() * (r.dtype == "F32" ? 4 : 8) ==
                       r.end - r.begin);
    }
  } catch (const nerve::io_error&) {
    return;  // every load below reads the file the same way first
  }
  detail::check_load<Mlp>(path);
  detail::check_load<MlpDouble>(path);
  detail::check_load<Cnn>(path);
  detail::check_load<Lstm>(path);
  detail::check_load<Gru>(path);
  detail::check_trainer_load<AdamTrainer>(path);
  detail::check_trainer_load<SgdTrainer>(path);
}

}  // namespace nerve_fuzz
