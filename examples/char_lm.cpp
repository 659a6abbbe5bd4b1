// examples/char_lm.cpp: a character-level LSTM language model of the fortune files of Debian's
// `fortunes` package: it predicts the next character, is measured in held-out bits per character
// against a smoothed character trigram model computed here on the same split, and writes text.
//
//   char_lm                  the full run (about 12 minutes on one core of this project's machine)
//   char_lm --quick          one short epoch, to see it work
//   char_lm --epochs N --limit CHARS --seed S --learning-rate R --temperature T --sample N
//   char_lm --save lm.safetensors   also saves the trained network (a checkpoint PyTorch reads)
//
// The split is by fortune (entries, not characters): 10% of the entries, drawn from the seed,
// are held out, so no held-out text was seen in training. The vocabulary is built from the
// training text (symbols seen fewer than 3 times become the unknown id), for both models.
// Training is truncated backpropagation through time: the training text is cut into 32 streams
// read side by side, each in windows of 64 characters, the LSTM's state carried from one window
// to the next (Trainer::carry_state), gradients clipped to a global norm of 1. The held-out text
// is read once, character by character, with net.step() and the state carried throughout.
// Its last line: `held-out bits per character: model M, trigram T`.
#include <nerve/io/checkpoint.hpp>
#include <nerve/io/fortunes.hpp>
#include <nerve/io/vocabulary.hpp>
#include <nerve/nerve.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "text_baselines.hpp"

namespace {

constexpr std::size_t vocabulary_limit = 128;  // ids the network has room for
constexpr std::size_t window = 64;             // characters per BPTT window
constexpr std::size_t streams = 32;            // the batch: streams read side by side

using CharLM = nerve::Network<nerve::Input<window>, nerve::Embedding<vocabulary_limit, 32>,
                              nerve::LSTM<256>, nerve::Dense<vocabulary_limit>, nerve::Softmax>;
using Trainer = nerve::Trainer<CharLM, nerve::CrossEntropy, nerve::Adam, nerve::Batch<streams>>;

struct Arguments {
  std::size_t epochs = 4;
  std::optional<std::size_t> limit;  // training characters
  std::uint64_t seed = 42;
  double learning_rate = 2e-3;
  double decay = 0.5;                // the learning rate's factor after each epoch
  double temperature = 0.7;
  std::size_t sample = 400;          // characters of generated text
  std::optional<std::string> save;   // where the trained network is saved (a checkpoint)
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--epochs") a.epochs = std::stoul(value());
    else if (flag == "--limit") a.limit = std::stoul(value());
    else if (flag == "--seed") a.seed = std::stoull(value());
    else if (flag == "--learning-rate") a.learning_rate = std::stod(value());
    else if (flag == "--decay") a.decay = std::stod(value());
    else if (flag == "--temperature") a.temperature = std::stod(value());
    else if (flag == "--sample") a.sample = std::stoul(value());
    else if (flag == "--save") a.save = value();
    else if (flag == "--quick") a.epochs = 1, a.limit = 400'000;
    else throw std::invalid_argument("unknown argument " + flag +
                                     " (use --epochs N, --limit CHARS, --seed S, --quick, "
                                     "--learning-rate R, --decay F, --temperature T, --sample N, "
                                     "--save FILE)");
  }
  if (a.epochs == 0) throw std::invalid_argument("--epochs must be at least 1");
  return a;
}

// Held-out bits per character: the text read once with step(), each prediction scored before
// its character is fed. The first character is predicted from the zero state.
double bits_per_character(const CharLM& net, const std::vector<std::uint32_t>& ids) {
  CharLM::StepState state;
  double bits = 0;
  float previous = 0;  // a start symbol: the unknown id, as the zero state has seen nothing
  for (const std::uint32_t id : ids) {
    const auto p = net.step(&previous, state);
    bits -= std::log2(std::max(static_cast<double>(p(0, id)), 1e-30));
    previous = static_cast<float>(id);
  }
  return bits / static_cast<double>(ids.size());
}

std::string generate(const CharLM& net, const nerve::Vocabulary& vocabulary, std::string_view prompt,
                     std::size_t length, double temperature, std::uint64_t seed) {
  CharLM::StepState state;
  nerve::Sampler sampler(nerve::Seed{seed}, {.temperature = temperature});
  std::vector<std::uint32_t> out;
  float next = 0;
  for (const std::uint32_t id : vocabulary.encode(prompt)) {
    next = static_cast<float>(id);
    net.step(&next, state);
    out.push_back(id);
  }
  std::vector<float> logp(vocabulary.size());
  for (std::size_t i = 0; i < length; ++i) {
    const auto p = net.step(&next, state);
    // Only the ids the vocabulary has, and never the unknown one.
    for (std::size_t j = 0; j < logp.size(); ++j)
      logp[j] = j == nerve::Vocabulary::unknown_id ? -INFINITY : std::log(std::max(p(0, j), 1e-30f));
    const std::uint32_t id = sampler.from_logits(logp);
    out.push_back(id);
    next = static_cast<float>(id);
  }
  return vocabulary.decode(out);
}

int run(const Arguments& args) {
  // ---- data ---------------------------------------------------------------------------------
  const nerve::fortunes::Corpus corpus = nerve::fortunes::load();
  const nerve::Split split = nerve::split_indices(corpus.size(), 0.1, nerve::Seed{args.seed});
  std::string train_text, held_text;
  for (const std::size_t i : split.train) train_text += corpus.fortunes[i].text;
  for (const std::size_t i : split.held_out) held_text += corpus.fortunes[i].text;
  const bool limited = args.limit && *args.limit < train_text.size();
  if (limited) train_text.resize(*args.limit);
  const nerve::Vocabulary vocabulary = nerve::Vocabulary::build(
      train_text, {.max_size = vocabulary_limit, .min_count = 3});
  const std::vector<std::uint32_t> train = vocabulary.encode(train_text);
  const std::vector<std::uint32_t> held = vocabulary.encode(held_text);
  std::size_t unknown = 0;
  for (const std::uint32_t id : held) unknown += id == nerve::Vocabulary::unknown_id;
  std::printf("fortunes: %zu files, %zu entries; training %zu characters (%s%zu entries), held "
              "out %zu characters (%zu entries, %zu unknown symbols); vocabulary %zu\n",
              corpus.files(), corpus.size(), train.size(), limited ? "the first of " : "",
              split.train.size(), held.size(), split.held_out.size(), unknown, vocabulary.size());

  // ---- the trigram baseline, on the same ids ----------------------------------------------
  example::baselines::TrigramModel trigram;
  trigram.fit(train, vocabulary.size());
  const double trigram_bits = trigram.bits_per_symbol(held);
  std::printf("smoothed trigram (interpolated Kneser-Ney): held-out %.3f bits per character\n\n",
              trigram_bits);

  // ---- the model ----------------------------------------------------------------------------
  CharLM net{nerve::Seed{args.seed}};
  CharLM::summary();
  CharLM::explain();
  Trainer trainer(net, nerve::Adam{.learning_rate = args.learning_rate});
  trainer.clip_gradients(1.0);
  trainer.carry_state(true);

  // 32 streams, each a contiguous slice of the training text; window k of stream b is
  // ids[b * stream + k * window, + window), its targets the characters one further.
  const std::size_t stream = (train.size() - 1) / streams;
  const std::size_t windows = stream / window;
  if (windows == 0) throw std::invalid_argument("the training text is too short for one window");
  std::vector<float> inputs(streams * window);
  std::vector<std::uint32_t> targets(streams * window);
  double model_bits = 0;
  for (std::size_t epoch = 1; epoch <= args.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    trainer.reset_state();
    double loss = 0;
    for (std::size_t k = 0; k < windows; ++k) {
      for (std::size_t b = 0; b < streams; ++b) {
        const std::size_t at = b * stream + k * window;
        for (std::size_t t = 0; t < window; ++t) {
          inputs[b * window + t] = static_cast<float>(train[at + t]);
          targets[b * window + t] = train[at + t + 1];
        }
      }
      loss += trainer.step(inputs.data(), targets.data());
      if ((k + 1) % 100 == 0 || k + 1 == windows) {
        std::printf("\repoch %zu/%zu  window %zu/%zu  training %.3f bits/char", epoch, args.epochs,
                    k + 1, windows, loss / static_cast<double>(k + 1) / std::log(2.0));
        std::fflush(stdout);
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    model_bits = bits_per_character(net, held);
    std::printf("\repoch %zu/%zu  training %.3f bits/char  held-out %.3f bits/char  %.1f s "
                "(%.0f characters/s)\n",
                epoch, args.epochs, loss / static_cast<double>(windows) / std::log(2.0), model_bits,
                seconds, static_cast<double>(windows * window * streams) / seconds);
    trainer.optimizer().learning_rate *= args.decay;
  }

  if (args.save) {
    nerve::save(net, *args.save);
    std::printf("saved the trained network to %s\n", args.save->c_str());
  }

  // ---- what it writes, and how fast one character is -----------------------------------------
  std::printf("\nsampled at temperature %.2f:\n%s\n", args.temperature,
              generate(net, vocabulary, "The ", args.sample, args.temperature, args.seed).c_str());
  {
    CharLM::StepState state;
    float token = 5;
    const int n = 20000;
    float sink = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) sink += net.step(&token, state)(0, 3);
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / n;
    std::printf("\none step (a character in, next-character probabilities out): %.2f us%s\n", us,
                sink < 0 ? " " : "");
  }
  std::printf("held-out bits per character: model %.3f, trigram %.3f\n", model_bits, trigram_bits);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "char_lm: %s\n", e.what());
    return 1;
  }
}
