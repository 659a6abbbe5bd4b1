// nerve/config.hpp: the one place for compiler and instruction-set conditionals.
#pragma once

#include <cstddef>      // std::size_t
#include <type_traits>  // std::is_base_of_v, std::is_same_v

// xsimd comes through here, for every nerve header. g++ 12.2 warns "'__Y' may be used
// uninitialized" inside its own AVX-512 intrinsics (the _mm512_undefined_* idiom, fixed in later
// g++) wherever xsimd's haddp, max or exp is inlined; the warning is located in the intrinsics
// header, so silencing it while xsimd (and so the intrinsics) is first read removes it for the
// whole translation unit, as long as nothing included xsimd or immintrin.h before nerve.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <xsimd/xsimd.hpp>  // xsimd::batch, xsimd::default_arch
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "nerve needs C++20: compile with -std=c++20 (CMake: target_link_libraries(... nerve::nerve))"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define NERVE_INLINE inline __attribute__((always_inline))
#define NERVE_RESTRICT __restrict__
#else
#define NERVE_INLINE inline
#define NERVE_RESTRICT
#endif

// On a lambda inside a register tile or a pointwise pass: always inlined. g++ weighs a lambda
// like any function; when a tile grows (an optimizer step in its epilogue) it may outline one,
// and the tile's register arrays then live in memory (measured: the batch-1 weight gradient ran
// 1.3x slower; an LSTM step whose cell was outlined, 1.2x slower).
#if defined(__GNUC__) || defined(__clang__)
#define NERVE_TILE_LAMBDA __attribute__((always_inline))
#else
#define NERVE_TILE_LAMBDA
#endif

namespace nerve {

// Every tensor buffer starts on a 64-byte boundary: one cache line, one AVX-512 register.
inline constexpr std::size_t alignment = 64;

}  // namespace nerve

// xsimd across its releases. nerve builds with Debian 12's xsimd 8.1 and with later releases
// (tried: docs/portability.md). Everything that differs between them is here: no other nerve
// header tests XSIMD_VERSION_MAJOR or names an xsimd function that a release renamed or removed.
//   9.0 renamed hadd (the sum of one register's lanes) to reduce_add.
//   13.0 removed Arch::version() and available_architectures().best, which ranked instruction
//        sets; the CPU is asked per instruction set instead (available_architectures().has(arch)).
//   haddp of 16 AVX-512 float registers returns its sums in the lane order
//        0 1 4 5 2 3 6 7 8 9 12 13 10 11 14 15 (the other targets and doubles are in order), in
//        every release tried: 8.1.0 and 14.3.0, and xsimd's master of 2026-08-22 has the same
//        kernel. When a release fixes it, haddp_lanes_swapped becomes a version test;
//        tests/unit/kernels_dense_*.cpp check the transposed sums on every target and would fail.
namespace nerve::xsimd_compat {

// The sum of the lanes of x.
template <class T, class Arch>
NERVE_INLINE T reduce_add(const xsimd::batch<T, Arch>& x) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
  return xsimd::reduce_add(x);
#else
  return xsimd::hadd(x);
#endif
}

template <class T, class Arch>
inline constexpr bool haddp_lanes_swapped =
    XSIMD_VERSION_MAJOR >= 8 && std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, float>;

// result[j] = the sum of the lanes of rows[j], for j < the register's width. Where xsimd's lane
// order is swapped, the rows go in in that order: it is an involution, so every sum lands in its
// own lane.
template <class T, class Arch>
NERVE_INLINE xsimd::batch<T, Arch> haddp(const xsimd::batch<T, Arch>* rows) noexcept {
  if constexpr (haddp_lanes_swapped<T, Arch>) {
    const xsimd::batch<T, Arch> swapped[16] = {rows[0], rows[1], rows[4],  rows[5],
                                               rows[2], rows[3], rows[6],  rows[7],
                                               rows[8], rows[9], rows[12], rows[13],
                                               rows[10], rows[11], rows[14], rows[15]};
    return xsimd::haddp(swapped);
  } else {
    return xsimd::haddp(rows);
  }
}

// The best instruction set this CPU has, by xsimd's name ("avx512bw"; "<none>" if xsimd knows
// none), and whether code compiled for Arch uses it or a better one (for nerve/build_check.hpp).
struct simd_support {
  const char* best_available;
  bool compiled_is_best;
};

template <class Arch>
inline simd_support simd_support_for() noexcept {
  simd_support s{"<none>", true};
#if XSIMD_VERSION_MAJOR < 13
  // Every architecture has a version number, larger for a better one; the CPU's best is one.
  const unsigned best = xsimd::available_architectures().best;
  xsimd::all_architectures::for_each([&](auto arch) {
    if (decltype(arch)::version() == best) s.best_available = decltype(arch)::name();
  });
  if (Arch::version() == best) s.best_available = Arch::name();
  s.compiled_is_best = Arch::version() >= best;
#else
  // all_architectures lists each family's instruction sets best first, and the CPU is asked for
  // each one: the first it has is its best. Only the sets the CPU answers for themselves count:
  // avx512vl/256, avx2/128 and the like have no entry and would be answered by a lesser base.
  using cpu = decltype(xsimd::available_architectures());
  const cpu available = xsimd::available_architectures();
  int index = 0, best = -1, compiled = -1;
  xsimd::all_architectures::for_each([&](auto arch) {
    using A = decltype(arch);
    if (std::is_same_v<A, Arch>) compiled = index;
    if constexpr (requires { static_cast<bool (cpu::*)(A) const>(&cpu::has); }) {
      if (best < 0 && available.has(arch)) {
        best = index;
        s.best_available = A::name();
      }
    }
    ++index;
  });
  // An Arch outside xsimd's list (a user's XSIMD_DEFAULT_ARCH) cannot be ranked: no warning.
  s.compiled_is_best = best < 0 || compiled < 0 || compiled <= best;
#endif
  return s;
}

}  // namespace nerve::xsimd_compat
