// examples/embed: a real-time-style program built from one generated header and the C++ standard
// library. The build runs nerve-codegen on tone_detector.onnx (a small PyTorch model exported by
// train_tone_detector.py, whose docstring says what it detects and how it was trained) and writes
// tone_detector.hpp: the network's type and make(), its weights compiled in as constants.
//
// The program does what an audio plug-in or a controller would: it builds the network once at
// start, then handles a stream block by block, as an audio callback receives it (64 samples, 8 ms
// at 8 kHz), one inference per block. It reads no file; the stream is synthetic, drawn as the
// script's training data was. It prints what the stream cost (allocations, latency per
// inference) and what it gave (how many blocks were classified right), and exits with status 1
// if anything was allocated after start or the detector is no better than it should be.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <numbers>

#include "tone_detector.hpp"  // generated: tone_detector::network, tone_detector::make()

// ---- Every heap allocation is counted while `counting` is on: at start, and during the stream ----

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0}, deallocations{0};

void* allocate(std::size_t n, std::size_t align) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = align <= alignof(std::max_align_t) ? std::malloc(n ? n : 1)
                                               : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  return p;
}
void release(void* p) noexcept {
  if (p && counting.load(std::memory_order_relaxed)) deallocations.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

// g++ 12 sees a sized delete inlined down to free() and calls it a mismatch with operator new,
// although both are the replacements below (malloc and free): a false alarm.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t n) { return allocate(n, 0); }
void* operator new[](std::size_t n) { return allocate(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try { return allocate(n, 0); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try { return allocate(n, 0); } catch (...) { return nullptr; }
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try { return allocate(n, static_cast<std::size_t>(a)); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try { return allocate(n, static_cast<std::size_t>(a)); } catch (...) { return nullptr; }
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

namespace {

using network = tone_detector::network;

constexpr double rate = 8000;                       // samples per second
constexpr std::size_t block_size = 64;              // samples per callback: 8 ms
constexpr std::size_t blocks = 60'000;              // 480 s of audio
constexpr double block_us = 1e6 * block_size / rate;

// The budgets, checked when this file compiles: the generated type knows its own costs.
constexpr std::size_t workspace_budget = 1024;      // bytes of one inference's memory
static_assert(network::input_type::size == block_size, "the model takes one block of samples");
static_assert(network::output_type::size == 1, "the model gives one probability per block");
static_assert(network::inference_bytes<1> <= workspace_budget,
              "the detector's inference memory must stay within its budget (see workspace_budget)");
static_assert(network::inference_flops<1> <= 10'000, "and its work per block within 10,000 flops");

// ---- The synthetic stream: what train_tone_detector.py draws, segment by segment ----

// splitmix64: the same numbers on every platform (the standard distributions are not).
struct random_source {
  std::uint64_t s;
  double uniform() {  // [0, 1)
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal() {  // Box-Muller
    const double u = 1.0 - uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v);
  }
};

struct tone {
  bool on = false;
  double amplitude = 0, step = 0, phase = 0;  // step: radians per sample
  void draw(random_source& r, bool present, double f, double level) {
    on = present;
    amplitude = level * std::sqrt(2.0) * std::pow(10.0, r.uniform(0.0, 12.0) / 20.0);  // 0-12 dB SNR
    step = 2.0 * std::numbers::pi * f / rate;
    phase = r.uniform(0.0, 2.0 * std::numbers::pi);
  }
  double next() {
    if (!on) return 0.0;
    const double v = amplitude * std::sin(phase);
    phase = std::fmod(phase + step, 2.0 * std::numbers::pi);
    return v;
  }
};

// Segments of 5 to 50 blocks (40 ms to 0.4 s), each with its own noise level and tones; a tone's
// phase runs on from block to block.
struct stream {
  random_source r{20240611};
  std::size_t left = 0;
  double level = 0;
  tone target, distractor;

  // Fills block with the next block_size samples; returns its kind: 1 if the target tone is in it,
  // plus 2 if a distractor tone is.
  int next(float* block) {
    if (left == 0) {
      left = 5 + static_cast<std::size_t>(r.uniform() * 46);
      level = r.uniform(0.05, 0.5);
      const bool t = r.uniform() < 0.5, d = r.uniform() < 0.5;
      target.draw(r, t, r.uniform(800, 1200), level);
      distractor.draw(r, d, r.uniform() < 0.5 ? r.uniform(200, 500) : r.uniform(2000, 3500), level);
    }
    --left;
    for (std::size_t i = 0; i < block_size; ++i) {
      block[i] = static_cast<float>(level * r.normal() + target.next() + distractor.next());
    }
    return (target.on ? 1 : 0) + (distractor.on ? 2 : 0);
  }
};

// Static storage: nothing here is allocated, at start or later.
std::array<std::int64_t, blocks> latency_ns;
std::array<std::int64_t, blocks> clock_ns;

double percentile(const std::array<std::int64_t, blocks>& sorted, double q) {
  return static_cast<double>(sorted[static_cast<std::size_t>(q * (blocks - 1))]);
}

}  // namespace

int main() {
  using clock = std::chrono::steady_clock;

  // ---- Start: everything the stream needs is made here, once ----
  const long at_start = allocations.load();
  counting = true;
  const network net = tone_detector::make();  // the weights written in: allocates, here only
  network::Workspace<1> ws;                   // this thread's inference memory
  stream source;
  alignas(64) std::array<float, block_size> block{};  // the callback's buffer
  counting = false;
  const long start_allocations = allocations.load() - at_start;

  std::printf("tone_detector::network (generated by nerve-codegen from tone_detector.onnx)\n");
  std::printf("  %zu parameters; %zu flops and %zu bytes of workspace per block (budget %zu, "
              "static_assert)\n",
              static_cast<std::size_t>(network::parameter_count),
              static_cast<std::size_t>(network::inference_flops<1>),
              static_cast<std::size_t>(network::inference_bytes<1>), workspace_budget);
  // Counted with the same counter as the stream below: a count above 0 here also shows that the
  // replaced operator new is the one the network calls.
  std::printf("start: make() and the workspace: %ld allocations\n", start_allocations);

  // ---- The stream: what an audio callback does, block after block ----
  std::array<long, 4> seen{}, right{};  // per kind of block
  allocations = 0;
  deallocations = 0;
  counting = true;
  for (std::size_t b = 0; b < blocks; ++b) {
    const int kind = source.next(block.data());  // the audio arriving
    const auto t0 = clock::now();
    const float p = net(block.data(), ws)(0);    // the callback's work: one inference
    const auto t1 = clock::now();
    const auto t2 = clock::now();                // the clock's own cost, for comparison
    latency_ns[b] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    clock_ns[b] = std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t1).count();
    ++seen[static_cast<std::size_t>(kind)];
    if ((p > 0.5f) == ((kind & 1) != 0)) ++right[static_cast<std::size_t>(kind)];
  }
  counting = false;
  const long stream_allocations = allocations.load(), stream_frees = deallocations.load();

  const double first_us = static_cast<double>(latency_ns[0]) * 1e-3;  // cold caches
  const auto slowest = std::max_element(latency_ns.begin(), latency_ns.end()) - latency_ns.begin();
  std::sort(latency_ns.begin(), latency_ns.end());
  std::sort(clock_ns.begin(), clock_ns.end());
  std::printf("stream: %zu blocks of %zu samples at %.0f Hz (%.0f s of audio), one inference per block\n",
              blocks, block_size, rate, static_cast<double>(blocks) * block_us * 1e-6);
  std::printf("  heap allocations after start: %ld (and %ld frees)\n", stream_allocations, stream_frees);
  std::printf("  latency per inference, steady_clock around each call: median %.2f us, p99 %.2f us, "
              "max %.2f us (call %ld; the block lasts %.0f us)\n",
              percentile(latency_ns, 0.5) * 1e-3, percentile(latency_ns, 0.99) * 1e-3,
              static_cast<double>(latency_ns.back()) * 1e-3, static_cast<long>(slowest) + 1, block_us);
  std::printf("  first call %.2f us; steady_clock::now() itself: median %.0f ns, included in the figures\n",
              first_us, percentile(clock_ns, 0.5));

  const long total_right = right[0] + right[1] + right[2] + right[3];
  const double accuracy = static_cast<double>(total_right) / static_cast<double>(blocks);
  std::printf("  blocks classified right (tone in 800-1200 Hz or not): %.2f%%\n", 100.0 * accuracy);
  const char* kinds[4] = {"noise only", "target tone", "distractor tone", "target + distractor"};
  for (std::size_t k = 0; k < 4; ++k) {
    std::printf("    %-20s %6ld blocks, %6.2f%% right\n", kinds[k], seen[k],
                100.0 * static_cast<double>(right[k]) / static_cast<double>(std::max(seen[k], 1L)));
  }

  if (stream_allocations != 0 || stream_frees != 0) {
    std::printf("FAILED: the stream allocated; inference must not touch the heap\n");
    return 1;
  }
  if (accuracy < 0.95) {  // train_tone_detector.py measures 99.3% on its own held-out blocks
    std::printf("FAILED: %.2f%% right, below 95%%: the generated network does not compute the model\n",
                100.0 * accuracy);
    return 1;
  }
  return 0;
}
