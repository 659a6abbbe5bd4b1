// A pooling layer after a convolution runs inside the convolution's output pass at inference
// (network/execute.hpp: folded_into_previous): each plane f(z) is pooled while it is in the
// kernel's scratch. Checked here against the unfused pass of the same network (a pass kept for
// differentiation keeps them apart; that pass is itself checked against plain loops in
// conv2d.cpp and pooling.cpp): both convolution algorithms (direct: rows Wp apart, im2col: rows
// OW apart), MaxPool, AvgPool and GlobalAvgPool with overlapping, padded and rectangular windows,
// with and without an activation between, batches 1 and 3, float and double, and networks where
// nothing may be folded.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include "support/random_values.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

using namespace nerve;

namespace {

template <class Net, std::size_t B>
using inference_pass = detail::network_pass<typename Net::network_types, B, mode::inference>;
template <class Net, std::size_t B>
using unfused_pass = detail::network_pass<typename Net::network_types, B, mode::inference, true>;

// Which groups of Net's inference pass are folded into the group before them.
template <class Net>
std::vector<std::size_t> folded_groups() {
  using P = inference_pass<Net, 1>;
  std::vector<std::size_t> out;
  [&]<std::size_t... g>(std::index_sequence<g...>) {
    ((P::template folded_into_previous<g> ? out.push_back(g) : void()), ...);
  }(std::make_index_sequence<P::G>{});
  return out;
}

// B samples through the folded inference pass (net(X, ws)) and through the unfused pass: the same
// outputs. Max pooling compares the same values, so they agree exactly; an average may be summed
// in another order (GlobalAvgPool over rows Wp apart), so to a few units in the last place.
template <class Net, std::size_t B>
void check_against_unfused(unsigned seed) {
  using T = typename Net::value_type;
  using In = typename Net::input_shape_t;
  using Out = typename Net::output_shape_t;
  Net net(Seed{seed});
  // The first convolution's bias moved off zero too (pooled values of both signs).
  nerve_test::perturb<1>(net, -0.5, 0.5, seed + 2);
  const auto x = nerve_test::uniform_values<T>(B * In::size, seed + 1, -1.0, 1.0);

  const T* folded = nullptr;
  typename Net::template Workspace<B> ws;
  if constexpr (B == 1) {
    folded = net(x.data(), ws).data();
  } else {
    Tensor<T, decltype(concat(Shape<B>{}, In{}))> X;
    std::copy(x.begin(), x.end(), X.data());
    folded = net(X, ws).data();
  }

  using U = unfused_pass<Net, B>;
  typename U::workspace uws;
  const T* Y = U::forward(net.parameter_arrays(), net.state_arrays(), x.data(), In::size, uws);
  const std::size_t ld = uws.ld[U::G];

  const double tolerance = 8 * std::numeric_limits<T>::epsilon();
  std::size_t checked = 0;
  for (std::size_t n = 0; n < B; ++n) {
    for (std::size_t i = 0; i < Out::size; ++i) {
      const double want = Y[n * ld + i], got = folded[n * Out::size + i];
      INFO("sample " << n << ", output " << i);
      REQUIRE(std::abs(got - want) <= tolerance * (1 + std::abs(want)));
      ++checked;
    }
  }
  CHECK(checked == B * Out::size);
}

template <class Net>
void check_all_batches(unsigned seed) {
  check_against_unfused<Net, 1>(seed);
  check_against_unfused<Net, 3>(seed + 10);
}

// A Same 3x3 convolution on C x H x W, taking algorithm A, with each pool after it: each folded
// into the convolution's pass and equal to the unfused pair.
template <class T, std::size_t C, std::size_t H, std::size_t W, kernels::conv_algorithm A>
void check_each_pool(unsigned seed) {
  using Conv = Conv2D<5, Kernel<3, 3>, Same>;
  static_assert(Conv::geometry<Shape<C, H, W>>.algorithm == A);
  using Max = BasicNetwork<T, Input<C, H, W>, Conv, ReLU, MaxPool<2>, Flatten, Dense<4>>;
  using Overlapping = BasicNetwork<T, Input<C, H, W>, Conv, Tanh, MaxPool<3, Stride<2>, Pad<1>>,
                                   Flatten, Dense<4>>;
  using Average = BasicNetwork<T, Input<C, H, W>, Conv, Sigmoid,
                               AvgPool<Kernel<3, 2>{}, Stride<1>>, Flatten, Dense<4>>;
  // Padding counted in the divisor (PyTorch's count_include_pad=True): the folded pool's edges.
  using PaddedAverage = BasicNetwork<T, Input<C, H, W>, Conv, ReLU, AvgPool<3, Stride<2>, Pad<1>>,
                                     Flatten, Dense<4>>;
  using ExcludingPadding = BasicNetwork<T, Input<C, H, W>, Conv, Tanh,
                                        AvgPool<3, Stride<2>, Pad<1>, ExcludePad>, Flatten, Dense<4>>;
  using Global = BasicNetwork<T, Input<C, H, W>, Conv, ReLU, GlobalAvgPool, Dense<4>>;
  CHECK(folded_groups<Max>() == std::vector<std::size_t>{1});
  CHECK(folded_groups<PaddedAverage>() == std::vector<std::size_t>{1});
  CHECK(folded_groups<ExcludingPadding>() == std::vector<std::size_t>{1});
  CHECK(folded_groups<Overlapping>() == std::vector<std::size_t>{1});
  CHECK(folded_groups<Average>() == std::vector<std::size_t>{1});
  CHECK(folded_groups<Global>() == std::vector<std::size_t>{1});
  check_all_batches<Max>(seed);
  check_all_batches<Overlapping>(seed + 1);
  check_all_batches<Average>(seed + 2);
  check_all_batches<Global>(seed + 3);
  check_all_batches<PaddedAverage>(seed + 4);
  check_all_batches<ExcludingPadding>(seed + 5);
}

}  // namespace

TEMPLATE_TEST_CASE("conv + pool fusion: the direct convolution (rows Wp apart) with each pool",
                   "[conv2d][pooling][fusion]", float, double) {
  // 3 x 5 x 13: 2 dropped columns of 13 per row, no register more.
  check_each_pool<TestType, 3, 5, 13, kernels::conv_algorithm::direct>(1);
}

TEMPLATE_TEST_CASE("conv + pool fusion: the column copies (rows OW apart) with each pool",
                   "[conv2d][pooling][fusion]", float, double) {
  // 3 x 11 x 9: the 2 dropped columns of 9 per row would cost a register.
  check_each_pool<TestType, 3, 11, 9, kernels::conv_algorithm::column_copies>(11);
}

TEMPLATE_TEST_CASE("conv + pool fusion: pools in ceil mode, their last windows cut short",
                   "[conv2d][pooling][fusion]", float, double) {
  // A valid 3x3 convolution on 9 x 9 (7 x 7 planes), then 2 x 2 windows at stride 2 in ceil mode:
  // 4 x 4, the last row and column of windows one value wide. On 10 x 10 (8 x 8 planes), 3 x 3
  // windows at stride 2 with Pad<1>: 5 x 5 (4 x 4 in floor mode), the last ones past the padded
  // plane.
  using Max = BasicNetwork<TestType, Input<2, 9, 9>, Conv2D<3, Kernel<3, 3>>, ReLU,
                           MaxPool<2, Stride<2>, Valid, CeilMode>, Flatten, Dense<3>>;
  using Average = BasicNetwork<TestType, Input<2, 10, 10>, Conv2D<3, Kernel<3, 3>>, Tanh,
                               AvgPool<3, Stride<2>, Pad<1>, CeilMode>, Flatten, Dense<3>>;
  CHECK(folded_groups<Max>() == std::vector<std::size_t>{1});
  CHECK(folded_groups<Average>() == std::vector<std::size_t>{1});
  STATIC_REQUIRE(Average::output_shape == Shape<3>{});
  STATIC_REQUIRE(Network<Input<3, 8, 8>, AvgPool<3, Stride<2>, Pad<1>, CeilMode>>::output_shape ==
                 Shape<3, 5, 5>{});
  check_all_batches<Max>(41);
  check_all_batches<Average>(43);
}

TEMPLATE_TEST_CASE("conv + pool fusion: the im2col convolution (rows OW apart) with each pool",
                   "[conv2d][pooling][fusion]", float, double) {
  // Stride 2: im2col; then a second, valid convolution with no activation before its pool.
  using Strided = BasicNetwork<TestType, Input<2, 13, 12>, Conv2D<4, Kernel<3, 3>, Stride<2>, Pad<1>>,
                               ReLU, MaxPool<2>, Conv2D<6, Kernel<2, 2>>, AvgPool<2>, Flatten,
                               Dense<3>>;
  static_assert(Conv2D<4, Kernel<3, 3>, Stride<2>, Pad<1>>::geometry<Shape<2, 13, 12>>.algorithm ==
                kernels::conv_algorithm::im2col);
  CHECK(folded_groups<Strided>() == std::vector<std::size_t>{1, 3});
  check_all_batches<Strided>(5);

  using Global = BasicNetwork<TestType, Input<2, 13, 12>, Conv2D<4, Kernel<3, 3>, Stride<2>, Pad<1>>,
                              ReLU, GlobalAvgPool, Dense<3>>;
  CHECK(folded_groups<Global>() == std::vector<std::size_t>{1});
  check_all_batches<Global>(6);
}

TEST_CASE("conv + pool fusion: only a pool right after a convolution group is folded",
          "[conv2d][pooling][fusion]") {
  // A BatchNorm between: the pool follows BatchNorm, not the convolution.
  using Normalised = Network<Input<1, 8, 8>, Conv2D<3, Kernel<3, 3>>, BatchNorm<>, ReLU, MaxPool<2>,
                             Flatten, Dense<2>>;
  CHECK(folded_groups<Normalised>().empty());
  // A pool after a Dense-like contraction that makes no planes, and a pool first in the network.
  using PoolFirst = Network<Input<1, 8, 8>, MaxPool<2>, Conv2D<2, Kernel<3, 3>>, Flatten, Dense<2>>;
  CHECK(folded_groups<PoolFirst>().empty());
  // Two pools in a row: only the first joins the convolution.
  using TwoPools = Network<Input<1, 12, 12>, Conv2D<2, Kernel<3, 3>>, ReLU, MaxPool<2>, AvgPool<5>,
                           Flatten, Dense<2>>;
  CHECK(folded_groups<TwoPools>() == std::vector<std::size_t>{1});
  check_all_batches<TwoPools>(7);
  // Training folds nothing.
  using Train = detail::network_pass<TwoPools::network_types, 4, mode::training>;
  STATIC_REQUIRE(!Train::folded_into_previous<1>);
}

TEST_CASE("conv + pool fusion: the inference workspace holds no full-size map, explain says so",
          "[conv2d][pooling][fusion]") {
  using LeNet = Network<Input<1, 28, 28>, Conv2D<6, Kernel<5, 5>, Same>, ReLU, MaxPool<2>,
                        Conv2D<16, Kernel<5, 5>>, ReLU, MaxPool<2>, Flatten, Dense<120>, ReLU,
                        Dense<84>, ReLU, Dense<10>, Softmax>;
  // The widest row is the first pooled map (6 x 14 x 14 = 1,176, padded to 1,184 floats), not
  // the convolution's 6 x 28 x 28.
  STATIC_REQUIRE(inference_pass<LeNet, 1>::widest == 1184);
  STATIC_REQUIRE(unfused_pass<LeNet, 1>::widest == 4704);
  std::ostringstream os;
  LeNet::explain(os);
  const std::string text = os.str();
  CHECK(text.find("at inference each plane of y is pooled by group 1") != std::string::npos);
  CHECK(text.find("group 3: MaxPool<2>  ->  own pass in training; at inference inside group 2's "
                  "output pass") != std::string::npos);
  check_all_batches<LeNet>(8);
}
