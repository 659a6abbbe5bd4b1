// nerve/config.hpp: the one place for compiler and instruction-set conditionals.
#pragma once

#include <cstddef>  // std::size_t

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

namespace nerve {

// Every tensor buffer starts on a 64-byte boundary: one cache line, one AVX-512 register.
inline constexpr std::size_t alignment = 64;

}  // namespace nerve
