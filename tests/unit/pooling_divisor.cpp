// AvgPool's Divisor<N> (PyTorch's divisor_override) against plain loops of PyTorch's definition
// (tests/unit/pooling_cases.hpp), in float and double, batches 1 and 3: every window divided by N
// whatever it holds, padded windows, windows cut by ceil mode, beside ExcludePad (which it
// overrides, as in PyTorch), a negative N; by hand; inside a convolution's output pass at
// inference; and the option's name and checks.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include "pooling_cases.hpp"
#include "support/random_values.hpp"

#include <cstddef>
#include <vector>

using namespace nerve;

namespace {

template <auto K, class S, class P>
using AvgPoolBy4 = AvgPool<K, S, P, Divisor<4>>;
template <auto K, class S, class P>
using AvgPoolCeilBy5 = AvgPool<K, S, P, CeilMode, Divisor<5>>;
// ExcludePad beside a divisor changes nothing (PyTorch ignores count_include_pad then).
template <auto K, class S, class P>
using AvgPoolExcludingBy3 = AvgPool<K, S, P, Divisor<3>, ExcludePad>;
template <auto K, class S, class P>
using AvgPoolByMinus2 = AvgPool<K, S, P, Divisor<-2>>;

template <class T, template <auto, class, class> class Pool>
void check_divisor_windows() {
  {
    INFO("2x2, stride 2, 3 channels of 8x6: whole windows");
    check_pool<T, Pool<2, Stride<2>, Valid>, 3, 8, 6>();
  }
  {
    INFO("3x3, stride 1, Pad<1> on 7x5: the border windows part padding");
    check_pool<T, Pool<3, Stride<1>, Pad<1>>, 2, 7, 5>();
  }
  {
    INFO("3x3, stride 2, Pad<1> on 8x6: in ceil mode the last row of windows past the padding");
    check_pool<T, Pool<3, Stride<2>, Pad<1>>, 2, 8, 6>();
  }
  {
    INFO("Kernel<3, 2>, Stride<2, 1>, Pad<1, 0> on 7x5");
    check_pool<T, Pool<Kernel<3, 2>{}, Stride<2, 1>, Pad<1, 0>>, 2, 7, 5>();
  }
}

}  // namespace

TEST_CASE("AvgPool's Divisor: names and option checks", "[pooling][avg_pool]") {
  // Every argument written when an option is, so that the name is a type again (codegen reads it).
  CHECK(AvgPool<2, Stride<2>, Valid, Divisor<3>>::name() == "AvgPool<2, Stride<2>, Valid, Divisor<3>>");
  CHECK(AvgPool<2, Stride<2>, Valid, Divisor<-3>>::name() == "AvgPool<2, Stride<2>, Valid, Divisor<-3>>");
  CHECK(AvgPool<3, Stride<2>, Pad<1>, Divisor<4>, CeilMode, ExcludePad>::name() ==
        "AvgPool<3, Stride<2>, Pad<1>, ExcludePad, CeilMode, Divisor<4>>");
  STATIC_REQUIRE(AvgPool<2, Stride<2>, Valid, Divisor<3>>::divisor_override == 3);
  STATIC_REQUIRE(AvgPool<2>::divisor_override == 0);

  // Any order, once; not 0 (PyTorch's rule), negative allowed (PyTorch's too); not MaxPool's.
  STATIC_REQUIRE(AvgPool<3, Stride<2>, Pad<1>, Divisor<4>, ExcludePad, CeilMode>::valid_parameters);
  STATIC_REQUIRE(AvgPool<3, Stride<2>, Pad<1>, Divisor<-1>>::valid_parameters);
  STATIC_REQUIRE(!AvgPool<3, Stride<2>, Pad<1>, Divisor<0>>::valid_parameters);
  STATIC_REQUIRE(!AvgPool<3, Stride<2>, Pad<1>, Divisor<2>, Divisor<3>>::valid_parameters);
  STATIC_REQUIRE(!MaxPool<3, Stride<2>, Pad<1>, Divisor<2>>::valid_parameters);
  STATIC_REQUIRE(!MaxPool<3, Stride<2>, Pad<1>, CeilMode, Divisor<2>>::valid_parameters);

  // The shape does not depend on the divisor.
  STATIC_REQUIRE(Network<Input<2, 8, 6>, AvgPool<3, Stride<2>, Pad<1>, Divisor<7>>>::output_shape ==
                 Shape<2, 4, 3>{});
}

TEMPLATE_TEST_CASE("AvgPool with Divisor: values and input gradients against plain loops",
                   "[pooling][avg_pool]", float, double) {
  check_divisor_windows<TestType, AvgPoolBy4>();
  check_divisor_windows<TestType, AvgPoolCeilBy5>();
  check_divisor_windows<TestType, AvgPoolExcludingBy3>();
  check_divisor_windows<TestType, AvgPoolByMinus2>();
}

TEMPLATE_TEST_CASE("AvgPool with Divisor, by hand", "[pooling][avg_pool]", float, double) {
  using T = TestType;
  // 1 x 3 x 3, 2 x 2 windows at stride 2 with Pad<1>: windows of 1, 2, 2 and 4 values of the
  // image, each window's sum over 2, whatever it holds. PyTorch: avg_pool2d(x, 2, 2, 1,
  // divisor_override=2) = [[0.5, 5.5], [5.5, 14]].
  const T x[9] = {1, 2, 9, 4, 5, 6, 7, 8, 9};
  using Net = BasicNetwork<T, Input<1, 3, 3>, AvgPool<2, Stride<2>, Pad<1>, Divisor<2>>>;
  Net net{Seed{1}};
  const auto y = net(x);
  CHECK(y.data()[0] == Approx(1.0 / 2));
  CHECK(y.data()[1] == Approx((2.0 + 9) / 2));
  CHECK(y.data()[2] == Approx((4.0 + 7) / 2));
  CHECK(y.data()[3] == Approx((5.0 + 6 + 8 + 9) / 2));

  // The input gradient: each value gets dy / 2 of every window it is in.
  const T dy[4] = {1, 2, 3, 4};
  typename Net::template GradientWorkspace<1> gws;
  const auto dx = net.template input_gradient<1>(x, dy, gws);
  const T want[9] = {0.5, 1, 1, 1.5, 2, 2, 1.5, 2, 2};
  for (std::size_t i = 0; i < 9; ++i) CHECK(dx.data()[i] == Approx(want[i]));
}

TEMPLATE_TEST_CASE("AvgPool with Divisor folded into a convolution's output pass",
                   "[pooling][avg_pool][conv2d]", float, double) {
  using T = TestType;
  // At inference the pool runs inside the convolution's pass (pool_plane); in training it is a
  // pass of its own (forward). Both must divide by the Divisor.
  using Net = BasicNetwork<T, Input<2, 9, 9>, Conv2D<3, Kernel<3, 3>>, ReLU,
                           AvgPool<3, Stride<2>, Pad<1>, Divisor<4>>>;
  using Plain = BasicNetwork<T, Input<2, 9, 9>, Conv2D<3, Kernel<3, 3>>, ReLU,
                             AvgPool<3, Stride<2>, Pad<1>>>;
  using In = typename Net::input_shape_t;
  using Out = typename Net::output_shape_t;
  Net net{Seed{3}};
  Plain plain{Seed{4}};
  plain.template parameters<1>() = net.template parameters<1>();  // the same convolution
  const auto x = nerve_test::uniform_values<T>(In::size, 9, -1.0, 1.0);
  const auto y = net(x.data());
  const auto counted = plain(x.data());
  Trainer<Net, MeanSquaredError, SGD, Batch<1>> trainer(net);
  const T* trained = trainer.forward(x.data(), In::size);
  // Plain divides every window by its 9 positions (IncludePad): Divisor<4> is 9 / 4 times it.
  for (std::size_t i = 0; i < Out::size; ++i) {
    INFO("output " << i);
    CHECK(y.data()[i] == Approx(static_cast<double>(counted.data()[i]) * 9 / 4).margin(1e-6));
    CHECK(trained[i] == Approx(static_cast<double>(y.data()[i])).margin(1e-6));
  }
}
