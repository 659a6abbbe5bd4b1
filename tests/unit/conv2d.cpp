// Conv2D against plain loops written here: the forward values, and the weight, bias and input
// gradients of a given output gradient (through the network's input_gradient, which runs the
// layer's backward pass), in float and double, for odd sizes, strides, paddings, dilations, a
// kernel as large as the input, one channel and many, batches of 1 and 3, with and without an
// activation fused after the convolution. Both forward algorithms are hit: the direct one takes
// stride-1 shapes whose planes are wide against the kernel, im2col the others.
#include <catch2/catch.hpp>

#include <nerve/layers/conv2d.hpp>
#include <nerve/nerve.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

using namespace nerve;

namespace {

// out[n][f][oh][ow] = b[f] + sum_{c,i,j} w[f][c][i][j] x[n][c][oh sh + i dh - pt][ow sw + j dw - pl]
template <kernels::conv_geometry G>
std::vector<double> reference_forward(const std::vector<double>& x, const std::vector<double>& w,
                                      const std::vector<double>& b, std::size_t batch) {
  const std::size_t OH = G.out_h(), OW = G.out_w();
  std::vector<double> out(batch * G.filters * OH * OW);
  for (std::size_t n = 0; n < batch; ++n)
    for (std::size_t f = 0; f < G.filters; ++f)
      for (std::size_t oh = 0; oh < OH; ++oh)
        for (std::size_t ow = 0; ow < OW; ++ow) {
          double s = b.empty() ? 0.0 : b[f];
          for (std::size_t c = 0; c < G.channels; ++c)
            for (std::size_t i = 0; i < G.kh; ++i)
              for (std::size_t j = 0; j < G.kw; ++j) {
                const long ih = long(oh * G.sh + i * G.dh) - long(G.pt);
                const long iw = long(ow * G.sw + j * G.dw) - long(G.pl);
                if (ih < 0 || iw < 0 || ih >= long(G.height) || iw >= long(G.width)) continue;
                s += w[((f * G.channels + c) * G.kh + i) * G.kw + j] *
                     x[((n * G.channels + c) * G.height + std::size_t(ih)) * G.width + std::size_t(iw)];
              }
          out[((n * G.filters + f) * OH + oh) * OW + ow] = s;
        }
  return out;
}

// The adjoint of the same loops: dw, db and dx from dz.
template <kernels::conv_geometry G>
void reference_backward(const std::vector<double>& x, const std::vector<double>& w,
                        const std::vector<double>& dz, std::size_t batch, std::vector<double>& dw,
                        std::vector<double>& db, std::vector<double>& dx) {
  const std::size_t OH = G.out_h(), OW = G.out_w();
  dw.assign(w.size(), 0.0);
  db.assign(G.filters, 0.0);
  dx.assign(x.size(), 0.0);
  for (std::size_t n = 0; n < batch; ++n)
    for (std::size_t f = 0; f < G.filters; ++f)
      for (std::size_t oh = 0; oh < OH; ++oh)
        for (std::size_t ow = 0; ow < OW; ++ow) {
          const double d = dz[((n * G.filters + f) * OH + oh) * OW + ow];
          db[f] += d;
          for (std::size_t c = 0; c < G.channels; ++c)
            for (std::size_t i = 0; i < G.kh; ++i)
              for (std::size_t j = 0; j < G.kw; ++j) {
                const long ih = long(oh * G.sh + i * G.dh) - long(G.pt);
                const long iw = long(ow * G.sw + j * G.dw) - long(G.pl);
                if (ih < 0 || iw < 0 || ih >= long(G.height) || iw >= long(G.width)) continue;
                const std::size_t xi =
                    ((n * G.channels + c) * G.height + std::size_t(ih)) * G.width + std::size_t(iw);
                const std::size_t wi = ((f * G.channels + c) * G.kh + i) * G.kw + j;
                dw[wi] += d * x[xi];
                dx[xi] += d * w[wi];
              }
        }
}

std::vector<double> uniform(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
  Random rng(Seed{seed});
  std::vector<double> v(n);
  for (auto& e : v) e = rng.uniform(lo, hi);
  return v;
}

template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 2e-4 : 1e-11;
}

template <class T>
void require_close(const std::vector<double>& want, const T* got, const char* what) {
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double e = std::abs(want[i] - double(got[i])) / (1.0 + std::abs(want[i]));
    if (e > worst) worst = e, at = i;
  }
  INFO(what << ": worst relative error " << worst << " at " << at << " of " << want.size());
  REQUIRE(worst < tolerance<T>());
}

using expr::x;
// Swish's derivative needs the pre-activation z (ReLU's is read off its output): the forward pass
// must keep z for this one.
using Swish = Activation<x * expr::sigmoid(x)>;
double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

// Builds Network<Input<C, H, W>, Conv, Act...>, sets its parameters, and checks forward and the
// gradients for a batch of B against the loops above. Act is nothing, ReLU or Swish, applied to
// the reference's z, and its derivative to dy.
template <class T, std::size_t B, class Conv, class In, class... Act>
void check_against_loops(std::uint64_t seed) {
  using Net = BasicNetwork<T, Input<long(In::dims[0]), long(In::dims[1]), long(In::dims[2])>, Conv, Act...>;
  constexpr auto G = Conv::template geometry<In>;
  constexpr bool relu = (std::is_same_v<Act, ReLU> || ...);
  constexpr bool swish = (std::is_same_v<Act, Swish> || ...);
  auto f = [&](double z) { return relu ? (z > 0 ? z : 0) : swish ? z * sigmoid(z) : z; };
  auto df = [&](double z) {
    return relu ? (z > 0 ? 1.0 : 0.0) : swish ? sigmoid(z) * (1 + z * (1 - sigmoid(z))) : 1.0;
  };
  Net net{Seed{seed}};
  auto& p = net.template parameters<1>();
  const auto w = uniform(p.weight.size, seed + 1);
  const auto b = Conv::has_bias ? uniform(G.filters, seed + 2) : std::vector<double>{};
  for (std::size_t i = 0; i < w.size(); ++i) p.weight.data()[i] = T(w[i]);
  for (std::size_t i = 0; i < b.size(); ++i) p.bias.data()[i] = T(b[i]);
  // Round the inputs to T first, so both sides see the same values.
  auto x = uniform(B * In::size, seed + 3);
  for (auto& v : x) v = double(T(v));
  std::vector<double> wt(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) wt[i] = double(T(w[i]));
  std::vector<double> bt(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) bt[i] = double(T(b[i]));

  auto z = reference_forward<G>(x, wt, bt, B);
  auto y = z;
  for (auto& v : y) v = f(v);

  std::vector<T> X(x.begin(), x.end());
  const auto dy = uniform(y.size(), seed + 4);
  std::vector<T> dY(dy.begin(), dy.end());
  auto ws = std::make_unique<typename Net::template GradientWorkspace<B>>();
  const auto dX = net.template input_gradient<B>(X.data(), dY.data(), *ws);

  // Forward: batch-1 inference of each sample.
  for (std::size_t n = 0; n < B; ++n) {
    const auto out = net(X.data() + n * In::size);
    const std::vector<double> want(y.begin() + n * out.size, y.begin() + (n + 1) * out.size);
    require_close<T>(want, out.data(), "forward");
  }

  std::vector<double> dz(dy.begin(), dy.end());
  for (std::size_t i = 0; i < dz.size(); ++i) dz[i] = double(T(dz[i])) * df(z[i]);
  std::vector<double> dw, db, dx;
  reference_backward<G>(x, wt, dz, B, dw, db, dx);
  const auto& g = std::get<1>(ws->parameter_gradients);
  require_close<T>(dw, g.weight.data(), "dW");
  if constexpr (Conv::has_bias) require_close<T>(db, g.bias.data(), "db");
  require_close<T>(dx, dX.data(), "dX");
}

template <class Conv, class In>
void check_all(std::uint64_t seed) {
  check_against_loops<float, 1, Conv, In>(seed);
  check_against_loops<double, 3, Conv, In>(seed + 10);
  check_against_loops<float, 3, Conv, In, ReLU>(seed + 20);
  check_against_loops<double, 1, Conv, In, ReLU>(seed + 30);
  check_against_loops<double, 3, Conv, In, Swish>(seed + 40);
}

}  // namespace

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
