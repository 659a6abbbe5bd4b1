// Uses nerve as an outside project would: a network type, its shapes and its summary, and what
// the build it got from nerve's CMake targets reports (CONSUMER_EXPECT, set per executable in
// CMakeLists.txt: 1 nerve::native + nerve::optimised, 2 nerve::nerve alone and no build type,
// 3 nerve::optimised + nerve_target_arch(ARCH portable)).
#include <nerve/nerve.hpp>

#include <cstring>
#include <iostream>
#include <sstream>

using Net = nerve::Network<nerve::Input<784>, nerve::Dense<128>, nerve::ReLU, nerve::Dense<10>,
                           nerve::Softmax>;
static_assert(Net::parameter_count == 101'770);

int main() {
  Net::summary(std::cout);
  if (Net::output_shape != nerve::Shape<10>{}) return 1;

  const nerve::build_info b = nerve::this_build();
  std::cout << "optimised " << b.optimised << ", SIMD compiled " << b.simd_compiled
            << ", available " << b.simd_available << ", matches " << b.simd_matches << "\n";
  std::ostringstream warning;
  nerve::warn_about_build_once(warning);
  std::cout << "warning: [" << warning.str() << "]\n";
  const bool warned_slow = warning.str().find("without optimisation") != std::string::npos;
  const bool warned_simd = warning.str().find("-march=native") != std::string::npos;

  bool ok = true;
  auto expect = [&](bool condition, const char* what) {
    if (!condition) std::cout << "FAILED: " << what << "\n";
    ok = ok && condition;
  };
#if CONSUMER_EXPECT == 1
  expect(b.optimised, "nerve::optimised gives an optimised build without a build type");
  expect(b.simd_matches, "nerve::native compiles for the best SIMD of this CPU");
  expect(warning.str().empty(), "no warning for a fast build");
#elif CONSUMER_EXPECT == 2
  expect(!b.optimised, "nerve::nerve alone, no build type: not optimised");
  expect(warned_slow, "the run-time warning names the missing optimisation");
  expect(warned_simd == !b.simd_matches, "the SIMD advice appears exactly when SIMD does not match");
#elif CONSUMER_EXPECT == 3
  expect(b.optimised, "nerve::optimised gives an optimised build without a build type");
  expect(!warned_simd, "a deliberate portable build gets no -march=native advice");
  expect(warning.str().empty(), "no warning for an optimised, deliberately portable build");
#else
#error "CONSUMER_EXPECT must be 1, 2 or 3"
#endif
  return ok ? 0 : 1;
}
