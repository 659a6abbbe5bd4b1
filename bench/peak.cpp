// bench/peak.cpp: the single-core FMA peak, the ceiling the workloads' GFLOP/s are compared with.
//
// Independent accumulators hide the FMA latency: with latency L cycles and P FMA pipes, at least
// L * P chains must be in flight. Zen 4/5 and recent Intel cores need 8 to 10; we keep as many as
// the register file holds with room for the two constant operands.
#include <benchmark/benchmark.h>  // benchmark::State, RegisterBenchmark, DoNotOptimize

#include <algorithm>  // std::max
#include <chrono>     // std::chrono::steady_clock
#include <cstddef>  // std::size_t
#include <string>

#include <nerve/config.hpp>  // xsimd::batch, xsimd::fma; xsimd_compat::reduce_add (hadd before 9)

#include "peers.hpp"  // declarations

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

}  // namespace

double fma_flops_per_call() { return 2.0 * fma_rounds * accumulators * batch::size; }

const char* fma_peak_description() {
  static const std::string text = std::string(batch::arch_type::name()) + ", " +
                                  std::to_string(batch::size) + " floats per register, " +
                                  std::to_string(accumulators) + " accumulators";
  return text.c_str();
}

void register_peak() {
  benchmark::RegisterBenchmark("peak/fma", bm_fma_peak)->Unit(benchmark::kMicrosecond);
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
