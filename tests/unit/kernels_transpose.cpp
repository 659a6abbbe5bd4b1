// kernels::transpose_weights against the element-by-element definition, rows[m][k] = Wt[k][m]
// with rows' pads zero: on every architecture this build runs (the register blocks of AVX-512
// and AVX, the element loop of SSE2), in float and double, for shapes of whole blocks, of edges
// only, and of both.
#include <catch2/catch.hpp>

#include <nerve/kernels/transpose.hpp>

#include <cstddef>
#include <tuple>
#include <vector>

#include "kernels_dense_cases.hpp"  // NarrowerArchs

namespace {

using nerve::kernels::padded;

template <class T, class Arch, std::size_t M, std::size_t K>
void check_transpose() {
  constexpr std::size_t Mp = padded<M, T>, Kp = padded<K, T>;
  std::vector<T> wt(K * Mp), rows(M * Kp, T(-7));  // -7: a pad or an element never written
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t m = 0; m < Mp; ++m) wt[k * Mp + m] = m < M ? T(k * 1000 + m + 1) : T(0);
  nerve::kernels::transpose_weights<M, K, T, Arch>(wt.data(), rows.data());
  std::size_t wrong = 0;
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t k = 0; k < Kp; ++k)
      wrong += rows[m * Kp + k] != (k < K ? T(k * 1000 + m + 1) : T(0));
  INFO("M = " << M << ", K = " << K << ", " << sizeof(T) * 8 << "-bit, " << Arch::name());
  CHECK(wrong == 0);
}

template <class T, class Arch>
void check_shapes() {
  check_transpose<T, Arch, 1, 1>();
  check_transpose<T, Arch, 3, 5>();
  check_transpose<T, Arch, 16, 16>();
  check_transpose<T, Arch, 8, 24>();
  check_transpose<T, Arch, 17, 33>();
  check_transpose<T, Arch, 40, 9>();
  check_transpose<T, Arch, 36, 84>();
  check_transpose<T, Arch, 512, 128>();  // W6's W_hh
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("transpose_weights: rows in PyTorch's orientation, pads zero",
                        "[kernels][transpose]",
                        decltype(std::tuple_cat(std::tuple<xsimd::default_arch>{}, NarrowerArchs{}))) {
  check_shapes<float, TestType>();
  check_shapes<double, TestType>();
}
