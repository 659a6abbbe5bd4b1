// Conv2D against plain loops written here (conv2d_cases.hpp), as conv2d.cpp: same and explicit
// padding, strides (im2col) and dilation, a kernel as large as the input, no bias, the smallest
// convolution; and the input gradient's two forms (grid, columns) against each other, with the
// backward pass's blocks of samples.
#include "conv2d_cases.hpp"

using namespace nerve;

TEST_CASE("Conv2D: same and explicit padding", "[conv2d]") {
  check_all<Conv2D<4, Kernel<3, 3>, Same>, Shape<3, 8, 7>>(300);
  check_all<Conv2D<2, Kernel<4, 4>, Same>, Shape<2, 6, 5>>(310);  // asymmetric
  check_all<Conv2D<3, Kernel<3, 3>, Pad<2, 1>>, Shape<2, 5, 6>>(320);
  check_all<Conv2D<3, Kernel<3, 2>, Pad<0, 1, 2, 3>>, Shape<2, 4, 5>>(330);
}

TEST_CASE("Conv2D: strides (im2col) and dilation", "[conv2d]") {
  check_all<Conv2D<5, Kernel<3, 3>, Stride<2>>, Shape<3, 9, 8>>(400);
  check_all<Conv2D<4, Kernel<3, 3>, Stride<2>, Pad<1>>, Shape<2, 7, 9>>(410);
  check_all<Conv2D<3, Kernel<2, 3>, Stride<3, 2>>, Shape<2, 10, 7>>(420);
  check_all<Conv2D<3, Kernel<3, 3>, Stride<2>, Pad<0, 1, 2, 3>>, Shape<2, 7, 6>>(425);  // asymmetric
  check_all<Conv2D<3, Kernel<3, 3>, Dilation<2>>, Shape<2, 9, 8>>(430);
  check_all<Conv2D<3, Kernel<3, 3>, Dilation<2, 1>, Stride<2>, Pad<1>>, Shape<2, 9, 8>>(440);
}

TEST_CASE("Conv2D: a kernel as large as the input, and no bias", "[conv2d]") {
  check_all<Conv2D<7, Kernel<5, 4>>, Shape<3, 5, 4>>(500);  // one output per filter
  check_all<Conv2D<3, Kernel<3, 3>, NoBias, Same>, Shape<4, 6, 6>>(510);
  check_all<Conv2D<1, Kernel<1, 1>>, Shape<1, 1, 1>>(520);  // the smallest convolution
}


TEST_CASE("Conv2D: the grid and the columns input gradients agree", "[conv2d]") {
  // The layer picks one per shape (LeNet's second layer takes the columns, wide planes the grid);
  // both must give the plain loops' dx, at stride 1 and 2, with padding and dilation.
  STATIC_REQUIRE(Conv2D<16, Kernel<5, 5>>::geometry<Shape<6, 14, 14>>.input_gradient ==
                 kernels::conv_input_gradient::columns);
  STATIC_REQUIRE(Conv2D<4, Kernel<3, 3>>::geometry<Shape<2, 5, 20>>.input_gradient ==
                 kernels::conv_input_gradient::grid);
  auto both = []<kernels::conv_geometry G>() {
    constexpr std::size_t B = 3, in = G.channels * G.height * G.width, out = G.filters * G.outputs();
    const auto x = uniform(B * in, 4), w = uniform(G.filters * G.taps(), 5), dy = uniform(B * out, 6);
    std::vector<float> X(x.begin(), x.end()), Wt(w.begin(), w.end()), dY(dy.begin(), dy.end());
    std::vector<double> xd(X.begin(), X.end()), wd(Wt.begin(), Wt.end()), dz(dY.begin(), dY.end());
    std::vector<double> dw, db, dx;
    reference_backward<G>(xd, wd, dz, B, dw, db, dx);
    auto run = [&]<kernels::conv_input_gradient F>() {
      constexpr kernels::conv_geometry g = [] { auto h = G; h.input_gradient = F; return h; }();
      std::vector<float> dW(Wt.size()), dB(G.filters), dX(B * in, -7.0f);
      using plan = kernels::conv_plan<g, float>;
      nerve::Tensor<float, Shape<plan::template backward_scratch<B>>> scratch;
      // NaN everywhere: every value the pass reads from its scratch, it must have written first
      std::fill_n(scratch.data(), plan::template backward_scratch<B>,
                  std::numeric_limits<float>::quiet_NaN());
      kernels::conv_backward<g, B>(X.data(), in, Wt.data(), dY.data(), dY.data(), dY.data(), out,
                                   kernels::PassGradient{}, dW.data(), dB.data(), dX.data(), in,
                                   scratch.data());
      require_close<float>(dx, dX.data(), F == kernels::conv_input_gradient::grid ? "grid dx" : "columns dx");
      require_close<float>(dw, dW.data(), "dW");
      require_close<float>(db, dB.data(), "db");
    };
    run.template operator()<kernels::conv_input_gradient::grid>();
    run.template operator()<kernels::conv_input_gradient::columns>();
  };
  both.operator()<Conv2D<16, Kernel<5, 5>>::geometry<Shape<6, 14, 14>>>();
  both.operator()<Conv2D<4, Kernel<3, 3>, Same>::geometry<Shape<3, 6, 13>>>();
  both.operator()<Conv2D<5, Kernel<3, 2>, Stride<2>, Pad<1, 0, 2, 1>>::geometry<Shape<2, 9, 8>>>();
  both.operator()<Conv2D<3, Kernel<3, 3>, Dilation<2>, Stride<2, 1>>::geometry<Shape<2, 11, 9>>>();
  // The backward pass takes the batch in blocks that fit in L1: here 2 samples and then 1, whose
  // weight-gradient sums carry over from block to block; with the column copies (dZ exact, the
  // grid form's grid made from it) and with the direct algorithm (dZ on the grid).
  constexpr auto blocked = Conv2D<6, Kernel<3, 3>, Same>::geometry<Shape<1, 16, 16>>;
  STATIC_REQUIRE(blocked.algorithm == kernels::conv_algorithm::column_copies);
  STATIC_REQUIRE(kernels::conv_plan<blocked, float>::block<3> == 2);
  both.operator()<blocked>();
  constexpr auto blocked_direct = Conv2D<12, Kernel<3, 3>>::geometry<Shape<2, 6, 20>>;
  STATIC_REQUIRE(blocked_direct.algorithm == kernels::conv_algorithm::direct);
  STATIC_REQUIRE(kernels::conv_plan<blocked_direct, float>::block<3> == 2);
  both.operator()<blocked_direct>();
}
