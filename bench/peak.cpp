// bench/peak.cpp: the single-core ceilings the workloads are compared with: the FMA peak (the
// workloads' GFLOP/s) and the rate at which one core reads from its L2 (the recurrent steps,
// whose weights do not fit in L1).
//
// Independent accumulators hide the FMA latency: with latency L cycles and P FMA pipes, at least
// L * P chains must be in flight. Zen 4/5 and recent Intel cores need 8 to 10; we keep as many as
// the register file holds with room for the two constant operands.
#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include <algorithm>  // std::max
#include <chrono>     // std::chrono::steady_clock
#include <cstddef>  // std::size_t
#include <string>
#include <vector>

#include <xsimd/memory/xsimd_aligned_allocator.hpp>  // xsimd::aligned_allocator

#include <nerve/config.hpp>  // xsimd::batch, xsimd::fma; xsimd_compat::reduce_add (hadd before 9)

#include "peers.hpp"           // declarations
#include "workloads_lstm.hpp"  // lstm_in, lstm_large

namespace nerve::bench {
namespace {

using batch = xsimd::batch<float>;
// AVX-512 has 32 vector registers, AVX2 and SSE 16.
#if defined(__AVX512F__)
constexpr int accumulators = 24;
#else
constexpr int accumulators = 12;
#endif
constexpr long fma_rounds = 4096;  // per call: long enough to hide the call, short for the timer

// acc = acc * a + b converges to b / (1 - a) and never overflows or goes denormal.
// noipa: else GCC sees a pure function and calls it once for a whole loop of calls.
__attribute__((noipa)) float fma_kernel(long rounds) {
  batch acc[accumulators];
  for (int k = 0; k < accumulators; ++k) acc[k] = batch(0.001f * float(k));
  const batch a(0.999f), b(0.0001f);
  for (long r = 0; r < rounds; ++r) {
#pragma GCC unroll 32
    for (int k = 0; k < accumulators; ++k) acc[k] = xsimd::fma(acc[k], a, b);
  }
  batch sum(0.0f);
  for (int k = 0; k < accumulators; ++k) sum += acc[k];
  return xsimd_compat::reduce_add(sum);
}

void bm_fma_peak(benchmark::State& state) {
  for (auto _ : state) {
    float r = fma_kernel(fma_rounds);
    benchmark::DoNotOptimize(r);
  }
  state.counters["FLOPS"] =
      benchmark::Counter(fma_flops_per_call(), benchmark::Counter::kIsIterationInvariantRate);
}

// The L2 read rate, measured the way a GEMV reads its matrix: W5h128's weights (W_ih and W_hh,
// 4H x (I + H) floats, 278,528 bytes: over L1, well inside L2), each register of them multiplied
// by a broadcast and added into one of 8 accumulators. With the weights resident in L2 and the
// FMAs far from their peak, the time per pass is the time the loads take: a floor under any
// W5h128 step that reads its weights once (docs/benchmarks.md, the recurrent rows).
constexpr std::size_t l2_floats = std::size_t(4) * lstm_large * (lstm_in + lstm_large);

__attribute__((noipa)) float l2_read_kernel(const float* w, const float* x) {
  constexpr std::size_t A = 8, step = A * batch::size;
  static_assert(l2_floats % step == 0);
  batch acc[A];
  for (std::size_t k = 0; k < A; ++k) acc[k] = batch(0.0f);
  for (std::size_t i = 0, j = 0; i < l2_floats; i += step, ++j) {
    const batch b(x[j % 64]);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < A; ++k)
      acc[k] = xsimd::fma(batch::load_aligned(w + i + k * batch::size), b, acc[k]);
  }
  batch sum(0.0f);
  for (std::size_t k = 0; k < A; ++k) sum += acc[k];
  return xsimd_compat::reduce_add(sum);
}

void bm_l2_read(benchmark::State& state) {
  std::vector<float, xsimd::aligned_allocator<float, 64>> w(l2_floats);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 1e-6f * float(i % 7);
  std::vector<float> x(64, 0.5f);
  for (auto _ : state) {
    float r = l2_read_kernel(w.data(), x.data());
    benchmark::DoNotOptimize(r);
  }
  state.counters["BYTES"] = benchmark::Counter(double(l2_floats * sizeof(float)),
                                               benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

double l2_read_bytes_per_call() { return double(l2_floats * sizeof(float)); }

double fma_flops_per_call() { return 2.0 * fma_rounds * accumulators * batch::size; }

const char* fma_peak_description() {
  static const std::string text = std::string(batch::arch_type::name()) + ", " +
                                  std::to_string(batch::size) + " floats per register, " +
                                  std::to_string(accumulators) + " accumulators";
  return text.c_str();
}

void register_peak() {
  benchmark::RegisterBenchmark("peak/fma", bm_fma_peak)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("peak/l2_read", bm_l2_read)->Unit(benchmark::kMicrosecond);
}

double measure_fma_peak_gflops(double seconds) {
  using clock = std::chrono::steady_clock;
  double best = 0;
  // Best of short slices: a slice that another process interrupted is simply slower.
  const auto end = clock::now() + std::chrono::duration<double>(seconds);
  while (clock::now() < end) {
    const auto t0 = clock::now();
    float r = 0;
    for (int k = 0; k < 16; ++k) r += fma_kernel(fma_rounds);
    benchmark::DoNotOptimize(r);
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    best = std::max(best, 16 * fma_flops_per_call() / s / 1e9);
  }
  return best;
}

}  // namespace nerve::bench
