// Conv2D against plain loops written here (conv2d_cases.hpp): the forward values, and the weight,
// bias and input gradients of a given output gradient (through the network's input_gradient,
// which runs the layer's backward pass), in float and double, batches of 1 and 3, with and without
// an activation fused after the convolution: shapes of each forward algorithm (direct, column
// copies, im2col), narrow planes, many channels; and the three algorithms against each other on
// the same shapes. Padding, strides, dilation and the input gradient's two forms: in
// conv2d_padding.cpp.
#include "conv2d_cases.hpp"

using namespace nerve;

TEST_CASE("Conv2D: shapes follow PyTorch's rule", "[conv2d]") {
  using LeNet1 = Network<Input<1, 28, 28>, Conv2D<6, Kernel<5, 5>>>;
  STATIC_REQUIRE(LeNet1::output_shape == Shape<6, 24, 24>{});
  STATIC_REQUIRE(Network<Input<3, 28, 28>, Conv2D<8, Kernel<3, 3>, Same>>::output_shape ==
                 Shape<8, 28, 28>{});
  // nn.Conv2d(3, 8, 3, stride=2, padding=1) on 7x9: floor((7 + 2 - 3) / 2) + 1 = 4, 5
  STATIC_REQUIRE(Network<Input<3, 7, 9>, Conv2D<8, Kernel<3, 3>, Stride<2>, Pad<1>>>::output_shape ==
                 Shape<8, 4, 5>{});
  // dilation 2: a 3x3 kernel spans 5
  STATIC_REQUIRE(Network<Input<1, 9, 9>, Conv2D<2, Kernel<3>, Dilation<2>>>::output_shape ==
                 Shape<2, 5, 5>{});
  // padding='same' with an even kernel pads 1 before and 2 after (PyTorch's split)
  using Even = Conv2D<1, Kernel<4, 4>, Same>;
  STATIC_REQUIRE(Even::window::pads[0] == 1);
  STATIC_REQUIRE(Even::window::pads[2] == 2);
  STATIC_REQUIRE(Network<Input<2, 6, 5>, Even>::output_shape == Shape<1, 6, 5>{});
  // parameters: PyTorch's counts
  STATIC_REQUIRE(LeNet1::parameter_count == 6 * 25 + 6);
  STATIC_REQUIRE(Network<Input<3, 8, 8>, Conv2D<4, Kernel<3, 3>, NoBias>>::parameter_count == 4 * 27);
  // the algorithm each stride gets
  STATIC_REQUIRE(Conv2D<6, Kernel<5, 5>>::geometry<Shape<1, 28, 28>>.algorithm ==
                 kernels::conv_algorithm::column_copies);
  STATIC_REQUIRE(Conv2D<6, Kernel<3, 3>, Stride<2>>::geometry<Shape<1, 9, 9>>.algorithm ==
                 kernels::conv_algorithm::im2col);
}

// Which algorithm the shapes below get (kernels::with_chosen_algorithm).
template <class Conv, class In>
constexpr kernels::conv_algorithm algorithm_of = Conv::template geometry<In>.algorithm;

TEST_CASE("Conv2D: the direct algorithm (stride 1, wide planes)", "[conv2d]") {
  // Direct where the dropped columns cost no register (18 of 20 wide: 54 or 60 outputs, 4
  // registers either way; 13 of 15: 65 or 75, 5) or the column copies would not fit in L1 (40
  // channels).
  using Wide = Conv2D<4, Kernel<3, 3>>;
  using WideSame = Conv2D<5, Kernel<3, 3>, Same>;
  using WidePadded = Conv2D<2, Kernel<5, 3>, Pad<1, 0, 2, 1>, Dilation<1, 2>>;
  STATIC_REQUIRE(algorithm_of<Wide, Shape<2, 5, 20>> == kernels::conv_algorithm::direct);
  STATIC_REQUIRE(algorithm_of<WideSame, Shape<3, 5, 13>> == kernels::conv_algorithm::direct);
  STATIC_REQUIRE(algorithm_of<WidePadded, Shape<40, 7, 23>> == kernels::conv_algorithm::direct);
  check_all<Wide, Shape<2, 5, 20>>(600);
  check_all<WideSame, Shape<3, 5, 13>>(610);
  check_all<WidePadded, Shape<40, 7, 23>>(620);
}

TEST_CASE("Conv2D: the column copies (stride 1, exact planes)", "[conv2d]") {
  // Where the dropped columns would cost registers: both LeNet layers (32 wide for 28 outputs,
  // 14 for 10, 12 for 8), same and asymmetric padding with dilation, a narrow plane (7 x 5). A
  // stride along columns only goes to im2col (g++ 12 mis-vectorized the copies' strided loop).
  constexpr auto copies = kernels::conv_algorithm::column_copies;
  STATIC_REQUIRE(algorithm_of<Conv2D<6, Kernel<5, 5>, Pad<2>>, Shape<1, 28, 28>> == copies);
  STATIC_REQUIRE(algorithm_of<Conv2D<16, Kernel<5, 5>>, Shape<6, 14, 14>> == copies);
  STATIC_REQUIRE(algorithm_of<Conv2D<16, Kernel<5, 5>>, Shape<6, 12, 12>> == copies);
  STATIC_REQUIRE(algorithm_of<Conv2D<5, Kernel<3, 3>, Same>, Shape<3, 6, 13>> == copies);
  STATIC_REQUIRE(algorithm_of<Conv2D<3, Kernel<5, 3>, Pad<1, 0, 2, 1>, Dilation<1, 2>>,
                              Shape<2, 7, 23>> == copies);
  STATIC_REQUIRE(algorithm_of<Conv2D<3, Kernel<3, 3>>, Shape<1, 7, 5>> == copies);
  STATIC_REQUIRE(algorithm_of<Conv2D<4, Kernel<3, 3>, Stride<1, 2>, Pad<1>>, Shape<2, 7, 9>> ==
                 kernels::conv_algorithm::im2col);
  check_all<Conv2D<6, Kernel<5, 5>, Pad<2>>, Shape<1, 28, 28>>(630);  // LeNet's first layer
  check_all<Conv2D<16, Kernel<5, 5>>, Shape<6, 14, 14>>(640);         // and its second
  check_all<Conv2D<5, Kernel<3, 3>, Same>, Shape<3, 6, 13>>(650);
  check_all<Conv2D<3, Kernel<5, 3>, Pad<1, 0, 2, 1>, Dilation<1, 2>>, Shape<2, 7, 23>>(660);
  check_all<Conv2D<4, Kernel<3, 3>, Stride<1, 2>, Pad<1>>, Shape<2, 7, 9>>(670);  // im2col
}

TEST_CASE("Conv2D: valid, stride 1, one channel, odd sizes (narrow planes)", "[conv2d]") {
  check_all<Conv2D<3, Kernel<3, 3>>, Shape<1, 7, 5>>(100);
  check_all<Conv2D<6, Kernel<5, 5>>, Shape<1, 12, 12>>(110);
}

TEST_CASE("Conv2D: many channels and filters, rectangular kernel", "[conv2d]") {
  check_all<Conv2D<17, Kernel<2, 3>>, Shape<5, 6, 9>>(200);
  check_all<Conv2D<16, Kernel<5, 5>>, Shape<6, 12, 12>>(210);  // LeNet's second convolution
}


TEST_CASE("Conv2D: the three forward algorithms agree", "[conv2d]") {
  // The layer picks one per shape; each of the others must give the same values there (bench/
  // compares their speed on these shapes). The scratch starts as NaN: a value read before it was
  // written shows. Direct and the column copies need stride 1.
  auto all = []<kernels::conv_geometry G>() {
    constexpr std::size_t B = 2, in = G.channels * G.height * G.width, out = G.filters * G.outputs();
    const auto x = uniform(B * in, 1), w = uniform(G.filters * G.taps(), 2), b = uniform(G.filters, 3);
    std::vector<float> X(x.begin(), x.end()), Wt(w.begin(), w.end()), bias(b.begin(), b.end());
    const auto want = reference_forward<G>(x, std::vector<double>(Wt.begin(), Wt.end()),
                                           std::vector<double>(bias.begin(), bias.end()), B);
    auto run = [&]<kernels::conv_algorithm A>(const char* name) {
      constexpr kernels::conv_geometry g = [] { auto h = G; h.algorithm = A; return h; }();
      std::vector<float> y(B * out), z(B * out);
      using plan = kernels::conv_plan<g, float>;
      nerve::Tensor<float, Shape<plan::forward_scratch>> scratch;
      std::fill_n(scratch.data(), plan::forward_scratch, std::numeric_limits<float>::quiet_NaN());
      kernels::conv_forward<g, B>(X.data(), in, Wt.data(), bias.data(), z.data(), y.data(), out,
                                  scratch.data(), kernels::Identity{});
      INFO(name);
      require_close<float>(want, y.data(), "y");
      require_close<float>(want, z.data(), "z");
    };
    if constexpr (G.unit_stride()) {
      run.template operator()<kernels::conv_algorithm::direct>("direct");
      run.template operator()<kernels::conv_algorithm::column_copies>("column copies");
    }
    run.template operator()<kernels::conv_algorithm::im2col>("im2col");
  };
  all.operator()<Conv2D<6, Kernel<5, 5>>::geometry<Shape<1, 28, 28>>>();
  all.operator()<Conv2D<6, Kernel<5, 5>, Pad<2>>::geometry<Shape<1, 28, 28>>>();
  all.operator()<Conv2D<16, Kernel<5, 5>>::geometry<Shape<6, 12, 12>>>();
  all.operator()<Conv2D<16, Kernel<5, 5>>::geometry<Shape<6, 14, 14>>>();
  all.operator()<Conv2D<5, Kernel<3, 3>, Same, Dilation<2>>::geometry<Shape<3, 7, 9>>>();
  all.operator()<
      Conv2D<3, Kernel<5, 3>, Pad<1, 0, 2, 1>, Dilation<1, 2>>::geometry<Shape<2, 7, 23>>>();
  all.operator()<Conv2D<4, Kernel<3, 3>, Stride<1, 2>, Pad<1>>::geometry<Shape<2, 7, 9>>>();
  all.operator()<
      Conv2D<4, Kernel<2, 3>, Stride<1, 3>, Pad<0, 2, 1, 0>>::geometry<Shape<3, 5, 11>>>();
  all.operator()<Conv2D<3, Kernel<3, 3>, Stride<2>>::geometry<Shape<2, 9, 8>>>();  // im2col only
}

