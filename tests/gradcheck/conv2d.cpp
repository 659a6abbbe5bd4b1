// Conv2D against finite differences, in double: every parameter of a network that convolves,
// applies an activation fused into the convolution, pools and classifies. The second convolution's
// parameters are right only if the first's input gradient (dX through the grid) is. Odd sizes,
// stride > 1 (im2col), padding (Same, explicit, asymmetric), dilation, a kernel as large as its
// input, one channel and many, groups (two, and depthwise), batches of 1 and 3. (tests/unit/conv2d.cpp and
// conv2d_padding.cpp check the same gradients against plain loops, in float too.)
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include "support/check_gradients.hpp"

using namespace nerve;

namespace {

constexpr double tolerance = 1e-5;
const std::uint32_t labels[3] = {2, 0, 1};

template <class Net>
void check(std::uint64_t seed) {
  nerve_test::check_gradients<Net, CrossEntropy, 1>(labels, seed, nerve_test::leave_as_is{}, tolerance);
  nerve_test::check_gradients<Net, CrossEntropy, 3>(labels, seed + 1, nerve_test::leave_as_is{}, tolerance);
}

}  // namespace

TEST_CASE("gradcheck: Conv2D valid, stride 1, then a second Conv2D (one channel, odd sizes)",
          "[gradcheck][conv2d]") {
  check<BasicNetwork<double, Input<1, 7, 6>, Conv2D<3, Kernel<3, 3>>, Tanh,
                     Conv2D<2, Kernel<2, 3>>, Flatten, Dense<3>, Softmax>>(1);
}

TEST_CASE("gradcheck: Conv2D on wide planes (the direct algorithm), padded and dilated",
          "[gradcheck][conv2d]") {
  check<BasicNetwork<double, Input<2, 4, 19>, Conv2D<3, Kernel<3, 3>, Same>, Tanh,
                     Conv2D<2, Kernel<2, 3>, Pad<1, 0, 0, 1>, Dilation<1, 2>>, Flatten, Dense<3>,
                     Softmax>>(11);
}

TEST_CASE("gradcheck: Conv2D with Same and asymmetric padding, many channels, ReLU and MaxPool",
          "[gradcheck][conv2d]") {
  check<BasicNetwork<double, Input<3, 6, 5>, Conv2D<4, Kernel<4, 4>, Same>, Tanh,
                     Conv2D<5, Kernel<3, 2>, Pad<0, 1, 2, 1>>, ReLU, MaxPool<2>, Flatten, Dense<3>,
                     Softmax>>(3);
}

TEST_CASE("gradcheck: Conv2D with stride 2 (im2col), padding and dilation", "[gradcheck][conv2d]") {
  check<BasicNetwork<double, Input<2, 9, 8>, Conv2D<3, Kernel<3, 3>, Stride<2>, Pad<1>>, Tanh,
                     Conv2D<4, Kernel<2, 2>, Dilation<2>>, Flatten, Dense<3>, Softmax>>(5);
  check<BasicNetwork<double, Input<2, 10, 7>, Conv2D<3, Kernel<3, 2>, Stride<3, 2>, Pad<1, 0, 2, 1>>,
                     Tanh, Conv2D<2, Kernel<2, 2>, Stride<2>>, Flatten, Dense<3>, Softmax>>(7);
}

TEST_CASE("gradcheck: Conv2D with a kernel as large as its input, without bias, Swish fused",
          "[gradcheck][conv2d]") {
  using expr::x;
  check<BasicNetwork<double, Input<2, 5, 5>, Conv2D<3, Kernel<3, 3>, NoBias>,
                     Activation<x * expr::sigmoid(x)>, Conv2D<4, Kernel<3, 3>>, Flatten, Dense<3>,
                     Softmax>>(9);
}

TEST_CASE("gradcheck: Conv2D with groups: two groups, then depthwise with a stride",
          "[gradcheck][conv2d]") {
  check<BasicNetwork<double, Input<4, 7, 6>, Conv2D<6, Kernel<3, 3>, Groups<2>>, Tanh,
                     Conv2D<6, Kernel<3, 3>, Stride<2>, Pad<1>, Groups<6>>, Flatten, Dense<3>,
                     Softmax>>(71);
}

TEST_CASE("gradcheck: depthwise Conv2D on the depthwise kernel (rows of 10), two filters a channel",
          "[gradcheck][conv2d]") {
  // Conv2D<..>::depthwise: both passes on kernels/depthwise.hpp; the first layer's input gradient
  // feeds the loss through the second.
  using First = Conv2D<2, Kernel<3, 3>, Same, Groups<2>>;
  using Second = Conv2D<4, Kernel<3, 3>, Dilation<2>, Pad<2>, Groups<2>>;
  STATIC_REQUIRE(First::depthwise<Shape<2, 4, 10>>);
  STATIC_REQUIRE(Second::depthwise<Shape<2, 4, 10>>);
  check<BasicNetwork<double, Input<2, 4, 10>, First, Tanh, Second, Flatten, Dense<3>, Softmax>>(81);
}
