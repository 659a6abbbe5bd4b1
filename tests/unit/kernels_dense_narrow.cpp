// The dense kernels against the scalar reference: the narrower SIMD architectures, and the
// padded layout (the cases and the tolerance are in kernels_dense_cases.hpp).
#include <catch2/catch.hpp>

#include "kernels_dense_cases.hpp"

TEMPLATE_LIST_TEST_CASE("dense kernels match the reference on narrower SIMD", "[kernels][dense]",
                        NarrowerArchs) {
  using Arch = TestType;
  std::apply([](auto... c) { (run_case<decltype(c), Arch>(), ...); },
             Concat<FewShapes<float>, FewShapes<double>>{});
}

TEST_CASE("dense tiles: padded layout and tile choice", "[kernels][layout]") {
  STATIC_REQUIRE(lanes<float> == 16);
  STATIC_REQUIRE(lanes<double> == 8);
  STATIC_REQUIRE(padded<1, float> == 16);
  STATIC_REQUIRE(padded<16, float> == 16);
  STATIC_REQUIRE(padded<17, float> == 32);
  STATIC_REQUIRE(padded<33, double> == 40);
  // A tile always fits the register file it was chosen for, accumulators and operands.
  constexpr auto t = nerve::kernels::detail::choose_outer_tile(32, 8, 784, 32);
  STATIC_REQUIRE(t.rows * t.vecs + t.vecs + 1 <= 32);
  constexpr auto s = nerve::kernels::detail::choose_outer_tile(32, 16, 784, 16);
  STATIC_REQUIRE(s.rows * s.vecs + s.vecs + 1 <= 16);
}
