// One const network used from many threads at once, each thread with its own workspace (batch-1
// and batched inference, input gradients, step() with its own StepState), gives bit for bit what
// one thread gives. Every test here is tagged [threads] and named "threads: ..." so that a
// ThreadSanitizer build can run just these (ctest -R 'unit[.]threads:', or the binary with
// "[threads]"). Built alone by hand, from the repository's root:
//   g++ -std=c++20 -O1 -g -march=native -fsanitize=thread -Iinclude -Itests tests/main.cpp
//       tests/unit/threads.cpp -o threads_tsan && ./threads_tsan "[threads]"
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

using namespace nerve;

namespace {

constexpr std::size_t thread_count = 4;

// Sample s of n values: deterministic, different for every sample.
std::vector<float> samples(std::size_t count, std::size_t n) {
  std::vector<float> v(count * n);
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>((i * 2654435761u) % 1000) / 500.0f - 1.0f;
  }
  return v;
}

// Runs work(t) on thread_count threads released together, so that their passes overlap.
template <class Work>
void on_threads(Work work) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      work(t);
    });
  }
  go = true;
  for (auto& th : threads) th.join();
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("threads: a const MLP and CNN, one workspace per thread, batch 1 and batched", "[threads]") {
  using Mlp = Network<Input<20>, Dense<64>, ReLU, Dense<33>, Tanh, Dense<5>, Softmax>;
  using Cnn = Network<Input<1, 12, 12>, Conv2D<4, Kernel<3, 3>, Same>, BatchNorm<>, ReLU, MaxPool<2>,
                      Conv2D<6, Kernel<3, 3>, Stride<2>, Pad<1>>, ReLU, GlobalAvgPool, Dense<3>, Softmax>;
  const Mlp mlp{Seed{1}};
  const Cnn cnn{Seed{2}};
  constexpr std::size_t count = 4096;  // samples; every thread computes all of them
  const auto xm = samples(count, 20);
  const auto xc = samples(count, 144);

  // All the outputs, in sample order; thread t starts at a different sample (and wraps round),
  // so that threads sharing memory by mistake would overwrite each other with different values.
  constexpr std::size_t per_sample = 5 + 3;
  auto run_all = [&](std::size_t t, std::vector<float>& out) {
    Mlp::Workspace<1> one;
    Mlp::Workspace<8> eight;
    Cnn::Workspace<1> cnn_one;
    Cnn::Workspace<8> cnn_eight;
    out.assign(2 * count * per_sample, 0.0f);
    const std::size_t first = t * count / thread_count;
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t s = (first + k) % count;
      const auto y = mlp(xm.data() + s * 20, one);
      std::copy_n(y.data(), 5, out.begin() + s * per_sample);
      const auto z = cnn(xc.data() + s * 144, cnn_one);
      std::copy_n(z.data(), 3, out.begin() + s * per_sample + 5);
    }
    for (std::size_t k = 0; k < count; k += 8) {
      const std::size_t s = (first + k) % count;  // count and first are multiples of 8
      Tensor<float, Shape<8, 20>> X;
      std::copy_n(xm.data() + s * 20, 8 * 20, X.data());
      const auto Y = mlp(X, eight);
      Tensor<float, Shape<8, 1, 12, 12>> C;
      std::copy_n(xc.data() + s * 144, 8 * 144, C.data());
      const auto Z = cnn(C, cnn_eight);
      for (std::size_t i = 0; i < 8; ++i) {
        const std::size_t at = (count + s + i) * per_sample;
        std::copy_n(Y.data() + i * 5, 5, out.begin() + at);
        std::copy_n(Z.data() + i * 3, 3, out.begin() + at + 5);
      }
    }
  };
  std::vector<float> reference;
  run_all(0, reference);
  std::vector<std::vector<float>> got(thread_count);
  on_threads([&](std::size_t t) { run_all(t, got[t]); });
  for (std::size_t t = 0; t < thread_count; ++t) {
    INFO("thread " << t);
    CHECK(same_bits(got[t], reference));
  }
}

TEST_CASE("threads: step() of a const recurrent network, one StepState per thread", "[threads]") {
  using LM = Network<Input<16>, Embedding<20, 8>, LSTM<12>, GRU<9>, Dense<20>, Softmax>;
  const LM lm{Seed{3}};
  constexpr std::size_t steps = 400;
  // Stream t feeds the tokens (7 t + 3 k) mod 20; the reference runs the streams one after another.
  auto stream = [&](std::size_t t, std::vector<float>& out) {
    LM::StepState state;
    out.clear();
    for (std::size_t k = 0; k < steps; ++k) {
      const float token = static_cast<float>((7 * t + 3 * k) % 20);
      const auto y = lm.step(&token, state);
      out.insert(out.end(), y.data(), y.data() + 20);
      if (k % 100 == 99) state.reset();
    }
  };
  std::vector<std::vector<float>> reference(thread_count), got(thread_count);
  for (std::size_t t = 0; t < thread_count; ++t) stream(t, reference[t]);
  on_threads([&](std::size_t t) { stream(t, got[t]); });
  for (std::size_t t = 0; t < thread_count; ++t) {
    INFO("stream " << t);
    CHECK(same_bits(got[t], reference[t]));
  }
}

TEST_CASE("threads: input gradients of a const network, one GradientWorkspace per thread", "[threads]") {
  using Net = Network<Input<4, 5>, Flatten, Dense<33>, Tanh, Affine, LayerNorm<>, Dense<6>, Softmax>;
  const Net net{Seed{4}};
  constexpr std::size_t count = 64;
  const auto X = samples(count * 4, 20);
  const auto dY = samples(count * 4, 6);
  auto run_all = [&](std::size_t t, std::vector<float>& out) {
    Net::GradientWorkspace<4> ws;
    out.assign(count * 4 * 20, 0.0f);
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t s = (t * count / thread_count + k) % count;
      const auto g = net.input_gradient<4>(X.data() + s * 4 * 20, dY.data() + s * 4 * 6, ws);
      std::copy_n(g.data(), 4 * 20, out.begin() + s * 4 * 20);
    }
  };
  std::vector<float> reference;
  run_all(0, reference);
  std::vector<std::vector<float>> got(thread_count);
  on_threads([&](std::size_t t) { run_all(t, got[t]); });
  for (std::size_t t = 0; t < thread_count; ++t) {
    INFO("thread " << t);
    CHECK(same_bits(got[t], reference));
  }
}
