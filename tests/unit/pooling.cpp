// MaxPool, AvgPool and GlobalAvgPool against plain loops of PyTorch's definitions (forward, and
// the input gradient through input_gradient), in float and double, batches 1 and 3, odd planes,
// strides above, equal to and below the kernel, padding, a window as large as the input, one
// channel and several; ties and padding in max pooling; count_include_pad in average pooling;
// names, shapes, kept memory and FLOPs.
#include <catch2/catch.hpp>

#include <nerve/layers/avg_pool.hpp>
#include <nerve/layers/global_avg_pool.hpp>
#include <nerve/layers/max_pool.hpp>
#include <nerve/nerve.hpp>

#include "pooling_cases.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

using namespace nerve;

namespace {

// Every window shape, for layer template Pool (MaxPool or AvgPool).
template <class T, template <auto, class, class> class Pool>
void check_every_window() {
  {
    INFO("2x2, stride 2, 1 channel of 8x8 (even)");
    check_pool<T, Pool<2, Stride<2>, Valid>, 1, 8, 8>();
  }
  {
    INFO("2x2, stride 2, 3 channels of 7x5 (a row and a column left over)");
    check_pool<T, Pool<2, Stride<2>, Valid>, 3, 7, 5>();
  }
  {
    INFO("3x3, stride 2: windows overlap");
    check_pool<T, Pool<3, Stride<2>, Valid>, 2, 7, 5>();
  }
  {
    INFO("3x3, stride 1, Pad<1>: the size kept");
    check_pool<T, Pool<3, Stride<1>, Pad<1>>, 2, 7, 5>();
  }
  {
    INFO("3x3, stride 2, Pad<1>");
    check_pool<T, Pool<3, Stride<2>, Pad<1>>, 4, 9, 6>();
  }
  {
    INFO("2x2, stride 1, Same: one padding row below and one column on the right");
    check_pool<T, Pool<2, Stride<1>, Same>, 1, 5, 7>();
  }
  {
    INFO("Kernel<3, 2>, Stride<2, 1>, Pad<1, 0>");
    check_pool<T, Pool<Kernel<3, 2>{}, Stride<2, 1>, Pad<1, 0>>, 2, 7, 5>();
  }
  {
    INFO("Pad<0, 1, 1, 0>: top, left, bottom, right");
    check_pool<T, Pool<2, Stride<2>, Pad<0, 1, 1, 0>>, 2, 5, 5>();
  }
  {
    INFO("a window as large as the input");
    check_pool<T, Pool<Kernel<7, 5>{}, Stride<1>, Valid>, 3, 7, 5>();
  }
  {
    INFO("a window larger than the input, which the padding makes fit");
    check_pool<T, Pool<4, Stride<1>, Pad<1>>, 2, 3, 2>();
  }
  {
    INFO("a 1x1 window with stride 2: subsampling");
    check_pool<T, Pool<1, Stride<2>, Valid>, 2, 7, 5>();
  }
  {
    INFO("16 channels of 12x12 (wider than a SIMD register)");
    check_pool<T, Pool<2, Stride<2>, Valid>, 16, 12, 12>();
  }
  // Rows whose windows span a register or more: MaxPool takes them a register at a time
  // (max_pool_by_registers), with the last register of a row overlapping the one before.
  {
    INFO("2x2, stride 2, 2 channels of 28x28 (LeNet's first pool)");
    check_pool<T, Pool<2, Stride<2>, Valid>, 2, 28, 28>();
  }
  {
    INFO("3x3, stride 1, 2 channels of 5x37 (35 windows a row)");
    check_pool<T, Pool<3, Stride<1>, Valid>, 2, 5, 37>();
  }
  {
    INFO("Kernel<2, 3>, Stride<1, 2>, 1 channel of 4x40");
    check_pool<T, Pool<Kernel<2, 3>{}, Stride<1, 2>, Valid>, 1, 4, 40>();
  }
  // Windows that tile the plane: MaxPool's backward writes dx a register at a time
  // (max_pool_gradient_by_tiles), a window's lanes spread from one load of dy.
  {
    INFO("3x3, stride 3, 2 channels of 9x27 (a window across two registers of a row)");
    check_pool<T, Pool<3, Stride<3>, Valid>, 2, 9, 27>();
  }
  {
    INFO("Kernel<2, 3>, Stride<2, 3>, 3 channels of 4x36");
    check_pool<T, Pool<Kernel<2, 3>{}, Stride<2, 3>, Valid>, 3, 4, 36>();
  }
  {
    INFO("2x2, stride 2, 16 channels of 10x10 (LeNet's second pool: a row shorter than a register)");
    check_pool<T, Pool<2, Stride<2>, Valid>, 16, 10, 10>();
  }
}

}  // namespace

TEST_CASE("pooling: shapes, names, kept memory and FLOPs", "[pooling]") {
  using LeNetPool = Network<Input<6, 28, 28>, MaxPool<2>>;
  STATIC_REQUIRE(LeNetPool::output_shape == Shape<6, 14, 14>{});
  STATIC_REQUIRE(LeNetPool::parameter_count == 0);
  STATIC_REQUIRE(Network<Input<2, 7, 5>, MaxPool<2>>::output_shape == Shape<2, 3, 2>{});
  STATIC_REQUIRE(Network<Input<2, 7, 5>, MaxPool<3, Stride<2>>>::output_shape == Shape<2, 3, 2>{});
  STATIC_REQUIRE(Network<Input<2, 7, 5>, AvgPool<3, Stride<2>, Pad<1>>>::output_shape ==
                 Shape<2, 4, 3>{});
  STATIC_REQUIRE(Network<Input<2, 7, 5>, AvgPool<3, Stride<1>, Same>>::output_shape ==
                 Shape<2, 7, 5>{});
  STATIC_REQUIRE(Network<Input<2, 7, 5>, MaxPool<Kernel<3, 2>{}>>::output_shape ==
                 Shape<2, 2, 2>{});
  STATIC_REQUIRE(Network<Input<2, 7, 5>, MaxPool<Kernel<7, 5>{}, Stride<1>>>::output_shape ==
                 Shape<2, 1, 1>{});
  STATIC_REQUIRE(Network<Input<5, 7, 3>, GlobalAvgPool>::output_shape == Shape<5>{});
  STATIC_REQUIRE(Network<Input<5, 7, 3>, GlobalAvgPool, Dense<2>>::output_shape == Shape<2>{});
  // The LeNet shape with pooling between the convolutions' places.
  STATIC_REQUIRE(Network<Input<1, 28, 28>, MaxPool<2>, ReLU, AvgPool<2>, Flatten,
                         Dense<10>>::output_shape == Shape<10>{});

  CHECK(MaxPool<2>::name() == "MaxPool<2>");
  CHECK(MaxPool<2, Stride<2>>::name() == "MaxPool<2>");
  CHECK(MaxPool<3, Stride<2>>::name() == "MaxPool<3, Stride<2>>");
  CHECK(MaxPool<3, Stride<1>, Pad<1>>::name() == "MaxPool<3, Stride<1>, Pad<1>>");
  CHECK(MaxPool<2, Stride<2>, Pad<1>>::name() == "MaxPool<2, Stride<2>, Pad<1>>");
  CHECK(AvgPool<Kernel<3, 2>{}, Stride<2, 1>>::name() == "AvgPool<Kernel<3, 2>, Stride<2, 1>>");
  CHECK(AvgPool<2, Stride<1>, Same>::name() == "AvgPool<2, Stride<1>, Same>");
  CHECK(AvgPool<2, Stride<2>, Pad<0, 1, 1, 0>>::name() ==
        "AvgPool<2, Stride<2>, Pad<0, 1, 1, 0>>");
  // With ExcludePad every argument is written, so that the name is a type again.
  CHECK(AvgPool<3, Stride<1>, Pad<1>, ExcludePad>::name() ==
        "AvgPool<3, Stride<1>, Pad<1>, ExcludePad>");
  CHECK(AvgPool<2, Stride<2>, Valid, ExcludePad>::name() == "AvgPool<2, Stride<2>, Valid, ExcludePad>");
  CHECK(AvgPool<3, Stride<1>, Pad<1>, IncludePad>::name() == "AvgPool<3, Stride<1>, Pad<1>>");
  CHECK(GlobalAvgPool::name() == "GlobalAvgPool");

  // Kept memory: a position per output in training, nothing at inference; none for averages.
  STATIC_REQUIRE(MaxPool<2>::workspace<float, Shape<6, 28, 28>, 8, mode::training>.kept ==
                 8 * 6 * 14 * 14);
  STATIC_REQUIRE(MaxPool<2>::workspace<float, Shape<6, 28, 28>, 8, mode::inference>.kept == 0);
  STATIC_REQUIRE(AvgPool<2>::workspace<float, Shape<6, 28, 28>, 8, mode::training>.kept == 0);
  STATIC_REQUIRE(GlobalAvgPool::workspace<float, Shape<6, 28, 28>, 8, mode::training>.kept == 0);

  // FLOPs per sample.
  STATIC_REQUIRE(LeNetPool::inference_flops<> == 6 * 14 * 14 * 3);
  STATIC_REQUIRE(LeNetPool::training_flops<> == 6 * 14 * 14 * (3 + 1));
  STATIC_REQUIRE(Network<Input<6, 28, 28>, AvgPool<2>>::training_flops<> == 6 * 14 * 14 * (4 + 5));
  STATIC_REQUIRE(Network<Input<5, 7, 3>, GlobalAvgPool>::training_flops<> == 5 * 7 * 3 + 5);

  // Argument checks (network/check.hpp reads these; tests/compile_fail shows the messages).
  STATIC_REQUIRE(MaxPool<2>::valid_parameters);
  STATIC_REQUIRE(!MaxPool<0>::valid_parameters);
  STATIC_REQUIRE(!MaxPool<2, Stride<0>>::valid_parameters);
  STATIC_REQUIRE(!AvgPool<-2>::valid_parameters);
  STATIC_REQUIRE(!AvgPool<3, Stride<1>, Pad<2>>::valid_parameters);   // more than 3 / 2
  STATIC_REQUIRE(AvgPool<4, Stride<1>, Pad<2>>::valid_parameters);    // exactly 4 / 2
  STATIC_REQUIRE(!AvgPool<3, Stride<1>, Pad<1>, Valid>::valid_parameters);  // not a count option
  STATIC_REQUIRE(!MaxPool<2, Stride<2>, Pad<-1>>::valid_parameters);
  STATIC_REQUIRE(!MaxPool<3, Stride<2>, Same>::valid_parameters);
  STATIC_REQUIRE(MaxPool<3>::accepts<Shape<1, 3, 3>>);
  STATIC_REQUIRE(!MaxPool<3>::accepts<Shape<1, 2, 3>>);
  STATIC_REQUIRE(MaxPool<3, Stride<1>, Pad<1>>::accepts<Shape<1, 1, 1>>);
  STATIC_REQUIRE(!MaxPool<2>::accepts<Shape<16>>);
  STATIC_REQUIRE(!GlobalAvgPool::accepts<Shape<4, 4>>);
}

TEMPLATE_TEST_CASE("MaxPool: values and input gradients against plain loops", "[pooling][max_pool]",
                   float, double) {
  check_every_window<TestType, MaxPool>();
}

TEMPLATE_TEST_CASE("AvgPool: values and input gradients against plain loops", "[pooling][avg_pool]",
                   float, double) {
  check_every_window<TestType, AvgPool>();
}

TEMPLATE_TEST_CASE("AvgPool with ExcludePad (count_include_pad=False): values and input gradients "
                   "against plain loops", "[pooling][avg_pool]", float, double) {
  check_every_window<TestType, AvgPoolExcludingPad>();
}

TEMPLATE_TEST_CASE("MaxPool: ties go to the first maximum in window order, as in PyTorch",
                   "[pooling][max_pool]", float, double) {
  using T = TestType;
  // Overlapping 2x2 windows at stride 1 over a constant plane: every window's gradient goes to its
  // top-left value, so dx is 1 where a window starts and 0 in the last row and column. A plane 4
  // wide (a window at a time) and one 40 wide (a register of windows at a time).
  auto check = []<std::size_t H, std::size_t W>() {
    using Net = BasicNetwork<T, Input<1, H, W>, MaxPool<2, Stride<1>>>;
    Net net{Seed{1}};
    const std::vector<T> x(H * W, T(0.5));
    const std::vector<T> dy((H - 1) * (W - 1), T(1));
    typename Net::template GradientWorkspace<1> ws;
    const auto dx = net.template input_gradient<1>(x.data(), dy.data(), ws);
    for (std::size_t h = 0; h < H; ++h) {
      for (std::size_t w = 0; w < W; ++w) {
        INFO("plane " << H << "x" << W << ", element (" << h << ", " << w << ")");
        CHECK(dx.data()[h * W + w] == (h + 1 < H && w + 1 < W ? T(1) : T(0)));
      }
    }
  };
  check.template operator()<3, 4>();
  check.template operator()<3, 40>();
}

TEMPLATE_TEST_CASE("MaxPool: padding never wins, even over negative values; AvgPool counts it",
                   "[pooling][max_pool][avg_pool]", float, double) {
  using T = TestType;
  // A 2x2 plane of negative values, a 3x3 window with Pad<1> at stride 1: four windows, each
  // mostly padding.
  const T x[4] = {-4, -3, -2, -1};
  using Max = BasicNetwork<T, Input<1, 2, 2>, MaxPool<3, Stride<1>, Pad<1>>>;
  Max max{Seed{1}};
  const auto y = max(x);
  for (std::size_t i = 0; i < 4; ++i) CHECK(y.data()[i] == T(-1));

  // count_include_pad: the top-left window holds the four values and five zeros: sum / 9.
  using Avg = BasicNetwork<T, Input<1, 2, 2>, AvgPool<3, Stride<1>, Pad<1>>>;
  Avg avg{Seed{1}};
  const auto a = avg(x);
  for (std::size_t i = 0; i < 4; ++i) CHECK(a.data()[i] == Approx(-10.0 / 9.0));

  // A 2x2 window with Pad<1> at stride 2 over a 3x3 plane: the corner window holds one value.
  const T z[9] = {9, 1, 2, 3, 4, 5, 6, 7, 8};
  using Corner = BasicNetwork<T, Input<1, 3, 3>, AvgPool<2, Stride<2>, Pad<1>>>;
  Corner corner{Seed{1}};
  const auto c = corner(z);
  CHECK(c.data()[0] == Approx(9.0 / 4.0));  // PyTorch's count_include_pad=True
  CHECK(c.data()[3] == Approx((4.0 + 5 + 7 + 8) / 4.0));

  // ExcludePad (count_include_pad=False): the corner window is its one value, the edge windows
  // the mean of their two; whole windows as before.
  using Excluding = BasicNetwork<T, Input<1, 3, 3>, AvgPool<2, Stride<2>, Pad<1>, ExcludePad>>;
  Excluding excluding{Seed{1}};
  const auto e = excluding(z);
  CHECK(e.data()[0] == Approx(9.0));
  CHECK(e.data()[1] == Approx((1.0 + 2) / 2));
  CHECK(e.data()[2] == Approx((3.0 + 6) / 2));
  CHECK(e.data()[3] == Approx((4.0 + 5 + 7 + 8) / 4.0));
}

TEMPLATE_TEST_CASE("MaxPool: a NaN in a window comes out, as in PyTorch", "[pooling][max_pool]",
                   float, double) {
  using T = TestType;
  using Net = BasicNetwork<T, Input<1, 2, 4>, MaxPool<2>>;
  Net net{Seed{1}};
  const T x[8] = {1, std::numeric_limits<T>::quiet_NaN(), 3, 4, 5, 6, 7, 8};
  const auto y = net(x);
  CHECK(std::isnan(y.data()[0]));
  CHECK(y.data()[1] == T(8));

  // 20 windows a row, taken a register at a time: a NaN comes out of its window, and of two NaNs
  // the gradient goes to the last in window order.
  using Wide = BasicNetwork<T, Input<1, 2, 40>, MaxPool<2>>;
  Wide wide{Seed{1}};
  std::vector<T> v(80);
  for (std::size_t i = 0; i < 80; ++i) v[i] = T(i % 7) - T(3);
  const T nan = std::numeric_limits<T>::quiet_NaN();
  v[2 * 3 + 1] = nan;                   // window 3, top right
  v[2 * 17] = nan, v[40 + 2 * 17] = nan;  // window 17, top left and bottom left
  const auto out = wide(v.data());
  for (std::size_t o = 0; o < 20; ++o) {
    INFO("window " << o);
    if (o == 3 || o == 17) {
      CHECK(std::isnan(out.data()[o]));
    } else {
      const T want = std::max({v[2 * o], v[2 * o + 1], v[40 + 2 * o], v[40 + 2 * o + 1]});
      CHECK(out.data()[o] == want);
    }
  }
  const std::vector<T> dy(20, T(1));
  typename Wide::template GradientWorkspace<1> ws;
  const auto dx = wide.template input_gradient<1>(v.data(), dy.data(), ws);
  CHECK(dx.data()[2 * 3 + 1] == T(1));
  CHECK(dx.data()[40 + 2 * 17] == T(1));
  CHECK(dx.data()[2 * 17] == T(0));
}

// At inference the register forms take a window's maximum without comparing each value for NaN
// (a comparison per pair of values, and the register redone by the exact rule if one is NaN):
// a NaN at any position of a window, on planes taken a row at a time (2 x 40, 9 x 48), as one run
// of corners (10 x 10, LeNet's second pool, and 9 x 9 with AVX-512's 16 lanes), or a window at a
// time, comes out of that window and of no other.
TEMPLATE_TEST_CASE("MaxPool: a NaN at any position of a window comes out, in every form",
                   "[pooling][max_pool]", float, double) {
  using T = TestType;
  auto check = []<std::size_t H, std::size_t W, std::size_t K>() {
    using Net = BasicNetwork<T, Input<1, H, W>, MaxPool<K>>;
    constexpr std::size_t OH = H / K, OW = W / K;
    Net net{Seed{1}};
    std::vector<T> x(H * W);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = T(i % 11) - T(5);
    for (std::size_t o : {std::size_t{0}, OH * OW / 2, OH * OW - 1}) {
      for (std::size_t k = 0; k < K * K; ++k) {
        const std::size_t at = (o / OW * K + k / K) * W + o % OW * K + k % K;
        std::vector<T> v = x;
        v[at] = std::numeric_limits<T>::quiet_NaN();
        const auto y = net(v.data());
        for (std::size_t p = 0; p < OH * OW; ++p) {
          INFO(H << "x" << W << ", MaxPool<" << K << ">, NaN at position " << k << " of window "
                 << o << "; output " << p);
          if (p == o) {
            CHECK(std::isnan(y.data()[p]));
          } else {
            T want = -std::numeric_limits<T>::infinity();
            for (std::size_t i = 0; i < K; ++i)
              for (std::size_t j = 0; j < K; ++j)
                want = std::max(want, v[(p / OW * K + i) * W + p % OW * K + j]);
            CHECK(y.data()[p] == want);
          }
        }
      }
    }
  };
  check.template operator()<2, 40, 2>();
  check.template operator()<9, 48, 3>();
  check.template operator()<10, 10, 2>();
  check.template operator()<9, 9, 3>();
  check.template operator()<2, 4, 2>();
}

TEMPLATE_TEST_CASE("GlobalAvgPool: the mean of each plane, and its gradient",
                   "[pooling][global_avg_pool]", float, double) {
  using T = TestType;
  auto check = [](auto channels, auto height, auto width) {
    constexpr std::size_t C = decltype(channels)::value, H = decltype(height)::value,
                          W = decltype(width)::value;
    using Net = BasicNetwork<T, Input<C, H, W>, GlobalAvgPool>;
    constexpr std::size_t B = 3, N = H * W;
    Net net{Seed{1}};
    const auto X = uniform_values<T>(B * C * N, 8, -2.0, 3.0);
    const auto dY = uniform_values<T>(B * C, 9, -1.0, 1.0);
    INFO(Net::summary_string());
    Tensor<T, Shape<B, C, H, W>> XT;
    std::copy(X.begin(), X.end(), XT.data());
    typename Net::template Workspace<B> ws;
    const auto Y = net(XT, ws);
    typename Net::template GradientWorkspace<B> gws;
    const auto dX = net.template input_gradient<B>(X.data(), dY.data(), gws);
    for (std::size_t b = 0; b < B; ++b) {
      std::vector<double> mean(C), dx(C * N);
      for (std::size_t c = 0; c < C; ++c) {
        double sum = 0;
        for (std::size_t j = 0; j < N; ++j) sum += X[(b * C + c) * N + j];
        mean[c] = sum / static_cast<double>(N);
        for (std::size_t j = 0; j < N; ++j) dx[c * N + j] = dY[b * C + c] / static_cast<double>(N);
      }
      INFO("sample " << b);
      check_close(Y.data() + b * C, mean, std::is_same_v<T, float> ? 1e-6 : 1e-14);
      check_close(dX.data() + b * C * N, dx, tolerance<T>);
    }
    const auto y1 = net(X.data());  // batch 1
    for (std::size_t c = 0; c < C; ++c) CHECK(y1.data()[c] == Y.data()[c]);
  };
  check(std::integral_constant<std::size_t, 1>{}, std::integral_constant<std::size_t, 1>{},
        std::integral_constant<std::size_t, 1>{});
  check(std::integral_constant<std::size_t, 1>{}, std::integral_constant<std::size_t, 7>{},
        std::integral_constant<std::size_t, 5>{});
  check(std::integral_constant<std::size_t, 6>{}, std::integral_constant<std::size_t, 4>{},
        std::integral_constant<std::size_t, 4>{});
  check(std::integral_constant<std::size_t, 3>{}, std::integral_constant<std::size_t, 13>{},
        std::integral_constant<std::size_t, 11>{});
}
