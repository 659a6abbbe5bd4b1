// nerve/build_check.hpp: does this program run nerve the way it was meant to? The optimisation
// level and the SIMD instruction set it was compiled for, against the CPU it runs on.
//
// nerve is header-only, so its speed is decided by the flags of the user's own build: a program
// built with CMake and no CMAKE_BUILD_TYPE gets no -O at all and trains about 1000 times slower,
// and one built without -march uses 4-float SSE2 registers on a CPU that has 16-float AVX-512.
// Nothing fails in either case, so nothing would tell the user; warn_about_build_once() does, once
// per process, on the stream it is given (std::cerr by default).
//
// Silence it with -DNERVE_NO_BUILD_WARNING (both warnings), -DNERVE_NO_SIMD_WARNING (only the
// instruction-set one, for deliberate portable builds; nerve_target_arch(... ARCH portable) in
// CMake defines it), or the environment variable NERVE_QUIET=1.
#pragma once

#include <atomic>    // std::atomic
#include <cstdlib>   // std::getenv
#include <cstring>   // std::strcmp, std::strncmp, std::strstr
#include <iostream>  // std::cerr
#include <ostream>   // std::ostream

#include "nerve/config.hpp"  // xsimd::default_arch, xsimd_compat::simd_support_for

namespace nerve {

struct build_info {
  bool optimised;              // compiled with optimisation (__OPTIMIZE__: -O1 and above, -Og, -Os)
  const char* simd_compiled;   // xsimd's name of the instruction set compiled for: "sse2", "avx512bw"
  const char* simd_available;  // the best one this CPU has
  bool simd_matches;           // the compiled one is at least as good as the best available
};

namespace detail {

// Floats in one register of the named architecture (for the message only).
inline int simd_float_lanes(const char* name) noexcept {
  if (std::strncmp(name, "avx512", 6) == 0) return 16;
  if (std::strstr(name, "avx") != nullptr) return 8;
  if (std::strcmp(name, "<none>") == 0) return 1;
  return 4;
}

// Set once a warning was written: at most one per process (an inline variable, so one per program).
inline std::atomic<bool> build_warning_written{false};

inline bool build_warning_silenced() noexcept {
  const char* quiet = std::getenv("NERVE_QUIET");
  return quiet != nullptr && quiet[0] != '\0' && std::strcmp(quiet, "0") != 0;
}

}  // namespace detail

// This translation unit's build, and the CPU it runs on. Cheap: the CPU is queried once per
// process (xsimd caches it); nothing allocates.
inline build_info this_build() noexcept {
  build_info b{};
#if defined(__OPTIMIZE__)
  b.optimised = true;
#else
  b.optimised = false;
#endif
  using compiled = xsimd::default_arch;
  const xsimd_compat::simd_support cpu = xsimd_compat::simd_support_for<compiled>();
  b.simd_compiled = compiled::name();
  b.simd_available = cpu.best_available;
  b.simd_matches = cpu.compiled_is_best;
  return b;
}

// Writes what is wrong with `b` and how to fix it, one line per problem; nothing when `b` is
// optimised and its SIMD matches the CPU. Returns whether it wrote anything.
inline bool write_build_warning(std::ostream& os, const build_info& b) {
  if (!b.optimised)
    os << "nerve: this program was compiled without optimisation (no -O2 or -O3): training and "
          "inference run about 100-1000x slower. Build with -DCMAKE_BUILD_TYPE=Release, or link "
          "nerve::optimised (CMake), or pass -O2 to the compiler.\n";
  if (!b.simd_matches)
    os << "nerve: this program was compiled for " << b.simd_compiled << " ("
       << detail::simd_float_lanes(b.simd_compiled) << " floats per register) but this CPU has "
       << b.simd_available << " (" << detail::simd_float_lanes(b.simd_available)
       << "): link nerve::native (CMake) or build with -march=native.\n";
  return !b.optimised || !b.simd_matches;
}

// The warning for `b`, written to `os` at most once per process: later calls, and calls while
// NERVE_QUIET=1 is set, write nothing. A build with nothing to warn about uses up nothing.
inline void warn_about_build_once(std::ostream& os, const build_info& b) {
  if (b.optimised && b.simd_matches) return;
  if (detail::build_warning_written.load(std::memory_order_relaxed)) return;
  if (detail::build_warning_silenced()) return;
  bool expected = false;
  if (!detail::build_warning_written.compare_exchange_strong(expected, true)) return;
  write_build_warning(os, b);
  os.flush();
}

// The warning for this program's own build (see the top of this header). Networks call it from
// their constructor; after the first call it costs one atomic load.
inline void warn_about_build_once(std::ostream& os = std::cerr) {
#if !defined(NERVE_NO_BUILD_WARNING)
  build_info b = this_build();
#if defined(NERVE_NO_SIMD_WARNING)
  b.simd_matches = true;
#endif
  warn_about_build_once(os, b);
#else
  (void)os;
#endif
}

}  // namespace nerve
