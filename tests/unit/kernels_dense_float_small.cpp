// The dense kernels against the scalar reference: the narrower SIMD architectures, and the
// padded layout (the cases and the tolerance are in kernels_dense_cases.hpp).
#include <catch2/catch.hpp>

#include "kernels_dense_cases.hpp"

TEMPLATE_LIST_TEST_CASE("dense kernels match the reference (float, batches 1 and 3)", "[kernels][dense]",
                        SmallBatches<float>) {
  run_case<TestType, xsimd::default_arch>();
}
