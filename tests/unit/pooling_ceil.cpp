// MaxPool and AvgPool in ceil mode (PyTorch's ceil_mode=True) against plain loops of PyTorch's
// definitions (tests/unit/pooling_cases.hpp), in float and double, batches 1 and 3: the output
// shapes, a last window cut short by the plane's edge (unpadded) and by the padded plane's edge
// (AvgPool's IncludePad divisor counts only its positions in the padded plane), the last window
// dropped where it would start past the image and its padding, planes where ceil and floor agree
// (the register paths still taken), and the options' names and checks.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include "pooling_cases.hpp"

#include <cstddef>
#include <vector>

using namespace nerve;

namespace {

template <auto K, class S, class P>
using MaxPoolCeil = MaxPool<K, S, P, CeilMode>;
template <auto K, class S, class P>
using AvgPoolCeil = AvgPool<K, S, P, CeilMode>;
// The options in the other order, as they may be written.
template <auto K, class S, class P>
using AvgPoolCeilExcludingPad = AvgPool<K, S, P, CeilMode, ExcludePad>;

template <class T, template <auto, class, class> class Pool>
void check_every_ceil_window() {
  {
    INFO("2x2, stride 2, 3 channels of 7x5: a last window of one row, one of one column");
    check_pool<T, Pool<2, Stride<2>, Valid>, 3, 7, 5>();
  }
  {
    INFO("3x3, stride 2, 2 channels of 8x6: overlapping windows, the last ones cut");
    check_pool<T, Pool<3, Stride<2>, Valid>, 2, 8, 6>();
  }
  {
    INFO("3x3, stride 2, Pad<1> on 8x6: the last row window past the padded plane");
    check_pool<T, Pool<3, Stride<2>, Pad<1>>, 2, 8, 6>();
  }
  {
    INFO("2x2, stride 2, Pad<1> on 5x5: the window that would start in the padding dropped");
    check_pool<T, Pool<2, Stride<2>, Pad<1>>, 1, 5, 5>();
  }
  {
    INFO("Kernel<3, 2>, Stride<2, 3>, Pad<1, 0> on 7x8");
    check_pool<T, Pool<Kernel<3, 2>{}, Stride<2, 3>, Pad<1, 0>>, 2, 7, 8>();
  }
  {
    INFO("Pad<0, 1, 1, 0> (top, left, bottom, right), 3x3 stride 2 on 6x7");
    check_pool<T, Pool<3, Stride<2>, Pad<0, 1, 1, 0>>, 2, 6, 7>();
  }
  {
    INFO("2x2, stride 2, 4x41: 21 windows a row, the last one a column wide");
    check_pool<T, Pool<2, Stride<2>, Valid>, 1, 4, 41>();
  }
  // Where ceil and floor give the same windows: the forms that read whole windows a register at
  // a time (MaxPool) and the tiled backward still run.
  {
    INFO("2x2, stride 2, 2 channels of 28x28 (LeNet's first pool)");
    check_pool<T, Pool<2, Stride<2>, Valid>, 2, 28, 28>();
  }
  {
    INFO("2x2, stride 2, 16 channels of 10x10 (LeNet's second pool)");
    check_pool<T, Pool<2, Stride<2>, Valid>, 16, 10, 10>();
  }
}

}  // namespace

TEST_CASE("pooling in ceil mode: shapes, names and option checks", "[pooling]") {
  // PyTorch: nn.MaxPool2d(2, ceil_mode=True) on 7x5 gives 4x3; on 8x8, 4x4 as in floor mode.
  STATIC_REQUIRE(Network<Input<2, 7, 5>, MaxPool<2, Stride<2>, Valid, CeilMode>>::output_shape ==
                 Shape<2, 4, 3>{});
  STATIC_REQUIRE(Network<Input<2, 8, 8>, MaxPool<2, Stride<2>, Valid, CeilMode>>::output_shape ==
                 Shape<2, 4, 4>{});
  STATIC_REQUIRE(Network<Input<2, 8, 6>, AvgPool<3, Stride<2>, Valid, CeilMode>>::output_shape ==
                 Shape<2, 4, 3>{});
  STATIC_REQUIRE(Network<Input<2, 8, 6>, AvgPool<3, Stride<2>, Pad<1>, CeilMode>>::output_shape ==
                 Shape<2, 5, 4>{});
  // (5 + 2 - 2) / 2 rounded up is 3, plus 1: a fourth window would start at row 5, past the
  // image and its top padding, so PyTorch drops it: 3, as in floor mode.
  STATIC_REQUIRE(Network<Input<1, 5, 5>, MaxPool<2, Stride<2>, Pad<1>, CeilMode>>::output_shape ==
                 Shape<1, 3, 3>{});
  // GoogLeNet's pools (torchvision): 3x3, stride 2, ceil_mode=True on 112x112 and 56x56.
  STATIC_REQUIRE(Network<Input<64, 112, 112>, MaxPool<3, Stride<2>, Valid, CeilMode>>::output_shape ==
                 Shape<64, 56, 56>{});
  STATIC_REQUIRE(Network<Input<192, 56, 56>, MaxPool<3, Stride<2>, Valid, CeilMode>>::output_shape ==
                 Shape<192, 28, 28>{});
  STATIC_REQUIRE(Network<Input<192, 56, 56>, MaxPool<3, Stride<2>>>::output_shape ==
                 Shape<192, 27, 27>{});
  // FloorMode is the default, spelled out.
  STATIC_REQUIRE(Network<Input<2, 7, 5>, MaxPool<2, Stride<2>, Valid, FloorMode>>::output_shape ==
                 Shape<2, 3, 2>{});

  // Every argument written when an option is, so that the name is a type again.
  CHECK(MaxPool<2, Stride<2>, Valid, CeilMode>::name() == "MaxPool<2, Stride<2>, Valid, CeilMode>");
  CHECK(MaxPool<2, Stride<2>, Valid, FloorMode>::name() == "MaxPool<2>");
  CHECK(AvgPool<3, Stride<2>, Pad<1>, CeilMode>::name() == "AvgPool<3, Stride<2>, Pad<1>, CeilMode>");
  CHECK(AvgPool<3, Stride<2>, Pad<1>, CeilMode, ExcludePad>::name() ==
        "AvgPool<3, Stride<2>, Pad<1>, ExcludePad, CeilMode>");
  CHECK(AvgPool<3, Stride<2>, Pad<1>, ExcludePad, CeilMode>::name() ==
        "AvgPool<3, Stride<2>, Pad<1>, ExcludePad, CeilMode>");

  // Options: any order, each kind once; MaxPool has no pad count.
  STATIC_REQUIRE(AvgPool<3, Stride<2>, Pad<1>, ExcludePad, CeilMode>::valid_parameters);
  STATIC_REQUIRE(AvgPool<3, Stride<2>, Pad<1>, CeilMode, IncludePad>::valid_parameters);
  STATIC_REQUIRE(!AvgPool<3, Stride<2>, Pad<1>, CeilMode, FloorMode>::valid_parameters);
  STATIC_REQUIRE(!AvgPool<3, Stride<2>, Pad<1>, ExcludePad, IncludePad>::valid_parameters);
  STATIC_REQUIRE(MaxPool<3, Stride<2>, Pad<1>, CeilMode>::valid_parameters);
  STATIC_REQUIRE(!MaxPool<3, Stride<2>, Pad<1>, ExcludePad>::valid_parameters);
  STATIC_REQUIRE(!MaxPool<3, Stride<2>, Pad<1>, CeilMode, CeilMode>::valid_parameters);
  STATIC_REQUIRE(!MaxPool<3, Stride<2>, Pad<1>, Stride<1>>::valid_parameters);

  // Kept memory follows the larger output.
  STATIC_REQUIRE(MaxPool<2, Stride<2>, Valid, CeilMode>::workspace<float, Shape<6, 7, 5>, 8,
                                                                 mode::training>.kept ==
                 8 * 6 * 4 * 3);
}

TEMPLATE_TEST_CASE("MaxPool in ceil mode: values and input gradients against plain loops",
                   "[pooling][max_pool]", float, double) {
  check_every_ceil_window<TestType, MaxPoolCeil>();
}

TEMPLATE_TEST_CASE("AvgPool in ceil mode: values and input gradients against plain loops",
                   "[pooling][avg_pool]", float, double) {
  check_every_ceil_window<TestType, AvgPoolCeil>();
}

TEMPLATE_TEST_CASE("AvgPool in ceil mode with ExcludePad: values and input gradients against "
                   "plain loops", "[pooling][avg_pool]", float, double) {
  check_every_ceil_window<TestType, AvgPoolCeilExcludingPad>();
}

TEMPLATE_TEST_CASE("AvgPool in ceil mode: a last window's divisor, by hand", "[pooling][avg_pool]",
                   float, double) {
  using T = TestType;
  // 1 x 3 x 3, 2 x 2 windows at stride 2, ceil: four windows, the last row and column of one
  // value each. PyTorch: avg_pool2d(x, 2, ceil_mode=True) = [[3, 7.5], [7.5, 9]] (no padding:
  // each cut window is divided by its values).
  const T x[9] = {1, 2, 9, 4, 5, 6, 7, 8, 9};
  using Net = BasicNetwork<T, Input<1, 3, 3>, AvgPool<2, Stride<2>, Valid, CeilMode>>;
  Net net{Seed{1}};
  const auto y = net(x);
  CHECK(y.data()[0] == Approx((1.0 + 2 + 4 + 5) / 4));
  CHECK(y.data()[1] == Approx((9.0 + 6) / 2));
  CHECK(y.data()[2] == Approx((7.0 + 8) / 2));
  CHECK(y.data()[3] == Approx(9.0));

  // Pad<1>, 3 x 3 windows at stride 2 on 4 x 4: rows -1..1, 1..3, 3..5; the padded plane ends at
  // row 4, so the last window holds rows 3 and 4 (padding): IncludePad divides it by 2 x 3 = 6
  // at the bottom left, ExcludePad by its 2 values in the image.
  const T z[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  using Padded = BasicNetwork<T, Input<1, 4, 4>, AvgPool<3, Stride<2>, Pad<1>, CeilMode>>;
  using Excluding =
      BasicNetwork<T, Input<1, 4, 4>, AvgPool<3, Stride<2>, Pad<1>, CeilMode, ExcludePad>>;
  STATIC_REQUIRE(Padded::output_shape == Shape<1, 3, 3>{});
  Padded padded{Seed{1}};
  Excluding excluding{Seed{1}};
  const auto p = padded(z);
  const auto e = excluding(z);
  CHECK(p.data()[6] == Approx((13.0 + 14) / 6));  // rows 3..4, columns -1..1
  CHECK(e.data()[6] == Approx((13.0 + 14) / 2));
  CHECK(p.data()[8] == Approx(16.0 / 4));  // rows 3..4, columns 3..4: one value
  CHECK(e.data()[8] == Approx(16.0));
  CHECK(p.data()[4] == Approx((6.0 + 7 + 8 + 10 + 11 + 12 + 14 + 15 + 16) / 9));
}
