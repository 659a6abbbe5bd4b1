// nerve/config.hpp: the one place for compiler and instruction-set conditionals.
#pragma once

#include <cstddef>  // std::size_t

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
