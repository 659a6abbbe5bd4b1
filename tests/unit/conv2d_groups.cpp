// Conv2D with Groups<g> (PyTorch's groups) against the plain loops of conv2d_cases.hpp, which
// take the groups as an argument: forward, dW, db and dX in float and double, batches 1 and 3,
// with no activation, ReLU and Swish; two groups of one channel each, depthwise (groups =
// channels), depthwise with two filters per channel, strided, padded, dilated and without bias,
// depthwise layers whose forward pass runs on kernels/depthwise.hpp; a pooling layer folded into
// a grouped convolution's pass; names, shapes, parameter layout and the argument checks.
#include "conv2d_cases.hpp"

#include <cstddef>
#include <vector>

namespace {

// A pooling layer folded into a grouped convolution at inference (each group's planes pooled as
// they are made) against the training pass, which keeps them apart and is checked against the
// loops above.
template <class T, class Net>
void check_folded_pool(std::uint64_t seed) {
  using In = typename Net::input_shape_t;
  using Out = typename Net::output_shape_t;
  constexpr std::size_t B = 3;
  Net net{Seed{seed}};
  const auto x = uniform(B * In::size, seed + 1);
  std::vector<T> X(x.begin(), x.end());
  Trainer<Net, MeanSquaredError, SGD, Batch<B>> trainer(net);
  const T* unfolded = trainer.forward(X.data(), In::size);
  for (std::size_t n = 0; n < B; ++n) {
    const auto y = net(X.data() + n * In::size);
    std::vector<double> want(unfolded + n * trainer.ld_output(),
                             unfolded + n * trainer.ld_output() + Out::size);
    require_close<T>(want, y.data(), "folded pool");
  }
}

}  // namespace

TEST_CASE("Conv2D with groups: shapes, names, parameters and argument checks", "[conv2d]") {
  using Two = Conv2D<4, Kernel<3, 3>, Groups<2>>;
  using Depthwise = Conv2D<8, Kernel<3, 3>, Same, Groups<8>>;
  STATIC_REQUIRE(Network<Input<2, 7, 6>, Two>::output_shape == Shape<4, 5, 4>{});
  STATIC_REQUIRE(Network<Input<8, 6, 6>, Depthwise>::output_shape == Shape<8, 6, 6>{});
  // PyTorch's Conv2d(8, 8, 3, padding='same', groups=8).weight is (8, 1, 3, 3).
  STATIC_REQUIRE(Network<Input<8, 6, 6>, Depthwise>::parameter_count == 8 * 1 * 3 * 3 + 8);
  STATIC_REQUIRE(Network<Input<6, 6, 6>, Conv2D<4, Kernel<3, 3>, Groups<2>, NoBias>>::parameter_count ==
                 4 * 3 * 3 * 3);
  STATIC_REQUIRE(Two::geometry<Shape<2, 7, 6>>.channels == 1);
  STATIC_REQUIRE(Two::geometry<Shape<2, 7, 6>>.filters == 2);
  // A group's multiply-adds: filters x (channels / groups) x kh x kw per output position.
  STATIC_REQUIRE(Network<Input<8, 6, 6>, Depthwise>::inference_flops<> ==
                 2 * 9 * 8 * 36 + 8 * 36);

  CHECK(Two::name() == "Conv2D<4, 3x3, groups 2>");
  CHECK(Depthwise::name() == "Conv2D<8, 3x3, same, groups 8>");
  CHECK(Conv2D<4, Kernel<3, 3>, Groups<1>>::name() == "Conv2D<4, 3x3>");

  STATIC_REQUIRE(Two::valid_parameters);
  STATIC_REQUIRE(!Conv2D<4, Kernel<3, 3>, Groups<0>>::valid_parameters);
  STATIC_REQUIRE(!Conv2D<4, Kernel<3, 3>, Groups<3>>::valid_parameters);  // 4 filters, 3 groups
  STATIC_REQUIRE(!Conv2D<4, Kernel<3, 3>, Groups<2>, Groups<2>>::valid_parameters);
  STATIC_REQUIRE(Two::accepts<Shape<4, 5, 5>>);
  STATIC_REQUIRE(!Two::accepts<Shape<3, 5, 5>>);  // 3 channels in 2 groups
}

TEST_CASE("Conv2D with groups against plain loops", "[conv2d]") {
  SECTION("two groups of one channel, two filters each") {
    check_all<Conv2D<4, Kernel<3, 3>, Groups<2>>, Shape<2, 7, 6>>(101);
  }
  SECTION("depthwise, Same, 3 channels") {
    check_all<Conv2D<3, Kernel<3, 3>, Same, Groups<3>>, Shape<3, 6, 7>>(201);
  }
  SECTION("depthwise with two filters per channel, stride 2, Pad<1>") {
    check_all<Conv2D<6, Kernel<3, 3>, Stride<2>, Pad<1>, Groups<3>>, Shape<3, 9, 8>>(301);
  }
  SECTION("two groups of two channels, three filters each, dilation 2, no bias") {
    check_all<Conv2D<6, Kernel<2, 3>, Dilation<2>, NoBias, Groups<2>>, Shape<4, 8, 9>>(401);
  }
  SECTION("four groups on planes wide enough for whole registers (16 x 20)") {
    check_all<Conv2D<8, Kernel<3, 3>, Pad<1>, Groups<4>>, Shape<8, 16, 20>>(501);
  }
  // The forward pass of these runs on kernels/depthwise.hpp (conv2d_depthwise.cpp checks the
  // kernel itself); the ones above stay with conv.hpp's kernels.
  SECTION("depthwise on rows of 20 (the depthwise kernel), Same, 5 channels") {
    using Conv = Conv2D<5, Kernel<3, 3>, Same, Groups<5>>;
    STATIC_REQUIRE(Conv::depthwise<Shape<5, 11, 20>>);
    check_all<Conv, Shape<5, 11, 20>>(701);
  }
  SECTION("depthwise on rows of 14 (the depthwise kernel), 5 x 5, dilation 2, no bias") {
    using Conv = Conv2D<4, Kernel<5, 5>, Dilation<2>, Pad<3>, NoBias, Groups<4>>;
    STATIC_REQUIRE(Conv::depthwise<Shape<4, 12, 16>>);
    check_all<Conv, Shape<4, 12, 16>>(711);
  }
  STATIC_REQUIRE(!Conv2D<3, Kernel<3, 3>, Same, Groups<3>>::depthwise<Shape<3, 6, 7>>);
  STATIC_REQUIRE(!Conv2D<6, Kernel<3, 3>, Stride<2>, Pad<1>, Groups<3>>::depthwise<Shape<3, 9, 8>>);
}

TEMPLATE_TEST_CASE("Conv2D with groups: a pooling layer folded into its pass", "[conv2d][fusion]",
                   float, double) {
  using T = TestType;
  check_folded_pool<T, BasicNetwork<T, Input<4, 9, 8>, Conv2D<6, Kernel<3, 3>, Same, Groups<2>>, ReLU,
                                    MaxPool<2>, Flatten, Dense<3>>>(601);
  check_folded_pool<T, BasicNetwork<T, Input<3, 10, 10>, Conv2D<3, Kernel<3, 3>, Groups<3>>, Tanh,
                                    AvgPool<3, Stride<2>, Pad<1>>, Flatten, Dense<2>>>(611);
  // on the depthwise kernel (rows of 18): its planes handed to the pool from its scratch
  using Depthwise = Conv2D<3, Kernel<3, 3>, Same, Groups<3>>;
  STATIC_REQUIRE(Depthwise::depthwise<Shape<3, 12, 18>>);
  check_folded_pool<T, BasicNetwork<T, Input<3, 12, 18>, Depthwise, ReLU, MaxPool<2>, Flatten,
                                    Dense<3>>>(621);
}
