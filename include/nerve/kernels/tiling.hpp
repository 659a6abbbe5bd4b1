// nerve/kernels/tiling.hpp: compile-time choice of the register tile of an outer-product kernel.
//
// Sizes are template arguments, so the tile is picked by a small cost model at compile time
// instead of by hand per layer shape: a 32-sample batch of a 128-wide layer and a 10-wide output
// layer get different tiles, each with its remainders counted.
#pragma once

#include <cstddef>  // std::size_t

namespace nerve::kernels::detail {

struct TileShape {
  std::size_t rows;  // rows of the output tile (broadcast operands)
  std::size_t vecs;  // SIMD registers across each row (loaded operands)
};

// Cycles of one reduction step of a rows x vecs tile, for a core with two FMA pipes of latency
// 4 and two loads per cycle (Zen 4/5, Skylake-X and later): a tile is bound by its FMAs, by the
// latency of each accumulator's dependency chain, or by its loads.
constexpr double outer_step_cycles(std::size_t rows, std::size_t vecs) noexcept {
  const double fma = static_cast<double>(rows * vecs) / 2.0;
  const double loads = static_cast<double>(rows + vecs) / 2.0;
  double cycles = 4.0;
  if (fma > cycles) cycles = fma;
  if (loads > cycles) cycles = loads;
  // Operand traffic as a tie-breaker: the loaded vectors come from L2 for large layers.
  return cycles + 0.1 * static_cast<double>(vecs + rows);
}

// Modelled cycles of covering a rows x vecs output with tr x tv tiles plus remainder tiles,
// each running `steps` reduction steps and an epilogue touching every accumulator twice.
constexpr double outer_cost(std::size_t rows, std::size_t vecs, std::size_t steps, std::size_t tr,
                            std::size_t tv) noexcept {
  double total = 0;
  const std::size_t row_sizes[2] = {tr, rows % tr};
  const std::size_t row_counts[2] = {rows / tr, rows % tr ? 1u : 0u};
  const std::size_t vec_sizes[2] = {tv, vecs % tv};
  const std::size_t vec_counts[2] = {vecs / tv, vecs % tv ? 1u : 0u};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      const std::size_t n = row_counts[i] * vec_counts[j];
      if (n == 0) continue;
      const std::size_t r = row_sizes[i], v = vec_sizes[j];
      total += static_cast<double>(n) * (static_cast<double>(steps) * outer_step_cycles(r, v) +
                                         2.0 * static_cast<double>(r * v) + 4.0);
    }
  return total;
}

// The cheapest tile that fits the register file: tr * tv accumulators, tv loaded vectors and one
// broadcast. Ties go to the larger tile (tried first): fewer tiles, less loop overhead.
constexpr TileShape choose_outer_tile(std::size_t rows, std::size_t vecs, std::size_t steps,
                                      std::size_t registers) noexcept {
  constexpr std::size_t max_rows = 8, max_vecs = 8;  // bounds code size of the unrolled tile
  TileShape best{1, 1};
  double best_cost = 1e300;
  for (std::size_t tr = (rows < max_rows ? rows : max_rows); tr >= 1; --tr)
    for (std::size_t tv = (vecs < max_vecs ? vecs : max_vecs); tv >= 1; --tv) {
      if (tr * tv + tv + 1 > registers) continue;
      const double c = outer_cost(rows, vecs, steps, tr, tv);
      if (c < best_cost) {
        best_cost = c;
        best = {tr, tv};
      }
    }
  return best;
}

}  // namespace nerve::kernels::detail
