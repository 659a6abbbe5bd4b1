// MaxPool, AvgPool and GlobalAvgPool against finite differences, in double: odd planes (7x5),
// strides above, equal to and below the kernel (overlapping windows), padding (Pad and Same), a
// window as large as the input, one channel and several, batches 1 and 3. gradcheck compares
// parameter gradients only, so each pooling layer sits after an Affine (weights moved off 1): its
// gradient a * x is right only if the pooling layer's dx is. Random inputs have no ties, so the
// maximum of each window is the same a step h away.
#include <catch2/catch.hpp>

#include <nerve/layers/affine.hpp>
#include <nerve/layers/avg_pool.hpp>
#include <nerve/layers/global_avg_pool.hpp>
#include <nerve/layers/max_pool.hpp>

#include "support/random_values.hpp"
#include "support/check_gradients.hpp"

using namespace nerve;

namespace {

using nerve_test::perturb;

constexpr double tolerance = 1e-5;  // relative; central differences with h = 1e-6 in double

const std::uint32_t labels[3] = {0, 2, 1};


template <class Net, std::size_t B>
void check(std::uint64_t seed) {
  auto prepare = [seed](auto& net) { perturb<1>(net, 0.5, 1.5, seed + 20); };
  nerve_test::check_gradients<Net, CrossEntropy, B>(labels, seed, prepare, tolerance);
}

// (C, H, W) -> Affine -> Pool -> Flatten -> Dense<3> -> Softmax, batches 1 and 3.
template <class Pool, std::size_t C, std::size_t H, std::size_t W>
void check_pool(std::uint64_t seed) {
  using Net = BasicNetwork<double, Input<C, H, W>, Affine, Pool, Flatten, Dense<3>, Softmax>;
  check<Net, 1>(seed);
  check<Net, 3>(seed + 1);
}

template <template <auto, class, class> class Pool>
void check_every_window() {
  {
    INFO("2x2, stride 2, one 7x5 channel (a row and a column left over)");
    check_pool<Pool<2, Stride<2>, Valid>, 1, 7, 5>(1);
  }
  {
    INFO("3x3, stride 2 (overlapping windows), 3 channels");
    check_pool<Pool<3, Stride<2>, Valid>, 3, 7, 5>(3);
  }
  {
    INFO("3x3, stride 1, Pad<1>: every value in up to 9 windows");
    check_pool<Pool<3, Stride<1>, Pad<1>>, 2, 7, 5>(5);
  }
  {
    INFO("3x3, stride 2, Pad<1>");
    check_pool<Pool<3, Stride<2>, Pad<1>>, 2, 7, 5>(7);
  }
  {
    INFO("2x2, stride 1, Same");
    check_pool<Pool<2, Stride<1>, Same>, 1, 5, 7>(9);
  }
  {
    INFO("Kernel<3, 2>, Stride<2, 1>, Pad<1, 0>");
    check_pool<Pool<Kernel<3, 2>{}, Stride<2, 1>, Pad<1, 0>>, 2, 7, 5>(11);
  }
  {
    INFO("a window as large as the input: one output per channel");
    check_pool<Pool<Kernel<7, 5>{}, Stride<1>, Valid>, 3, 7, 5>(13);
  }
  {
    INFO("a window larger than the input, padded to fit");
    check_pool<Pool<4, Stride<1>, Pad<1>>, 2, 3, 2>(15);
  }
}

}  // namespace

TEST_CASE("gradcheck: MaxPool, every window shape", "[gradcheck][max_pool]") {
  check_every_window<MaxPool>();
}

TEST_CASE("gradcheck: AvgPool, every window shape", "[gradcheck][avg_pool]") {
  check_every_window<AvgPool>();
}

template <auto K, class S, class P>
using AvgPoolExcludingPad = AvgPool<K, S, P, ExcludePad>;

TEST_CASE("gradcheck: AvgPool with ExcludePad, every window shape", "[gradcheck][avg_pool]") {
  check_every_window<AvgPoolExcludingPad>();
}

TEST_CASE("gradcheck: MaxPool and AvgPool in ceil mode, last windows cut short",
          "[gradcheck][max_pool][avg_pool]") {
  // 7x5 at 2x2 stride 2: a last window one row high and one column wide; 3x3 stride 2 Pad<1> on
  // 8x6: the last row of windows past the padded plane (IncludePad divides it by its 2 rows).
  check_pool<MaxPool<2, Stride<2>, Valid, CeilMode>, 2, 7, 5>(41);
  check_pool<AvgPool<2, Stride<2>, Valid, CeilMode>, 2, 7, 5>(43);
  check_pool<AvgPool<3, Stride<2>, Pad<1>, CeilMode>, 2, 8, 6>(45);
  check_pool<AvgPool<3, Stride<2>, Pad<1>, ExcludePad, CeilMode>, 1, 8, 6>(47);
}

TEST_CASE("gradcheck: AvgPool with Divisor (divisor_override), padded and cut windows",
          "[gradcheck][avg_pool]") {
  check_pool<AvgPool<3, Stride<1>, Pad<1>, Divisor<4>>, 2, 7, 5>(51);
  check_pool<AvgPool<3, Stride<2>, Pad<1>, CeilMode, Divisor<5>>, 1, 8, 6>(53);
}

TEST_CASE("gradcheck: GlobalAvgPool, one channel and several", "[gradcheck][global_avg_pool]") {
  // GlobalAvgPool gives a vector: Dense follows it directly.
  using One = BasicNetwork<double, Input<1, 7, 5>, Affine, GlobalAvgPool, Dense<3>, Softmax>;
  using Four = BasicNetwork<double, Input<4, 7, 5>, Affine, GlobalAvgPool, Dense<3>, Softmax>;
  using Large = BasicNetwork<double, Input<3, 13, 11>, Affine, GlobalAvgPool, Dense<3>, Softmax>;
  check<One, 1>(21);
  check<One, 3>(22);
  check<Four, 1>(23);
  check<Four, 3>(24);
  check<Large, 3>(25);
}

TEST_CASE("gradcheck: pooling layers in a row", "[gradcheck][max_pool][avg_pool]") {
  // Max, then average, then global average, with a Tanh between: the gradient goes back through
  // all three to the Affine in front.
  using Net = BasicNetwork<double, Input<3, 11, 9>, Affine, MaxPool<3, Stride<2>, Pad<1>>, Tanh,
                           AvgPool<2, Stride<1>>, GlobalAvgPool, Dense<3>, Softmax>;
  check<Net, 1>(31);
  check<Net, 3>(32);
}
