// nerve::this_build() against facts found independently of xsimd (NDEBUG for the build type, the
// compiler's __builtin_cpu_supports for the CPU), and the warning: its text, once per process,
// NERVE_QUIET.
#include <catch2/catch.hpp>

#include <nerve/build_check.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

// The name xsimd gives the best instruction set of this CPU, from the compiler's own CPU detection
// (__builtin_cpu_supports). The candidates are in xsimd's order, best first, each with the CPU
// features it needs; a candidate counts only if this xsimd knows its name, since releases differ:
// 8.1 stops at avx512bw, 14.3 also has the AVX-512 extensions and avxvnni above it. (Xeon Phi's
// avx512pf and avx512er are left out: clang 19 no longer knows them.)
std::string best_simd_by_compiler() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool f = __builtin_cpu_supports("avx512f"), cd = __builtin_cpu_supports("avx512cd"),
             dq = __builtin_cpu_supports("avx512dq"), bw = __builtin_cpu_supports("avx512bw"),
             vl = __builtin_cpu_supports("avx512vl"), vnni = __builtin_cpu_supports("avx512vnni"),
             vbmi = __builtin_cpu_supports("avx512vbmi"),
             vbmi2 = __builtin_cpu_supports("avx512vbmi2"),
             ifma = __builtin_cpu_supports("avx512ifma"), avx2 = __builtin_cpu_supports("avx2"),
             fma = __builtin_cpu_supports("fma"), avx = __builtin_cpu_supports("avx"),
             avxvnni = __builtin_cpu_supports("avxvnni");
  const bool avx512 = f && cd && dq && bw;  // every AVX-512 CPU other than Xeon Phi has these
  const std::pair<const char*, bool> candidates[] = {
      {"avx512vnni+avx512vbmi2", avx512 && vnni && vbmi2},
      {"avx512vbmi2", avx512 && vbmi2},
      {"avx512vbmi", avx512 && vbmi},
      {"avx512ifma", avx512 && ifma},
      {"avx512vnni+avx512bw", avx512 && vnni},
      {"avx512bw", avx512},
      {"avx512dq", f && cd && dq},
      {"avx512vl", f && cd && vl},
      {"avx512cd", f && cd},
      {"avx512f", f},
      {"avxvnni", avxvnni && avx2 && fma},
      {"fma3+avx2", avx2 && fma},
      {"avx2", avx2},
      {"fma3+avx", avx && fma},
      {"avx", avx},
  };
  std::vector<std::string> known;
  xsimd::all_architectures::for_each([&](auto arch) { known.emplace_back(decltype(arch)::name()); });
  for (const auto& [name, has] : candidates)
    if (has && std::find(known.begin(), known.end(), name) != known.end()) return name;
  return "";  // below AVX: not worth spelling out for this test
#else
  return "";
#endif
}

// A build with both problems: unoptimised, and SSE2 on an AVX-512 CPU.
constexpr nerve::build_info slow_build{false, "sse2", "avx512bw", false};

}  // namespace

TEST_CASE("build_check: this_build reports the optimisation of the test build", "[build_check]") {
  const nerve::build_info b = nerve::this_build();
#if defined(NDEBUG)
  // Release, RelWithDebInfo, MinSizeRel: CMake's optimising configurations define NDEBUG.
  CHECK(b.optimised);
#endif
#if defined(__OPTIMIZE__)
  CHECK(b.optimised);
#else
  CHECK_FALSE(b.optimised);
#endif
}

TEST_CASE("build_check: this_build reports the SIMD compiled and the best one of this CPU",
          "[build_check]") {
  const nerve::build_info b = nerve::this_build();
  CHECK(std::string(b.simd_compiled) == xsimd::default_arch::name());
  const std::string best = best_simd_by_compiler();
  if (!best.empty()) CHECK(b.simd_available == best);
  // The suite is built with -march=native unless NERVE_ARCH says otherwise, and any other choice
  // defines NERVE_NO_SIMD_WARNING (nerve_target_arch): a native build matches the CPU.
#if !defined(NERVE_NO_SIMD_WARNING)
  CHECK(b.simd_matches);
  CHECK(std::string(b.simd_compiled) == b.simd_available);
#else
  CHECK(b.simd_matches == (std::string(b.simd_compiled) == b.simd_available));
#endif
}

TEST_CASE("build_check: nothing to say about an optimised build that matches the CPU",
          "[build_check]") {
  std::ostringstream os;
  CHECK_FALSE(nerve::write_build_warning(os, {true, "avx512bw", "avx512bw", true}));
  CHECK(os.str().empty());
}

TEST_CASE("build_check: the warning says what is wrong and how to fix it", "[build_check]") {
  std::ostringstream os;
  CHECK(nerve::write_build_warning(os, slow_build));
  CHECK(os.str() ==
        "nerve: this program was compiled without optimisation (no -O2 or -O3): training and "
        "inference run about 100-1000x slower. Build with -DCMAKE_BUILD_TYPE=Release, or link "
        "nerve::optimised (CMake), or pass -O2 to the compiler.\n"
        "nerve: this program was compiled for sse2 (4 floats per register) but this CPU has "
        "avx512bw (16): link nerve::native (CMake) or build with -march=native.\n");

  std::ostringstream avx2;
  nerve::write_build_warning(avx2, {true, "fma3+avx2", "avx512bw", false});
  CHECK(avx2.str() ==
        "nerve: this program was compiled for fma3+avx2 (8 floats per register) but this CPU has "
        "avx512bw (16): link nerve::native (CMake) or build with -march=native.\n");
}

TEST_CASE("build_check: the warning goes to the given stream once per process", "[build_check]") {
  nerve::detail::build_warning_written = false;  // whatever ran before in this process
  ::unsetenv("NERVE_QUIET");

  std::ostringstream fine;
  nerve::warn_about_build_once(fine, {true, "avx512bw", "avx512bw", true});
  CHECK(fine.str().empty());  // and uses up nothing

  std::ostringstream first, second;
  nerve::warn_about_build_once(first, slow_build);
  nerve::warn_about_build_once(second, slow_build);
  CHECK(first.str().find("nerve: this program was compiled without optimisation") == 0);
  CHECK(first.str().find("link nerve::native") != std::string::npos);
  CHECK(second.str().empty());

  std::ostringstream third;  // the build's own warning shares the same once
  nerve::warn_about_build_once(third);
  CHECK(third.str().empty());
  nerve::detail::build_warning_written = false;
}

TEST_CASE("build_check: NERVE_QUIET=1 silences the warning without using it up", "[build_check]") {
  nerve::detail::build_warning_written = false;
  ::setenv("NERVE_QUIET", "1", 1);
  std::ostringstream quiet;
  nerve::warn_about_build_once(quiet, slow_build);
  CHECK(quiet.str().empty());

  ::setenv("NERVE_QUIET", "0", 1);  // 0 is not quiet
  std::ostringstream loud;
  nerve::warn_about_build_once(loud, slow_build);
  CHECK_FALSE(loud.str().empty());
  ::unsetenv("NERVE_QUIET");
  nerve::detail::build_warning_written = false;
}
