// nerve/kernels/dense_backward.hpp: batched Dense backward with the activation's derivative fused
// into its prologue: dZ = p(dY, Y, Z), db += sum_i dZ, dWt += X^T dZ, dX = dZ W.
#pragma once

#include <algorithm>  // std::copy_n, std::fill, std::min
#include <cstddef>  // std::size_t
#include <type_traits>  // std::conditional_t

#include "nerve/config.hpp"              // NERVE_INLINE, NERVE_RESTRICT
#include "nerve/kernels/epilogue.hpp"    // PassGradient
#include "nerve/kernels/gradient_sink.hpp"  // write_gradient, add_gradient (apply_update: optim/)
#include "nerve/kernels/layout.hpp"      // nerve::kernels::padded, not_deduced
#include "nerve/kernels/outer_tile.hpp"  // detail::outer_tile
#include "nerve/kernels/simd.hpp"        // nerve::kernels::simd, vector_registers, transpose_sum
#include "nerve/kernels/tiling.hpp"      // detail::choose_outer_tile
#include "nerve/kernels/transpose.hpp"   // nerve::kernels::transpose_weights, transposed_weights

namespace nerve::kernels {
namespace detail {

// Registers of a padded row that hold at least one real column (m < M); the rest are all zero in
// dZ and in Wt, so the gradient passes skip them (they exist when a register is narrower than a
// cache line: AVX2, SSE2).
template <std::size_t M, class T, class Arch>
inline constexpr std::size_t live_registers = (M + width<T, Arch> - 1) / width<T, Arch>;

// dZ = p(dY, Y, Z) with columns m >= M forced to exactly zero, and db(at, sum_i dZ[i]) for each
// live register when the bias sink is enabled.
template <std::size_t B, std::size_t M, std::size_t Mp, class Arch, class T, class Prologue,
          class BiasSink>
NERVE_INLINE void gradient_prologue(const T* NERVE_RESTRICT dY, const T* NERVE_RESTRICT Y,
                                    const T* NERVE_RESTRICT Z, const Prologue& p,
                                    T* NERVE_RESTRICT dZ, const BiasSink& db) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  constexpr std::size_t NL = live_registers<M, T, Arch>;
  const T* z_or_y = Z ? Z : Y;
  for (std::size_t v = 0; v < NL; ++v) {
    const std::size_t at = v * W;
    // Only the last live register has dead lanes; select() also clears a NaN the caller left there.
    const auto live = leading_lanes<Arch, T>(M - at);
    auto sum = simd<T, Arch>(T(0));
    for (std::size_t i = 0; i < B; ++i) {
      const std::size_t o = i * Mp + at;
      auto dz = p(load_aligned<Arch>(dY + o), load_aligned<Arch>(Y + o),
                  load_aligned<Arch>(z_or_y + o));
      if constexpr (M % W != 0) dz = xsimd::select(live, dz, simd<T, Arch>(T(0)));
      dz.store_aligned(dZ + o);
      sum += dz;
    }
    if (db.enabled()) db(at, sum);
  }
  for (std::size_t i = 0; i < B; ++i)
    for (std::size_t at = NL * W; at < Mp; at += W) simd<T, Arch>(T(0)).store_aligned(dZ + i * Mp + at);
}

// db(at, sum_i dY[i][at..]) for the N registers from register V0 on: rows read in turn, one
// accumulator per register.
template <std::size_t V0, std::size_t N, std::size_t B, std::size_t Mp, class Arch, class T,
          class BiasSink>
NERVE_INLINE void column_sums(const T* NERVE_RESTRICT dY, const BiasSink& db) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  simd<T, Arch> acc[N];
  unrolled_for<N>([&](auto r) NERVE_TILE_LAMBDA { acc[r] = simd<T, Arch>(T(0)); });
  for (std::size_t i = 0; i < B; ++i)
    unrolled_for<N>([&](auto r) NERVE_TILE_LAMBDA {
      acc[r] += load_aligned<Arch>(dY + i * Mp + (V0 + r) * W);
    });
  unrolled_for<N>([&](auto r) NERVE_TILE_LAMBDA { db((V0 + r) * W, acc[r]); });
}

// The prologue of dZ = dY on rows with no padding: dY is dZ already, so nothing is copied and
// only the bias sums are taken, in runs of 16 registers of each row (a column at a time strides
// a whole row per load). The sums are the same, in the same order, as gradient_prologue's.
template <std::size_t B, std::size_t Mp, class Arch, class T, class BiasSink>
NERVE_INLINE void pass_through_prologue(const T* NERVE_RESTRICT dY, const BiasSink& db) noexcept {
  if (!db.enabled()) return;
  constexpr std::size_t NV = Mp / width<T, Arch>, run = 16;
  static_for<NV / run>([&](auto r) { column_sums<decltype(r)::value * run, run, B, Mp, Arch>(dY, db); });
  if constexpr (NV % run != 0) column_sums<NV / run * run, NV % run, B, Mp, Arch>(dY, db);
}

// g = sum_i X[i][k0 + r] dZ[i][j + v] for one R x V tile, handed to dw at offset
// (k0 + r) Mp + (j + v) W; lanes m >= M of the last live register are handed over as exact zeros,
// so the padded columns of a written gradient stay zero and an update leaves them alone.
template <std::size_t R, std::size_t V, std::size_t B, std::size_t M, std::size_t Mp, class Arch,
          class T, class Sink>
NERVE_INLINE void weight_gradient_tile(const T* x, std::size_t ldx, const T* NERVE_RESTRICT dz,
                                       const Sink& dw, std::size_t row0, std::size_t j) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  simd<T, Arch> acc[R][V];
  outer_tile<R, V, B, Mp, AOrder::transposed, Arch>(x, ldx, dz + j * W, acc);
  unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA {
    const std::size_t at = (j + v) * W;
    if constexpr (M % W != 0) {
      if (at + W > M) {
        const auto live = leading_lanes<Arch, T>(M - at);
        unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
          dw(row0 + r * Mp + at, xsimd::select(live, acc[r][v], simd<T, Arch>(T(0))));
        });
        return;
      }
    }
    unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA { dw(row0 + r * Mp + at, acc[r][v]); });
  });
}

template <std::size_t R, std::size_t V, std::size_t NL, std::size_t B, std::size_t M,
          std::size_t Mp, class Arch, class T, class Sink>
NERVE_INLINE void weight_gradient_rows(const T* x, std::size_t ldx, const T* dz, const Sink& dw,
                                       std::size_t row0) noexcept {
  for (std::size_t j = 0; j < NL / V * V; j += V)
    weight_gradient_tile<R, V, B, M, Mp, Arch>(x, ldx, dz, dw, row0, j);
  if constexpr (NL % V != 0)
    weight_gradient_tile<R, NL % V, B, M, Mp, Arch>(x, ldx, dz, dw, row0, NL / V * V);
}

// dW = X^T dZ into the sink: an outer-product GEMM whose rows are the K inputs and whose reduction
// is the batch; A = X read transposed (broadcast X[i][k .. k+R)), B = dZ rows.
template <std::size_t B, std::size_t M, std::size_t K, std::size_t Mp, class Arch, class T,
          class Sink>
NERVE_INLINE void weight_gradient(const T* X, std::size_t ldx, const T* dZ,
                                  const Sink& dw) noexcept {
  constexpr std::size_t NL = live_registers<M, T, Arch>;
  constexpr TileShape tile = choose_outer_tile(K, NL, B, vector_registers<Arch>);
  constexpr std::size_t R = tile.rows, V = tile.vecs;
  for (std::size_t k = 0; k < K / R * R; k += R)
    weight_gradient_rows<R, V, NL, B, M, Mp, Arch>(X + k, ldx, dZ, dw, k * Mp);
  if constexpr (K % R != 0) {
    constexpr std::size_t k = K / R * R;
    weight_gradient_rows<K % R, V, NL, B, M, Mp, Arch>(X + k, ldx, dZ, dw, k * Mp);
  }
}

// Rows of the dX tile: as many samples as fit with `width` accumulators each, the dZ registers
// of those rows and one weight register.
template <std::size_t B, class T, class Arch>
inline constexpr std::size_t input_gradient_rows = [] {
  std::size_t r = 4;
  while (r > 1 && (r * width<T, Arch> + r + 1 > vector_registers<Arch> || r > B)) --r;
  return r;
}();

// dX[i0 + r][k0 + c] = dot(dZ[i0 + r], Wt[k0 + c]) for an R x C tile, c < C <= width: the dot
// products run in C * R independent registers, then one transposing reduction per row
// turns C registers into C results in one register.
template <std::size_t R, std::size_t C, std::size_t NL, std::size_t Mp, class Arch, class T>
NERVE_INLINE void input_gradient_tile(const T* NERVE_RESTRICT dz, const T* NERVE_RESTRICT wt,
                                      T* NERVE_RESTRICT dx, std::size_t ld_dx) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  simd<T, Arch> acc[R][W];
  unrolled_for<R>([&](auto r) { unrolled_for<W>([&](auto c) { acc[r][c] = simd<T, Arch>(T(0)); }); });
  for (std::size_t v = 0; v < NL; ++v) {
    simd<T, Arch> d[R];
    unrolled_for<R>([&](auto r) { d[r] = load_aligned<Arch>(dz + r * Mp + v * W); });
    unrolled_for<C>([&](auto c) {
      const auto w = load_aligned<Arch>(wt + c * Mp + v * W);
      unrolled_for<R>([&](auto r) { acc[r][c] = xsimd::fma(d[r], w, acc[r][c]); });
    });
  }
  unrolled_for<R>([&](auto r) {
    const auto sums = transpose_sum<Arch>(acc[r]);  // lanes c >= C summed zeros
    if constexpr (C == W) {
      sums.store_unaligned(dx + r * ld_dx);
    } else {
      alignas(64) T tmp[W];
      sums.store_aligned(tmp);
      for (std::size_t c = 0; c < C; ++c) dx[r * ld_dx + c] = tmp[c];
    }
  });
}

template <std::size_t R, std::size_t C, std::size_t B, std::size_t NL, std::size_t Mp, class Arch,
          class T>
NERVE_INLINE void input_gradient_columns(const T* dZ, const T* wt, T* dx,
                                         std::size_t ld_dx) noexcept {
  for (std::size_t i = 0; i < B / R * R; i += R)
    input_gradient_tile<R, C, NL, Mp, Arch>(dZ + i * Mp, wt, dx + i * ld_dx, ld_dx);
  if constexpr (B % R != 0) {
    constexpr std::size_t i = B / R * R;
    input_gradient_tile<B % R, C, NL, Mp, Arch>(dZ + i * Mp, wt, dx + i * ld_dx, ld_dx);
  }
}

// dX = dZ W in dot-product form (Wt rows are W's columns, contiguous along m). Columns of dX
// outside, samples inside: a panel of `width` weight rows stays in L1 while every sample uses it.
template <std::size_t B, std::size_t M, std::size_t K, std::size_t Mp, class Arch, class T>
NERVE_INLINE void input_gradient(const T* dZ, const T* Wt, T* dX, std::size_t ld_dx) noexcept {
  constexpr std::size_t W = width<T, Arch>;
  constexpr std::size_t NL = live_registers<M, T, Arch>;
  constexpr std::size_t R = input_gradient_rows<B, T, Arch>;
  for (std::size_t k = 0; k < K / W * W; k += W)
    input_gradient_columns<R, W, B, NL, Mp, Arch>(dZ, Wt + k * Mp, dX + k, ld_dx);
  if constexpr (K % W != 0) {
    constexpr std::size_t k = K / W * W;
    input_gradient_columns<R, K % W, B, NL, Mp, Arch>(dZ, Wt + k * Mp, dX + k, ld_dx);
  }
}

// dX = dZ W in outer-product form: Wt transposed once into wr (transpose_weights), then each
// R x V tile of dX sums, over m < M, dZ[i][m] (broadcast) times row m of wr, as the forward GEMM
// does; no horizontal reduction. The last register of a row is stored in
// part when K is not a whole number of registers (columns k >= K are not touched).
template <std::size_t B, std::size_t M, std::size_t K, std::size_t Mp, class Arch, class T>
NERVE_INLINE void input_gradient_by_rows(const T* dZ, const T* Wt, T* wr, T* dX,
                                         std::size_t ld_dx) noexcept {
  constexpr std::size_t W = width<T, Arch>, Kp = padded<K, T>, NV = (K + W - 1) / W;
  transpose_weights<M, K, T, Arch>(Wt, wr);
  constexpr TileShape tile = choose_outer_tile(B, NV, M, vector_registers<Arch>);
  constexpr std::size_t TR = tile.rows, TV = tile.vecs;
  auto rows = [&]<std::size_t R>(std::size_t i) NERVE_TILE_LAMBDA {
    auto cols = [&]<std::size_t V>(std::size_t v0) NERVE_TILE_LAMBDA {
      simd<T, Arch> acc[R][V];
      outer_tile<R, V, M, Kp, AOrder::rows, Arch>(dZ + i * Mp, Mp, wr + v0 * W, acc);
      unrolled_for<R>([&](auto r) NERVE_TILE_LAMBDA {
        T* row = dX + (i + r) * ld_dx;
        unrolled_for<V>([&](auto v) NERVE_TILE_LAMBDA {
          const std::size_t at = (v0 + v) * W;
          if (K % W == 0 || at + W <= K) {
            acc[r][v].store_unaligned(row + at);
          } else {
            alignas(64) T part[W];
            acc[r][v].store_aligned(part);
            std::copy_n(part, K - at, row + at);
          }
        });
      });
    };
    for (std::size_t v0 = 0; v0 < NV / TV * TV; v0 += TV) cols.template operator()<TV>(v0);
    if constexpr (NV % TV != 0) cols.template operator()<NV % TV>(NV / TV * TV);
  };
  for (std::size_t i = 0; i < B / TR * TR; i += TR) rows.template operator()<TR>(i);
  if constexpr (B % TR != 0) rows.template operator()<B % TR>(B / TR * TR);
}

}  // namespace detail

// Whether dX = dZ W pays for transposing the weights first (input_gradient_by_rows) rather than
// taking dot products along Wt's rows (input_gradient): modelled cycles, FMAs at two per cycle,
// about 20 cycles of shuffles and adds for each register of dX the dot products reduce, and one
// cycle per weight moved by the transpose. Many rows (a sequence's batch x steps) or few outputs
// (a classifier's last layer) pick the rows; LeNet's 120 -> 84 at batch 32 keeps the dot products.
template <std::size_t B, std::size_t M, std::size_t K, class T, class Arch = xsimd::default_arch>
inline constexpr bool input_gradient_transposes = [] {
  constexpr std::size_t W = width<T, Arch>, NV = (K + W - 1) / W;
  constexpr std::size_t NL = detail::live_registers<M, T, Arch>;
  const double dot = double(B * K * NL) / 2 + 20.0 * double(B * NV);
  const double rows = double(B * NV * M) / 2 + double(K * M);
  return rows < dot;
}();

// Backward pass of a Dense layer with its activation fused, for a batch of B samples (B may be 1).
//   X: the layer's input, B rows of K values, leading dimension ldx, any alignment.
//   Wt: packed weights (layout.hpp). dY, Y: [B][Mp], the gradient w.r.t. and the value of the
//   output; Z: [B][Mp] pre-activations or nullptr (then p receives y as z).
//   p: prologue, dZ = p(dY, Y, Z) (epilogue.hpp).
//   dZ: [B][Mp] scratch, written: p's result for m < M and exactly 0 for m >= M, whatever dY, Y
//       and Z hold there (the padded columns of dY need not be zero). Not written with
//       PassGradient on rows with no padding (M == Mp): dY is read in its place.
//   dw, db: gradient sinks (gradient_sink.hpp) of the [K][Mp] weight and [Mp] bias gradients,
//       called with one register at a time and its element offset; db may be disabled (no bias).
//       The padded columns m >= M are handed over as exact zeros.
//   dX: nullptr, or [B][ld_dx] overwritten with dX[i][k] = sum_m dZ[i][m] Wt[k][m] for k < K;
//       columns k >= K are not touched.
//   wr: where input_gradient_transposes<B, M, K, T, Arch> holds and dX is wanted,
//       transposed_weights<M, K, T> elements of 64-byte aligned scratch: dX is taken in
//       outer-product form from the weights transposed there (transpose_weights). Otherwise
//       not read (dX by dot products), and may be null. One form per shape, so a layer compiles one.
// All pointers but X and dX are 64-byte aligned; outputs must not alias inputs. A sink that
// changes Wt in place (apply_update) is called only after dX is complete, so dX is computed from
// the weights as they were.
template <std::size_t B, std::size_t M, std::size_t K, class T, class Arch = xsimd::default_arch,
          class Prologue, class WeightSink, class BiasSink>
void dense_backward_into(const T* X, std::size_t ldx, const T* Wt, const T* dY, const T* Y,
                         const not_deduced<T>* Z, Prologue p, T* dZ, const WeightSink& dw,
                         const BiasSink& db, not_deduced<T>* dX, std::size_t ld_dx,
                         not_deduced<T>* wr = nullptr) noexcept {
  static_assert(B > 0 && M > 0 && K > 0, "dense_backward: sizes must be positive");
  constexpr std::size_t Mp = padded<M, T>;
  if constexpr (std::is_same_v<Prologue, PassGradient> && M == Mp) {
    detail::pass_through_prologue<B, Mp, Arch>(dY, db);
    dZ = const_cast<T*>(dY);  // read only from here on
  } else {
    detail::gradient_prologue<B, M, Mp, Arch>(dY, Y, Z, p, dZ, db);  // db does not read Wt
  }
  const auto input_gradient = [&] {
    if constexpr (input_gradient_transposes<B, M, K, T, Arch>)
      detail::input_gradient_by_rows<B, M, K, Mp, Arch>(dZ, Wt, wr, dX, ld_dx);
    else
      detail::input_gradient<B, M, K, Mp, Arch>(dZ, Wt, dX, ld_dx);
  };
  if constexpr (WeightSink::in_place) {
    if (dX) input_gradient();
    detail::weight_gradient<B, M, K, Mp, Arch>(X, ldx, dZ, dw);
  } else {
    detail::weight_gradient<B, M, K, Mp, Arch>(X, ldx, dZ, dw);
    if (dX) input_gradient();
  }
}

// The same with gradient arrays: dWt [K][Mp] and db [Mp] (nullptr: no bias), accumulated +=, or
// written when Accumulate = false (a training step then needs no pass that zeroes the gradients
// first). Their padded columns are written with zeros (written) or zeros are added (accumulated),
// so zeros stay exactly zero.
template <std::size_t B, std::size_t M, std::size_t K, class T, class Arch = xsimd::default_arch,
          bool Accumulate = true, class Prologue>
void dense_backward(const T* X, std::size_t ldx, const T* Wt, const T* dY, const T* Y,
                    const not_deduced<T>* Z, Prologue p, T* dZ, T* dWt, not_deduced<T>* db,
                    not_deduced<T>* dX, std::size_t ld_dx, not_deduced<T>* wr = nullptr) noexcept {
  using Sink = std::conditional_t<Accumulate, add_gradient<T>, write_gradient<T>>;
  dense_backward_into<B, M, K, T, Arch>(X, ldx, Wt, dY, Y, Z, p, dZ, Sink{dWt}, Sink{db}, dX,
                                        ld_dx, wr);
}

}  // namespace nerve::kernels
