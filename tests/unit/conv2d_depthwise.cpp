// The depthwise kernels (kernels/depthwise.hpp) on their own, against the plain loops of
// conv2d_cases.hpp: every register shape the forward pass makes (row blocks and their tail, column
// blocks of 4 registers and their tail, a row's last register partly outside the row), padding on
// any side, dilation, two filters a channel, batches 1 and 3 with row distances longer than a
// row; both of its output paths (stores straight into the rows with lane masks, and the scratch
// planes copied out or handed to a plane writer); the pre-activation kept; the backward pass (dW,
// db and dX, with a prologue that reads dY and Z) on the same shapes, with and without bias and
// dX; float and double; the default target and, where it is AVX-512, AVX2 too. Then which shapes
// the layer gives them (depthwise_pays).
#include "conv2d_cases.hpp"

#include <nerve/kernels/depthwise.hpp>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {

using kernels::conv_geometry;

struct Relu {
  template <class V>
  V operator()(V z) const noexcept {
    return xsimd::max(z, V(0));
  }
};

// A plane writer that copies channel c's plane (rows RowStride apart) into y's plane c, and counts
// the planes it gets.
template <conv_geometry G>
struct CopyingWriter {
  std::vector<int>* seen;
  template <std::size_t RowStride, class T>
  void plane(const T* src, std::size_t c, T* y) const noexcept {
    for (std::size_t oh = 0; oh < G.out_h(); ++oh)
      for (std::size_t ow = 0; ow < G.out_w(); ++ow)
        y[c * G.outputs() + oh * G.out_w() + ow] = src[oh * RowStride + ow];
    ++(*seen)[c];
  }
};

struct Free {
  void operator()(void* p) const noexcept { std::free(p); }
};

template <class T>
std::unique_ptr<T[], Free> aligned_scratch(std::size_t n) {
  const std::size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
  return std::unique_ptr<T[], Free>(static_cast<T*>(std::aligned_alloc(64, bytes)));
}

enum class output { rows, rows_and_z, writer };

// depthwise_forward<G, Groups, B> with ReLU against the loops; rows of X and Y are 3 and 5 values
// longer than a sample, and those gaps must stay untouched.
template <conv_geometry G, std::size_t Groups, std::size_t B, class T, class Arch>
void check_kernel(output out, bool with_bias, std::uint64_t seed) {
  constexpr std::size_t in = Groups * G.height * G.width, F = Groups * G.filters;
  constexpr std::size_t P = G.outputs(), ldx = in + 3, ldy = F * P + 5;
  constexpr double sentinel = 12345;
  auto x = uniform(B * in, seed);
  auto w = uniform(F * G.kh * G.kw, seed + 1);
  auto b = with_bias ? uniform(F, seed + 2) : std::vector<double>{};
  for (auto* v : {&x, &w, &b})
    for (auto& e : *v) e = double(T(e));
  const auto z = reference_forward<G>(x, w, b, B, Groups);
  std::vector<T> X(B * ldx, T(sentinel)), Wt(w.begin(), w.end()), bias(b.begin(), b.end());
  for (std::size_t n = 0; n < B; ++n)
    for (std::size_t i = 0; i < in; ++i) X[n * ldx + i] = T(x[n * in + i]);
  std::vector<T> Y(B * ldy, T(sentinel)), Z(B * ldy, T(sentinel));
  auto scratch = aligned_scratch<T>(kernels::depthwise_plan<G, T>::scratch);
  const T* bp = with_bias ? bias.data() : nullptr;
  std::vector<int> seen(F, 0);
  if (out == output::writer) {
    kernels::depthwise_forward<G, Groups, B, T, Arch>(X.data(), ldx, Wt.data(), bp, nullptr,
                                                      Y.data(), ldy, scratch.get(), Relu{},
                                                      CopyingWriter<G>{&seen});
    for (std::size_t c = 0; c < F; ++c) REQUIRE(seen[c] == int(B));
  } else {
    kernels::depthwise_forward<G, Groups, B, T, Arch>(
        X.data(), ldx, Wt.data(), bp, out == output::rows_and_z ? Z.data() : nullptr, Y.data(),
        ldy, scratch.get(), Relu{});
  }
  std::vector<double> want_y(B * F * P), want_z(B * F * P);
  std::vector<T> got_y(B * F * P), got_z(B * F * P);
  for (std::size_t n = 0; n < B; ++n) {
    for (std::size_t i = 0; i < F * P; ++i) {
      want_z[n * F * P + i] = z[n * F * P + i];
      want_y[n * F * P + i] = std::max(0.0, z[n * F * P + i]);
      got_y[n * F * P + i] = Y[n * ldy + i];
      got_z[n * F * P + i] = Z[n * ldy + i];
    }
    for (std::size_t i = F * P; i < ldy; ++i) {
      INFO("the gap after sample " << n << "'s row, at " << i);
      REQUIRE(Y[n * ldy + i] == T(sentinel));
      REQUIRE(Z[n * ldy + i] == T(sentinel));
    }
  }
  require_close<T>(want_y, got_y.data(), "y");
  if (out == output::rows_and_z) require_close<T>(want_z, got_z.data(), "z");
}

// dz = dy * z: a prologue that reads both of its arrays at the right channel.
struct TimesZ {
  template <class V>
  V operator()(V dy, V /*y*/, V z) const noexcept {
    return dy * z;
  }
};

// depthwise_backward<G, Groups, B> against the adjoint loops, with dZ = dY * Z (Z from the
// loops' forward pass); rows of X, dY, Z and dX longer than a sample, dX's gaps untouched.
template <conv_geometry G, std::size_t Groups, std::size_t B, class T, class Arch>
void check_backward(bool with_bias, bool with_dx, std::uint64_t seed) {
  constexpr std::size_t in = Groups * G.height * G.width, F = Groups * G.filters;
  constexpr std::size_t P = G.outputs(), ldx = in + 3, ldy = F * P + 5, ld_dx = in + 7;
  constexpr double sentinel = 12345;
  auto x = uniform(B * in, seed);
  auto w = uniform(F * G.kh * G.kw, seed + 1);
  auto b = with_bias ? uniform(F, seed + 2) : std::vector<double>{};
  auto dy = uniform(B * F * P, seed + 3);
  for (auto* v : {&x, &w, &b, &dy})
    for (auto& e : *v) e = double(T(e));
  auto z = reference_forward<G>(x, w, b, B, Groups);
  for (auto& e : z) e = double(T(e));
  std::vector<double> dz(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) dz[i] = dy[i] * z[i];
  std::vector<double> want_dw, want_db, want_dx;
  reference_backward<G>(x, w, dz, B, want_dw, want_db, want_dx, Groups);
  std::vector<T> X(B * ldx, T(sentinel)), Wt(w.begin(), w.end());
  std::vector<T> dY(B * ldy, T(sentinel)), Z(B * ldy, T(sentinel)), dX(B * ld_dx, T(sentinel));
  for (std::size_t n = 0; n < B; ++n) {
    for (std::size_t i = 0; i < in; ++i) X[n * ldx + i] = T(x[n * in + i]);
    for (std::size_t i = 0; i < F * P; ++i) {
      dY[n * ldy + i] = T(dy[n * F * P + i]);
      Z[n * ldy + i] = T(z[n * F * P + i]);
    }
  }
  std::vector<T> dW(Wt.size(), T(sentinel)), db(F, T(sentinel));
  auto scratch = aligned_scratch<T>(kernels::depthwise_backward_plan<G, T>::scratch);
  kernels::depthwise_backward<G, Groups, B, T, Arch>(
      X.data(), ldx, Wt.data(), dY.data(), Z.data(), Z.data(), ldy, TimesZ{}, dW.data(),
      with_bias ? db.data() : nullptr, with_dx ? dX.data() : nullptr, ld_dx, scratch.get());
  require_close<T>(want_dw, dW.data(), "dW");
  if (with_bias) require_close<T>(want_db, db.data(), "db");
  else for (const T v : db) REQUIRE(v == T(sentinel));
  std::vector<T> got_dx(B * in);
  for (std::size_t n = 0; n < B; ++n) {
    for (std::size_t i = 0; i < in; ++i) got_dx[n * in + i] = dX[n * ld_dx + i];
    for (std::size_t i = with_dx ? in : 0; i < ld_dx; ++i) {
      INFO("dX of sample " << n << ", at " << i << " (past the sample, or not wanted)");
      REQUIRE(dX[n * ld_dx + i] == T(sentinel));
    }
  }
  if (with_dx) require_close<T>(want_dx, got_dx.data(), "dX");
}

template <conv_geometry G, std::size_t Groups, class Arch>
void check_shape(std::uint64_t seed) {
  check_backward<G, Groups, 1, float, Arch>(true, true, seed + 50);
  check_backward<G, Groups, 3, float, Arch>(false, true, seed + 60);
  check_backward<G, Groups, 3, double, Arch>(true, false, seed + 70);
  check_kernel<G, Groups, 1, float, Arch>(output::rows, true, seed);
  check_kernel<G, Groups, 3, float, Arch>(output::rows_and_z, false, seed + 10);
  check_kernel<G, Groups, 3, float, Arch>(output::writer, true, seed + 20);
  check_kernel<G, Groups, 3, double, Arch>(output::rows_and_z, true, seed + 30);
  check_kernel<G, Groups, 1, double, Arch>(output::writer, false, seed + 40);
}

// C, H, W, filters a group, kernel, dilation, padding top, left, bottom, right (stride 1)
constexpr conv_geometry dw(std::size_t h, std::size_t w, std::size_t f, std::size_t kh,
                           std::size_t kw, std::size_t dh, std::size_t dwl, std::size_t pt,
                           std::size_t pl, std::size_t pb, std::size_t pr) {
  return conv_geometry{1, h, w, f, kh, kw, 1, 1, dh, dwl, pt, pl, pb, pr};
}

template <class Arch>
void check_shapes() {
  SECTION("28 x 28, 3 x 3, Same: two registers a row, the second with 12 lanes") {
    check_shape<dw(28, 28, 1, 3, 3, 1, 1, 1, 1, 1, 1), 3, Arch>(11);
  }
  SECTION("13 x 21, 3 x 5, dilation 2 x 1, padding 2, 1, 0, 3 on the four sides") {
    check_shape<dw(13, 21, 1, 3, 5, 2, 1, 2, 1, 0, 3), 4, Arch>(21);
  }
  SECTION("9 x 70, 3 x 3, Pad<1>: five registers a row (a block of 4, then 1)") {
    check_shape<dw(9, 70, 1, 3, 3, 1, 1, 1, 1, 1, 1), 2, Arch>(31);
  }
  SECTION("31 x 17, 5 x 5, Pad<2>: blocks of rows and a tail block") {
    check_shape<dw(31, 17, 1, 5, 5, 1, 1, 2, 2, 2, 2), 2, Arch>(41);
  }
  SECTION("16 x 40, 3 x 3, no padding (the plane copied whole)") {
    check_shape<dw(16, 40, 1, 3, 3, 1, 1, 0, 0, 0, 0), 3, Arch>(51);
  }
  SECTION("12 x 18, 3 x 3, two filters a channel, dilation 2, Pad<2>") {
    check_shape<dw(12, 18, 2, 3, 3, 2, 2, 2, 2, 2, 2), 3, Arch>(61);
  }
  SECTION("5 x 3, 1 x 1: a plane narrower than a register") {
    check_shape<dw(5, 3, 1, 1, 1, 1, 1, 0, 0, 0, 0), 2, Arch>(71);
  }
  SECTION("6 x 9, 1 x 1, Pad<2>: a border of outputs that read only padding") {
    check_shape<dw(6, 9, 1, 1, 1, 1, 1, 2, 2, 2, 2), 2, Arch>(81);
  }
}

}  // namespace

TEST_CASE("depthwise_forward and depthwise_backward against plain loops, default target",
          "[conv2d][depthwise]") {
  check_shapes<xsimd::default_arch>();
}

#if XSIMD_WITH_AVX2
// On an AVX-512 machine the default target stores a row's last register through a lane mask;
// AVX2 has no such store, so its planes go through the scratch and are copied out.
TEST_CASE("depthwise_forward and depthwise_backward against plain loops, AVX2",
          "[conv2d][depthwise]") {
  check_shapes<xsimd::avx2>();
}
#endif

TEST_CASE("Conv2D runs depthwise layers on the depthwise kernel where it pays", "[conv2d][depthwise]") {
  // One channel a group, stride 1, output rows wider than 8: the kernel.
  STATIC_REQUIRE(kernels::depthwise_pays(dw(28, 28, 1, 3, 3, 1, 1, 1, 1, 1, 1)));
  STATIC_REQUIRE(kernels::depthwise_pays(dw(9, 9, 1, 3, 3, 1, 1, 1, 1, 1, 1)));
  STATIC_REQUIRE(kernels::depthwise_pays(dw(28, 28, 2, 3, 3, 1, 1, 1, 1, 1, 1)));
  // Rows of 8 or fewer, a stride, several channels a group: conv.hpp.
  STATIC_REQUIRE(!kernels::depthwise_pays(dw(8, 8, 1, 3, 3, 1, 1, 1, 1, 1, 1)));
  STATIC_REQUIRE(!kernels::depthwise_pays(conv_geometry{1, 28, 28, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}));
  STATIC_REQUIRE(!kernels::depthwise_pays(conv_geometry{2, 28, 28, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}));
  // The layer: only with groups (a one-channel full convolution shares its rows among filters).
  STATIC_REQUIRE(Conv2D<32, Kernel<3, 3>, Same, Groups<32>>::depthwise<Shape<32, 28, 28>>);
  STATIC_REQUIRE(!Conv2D<32, Kernel<3, 3>, Same, Groups<32>>::depthwise<Shape<32, 7, 7>>);
  STATIC_REQUIRE(!Conv2D<1, Kernel<3, 3>, Same>::depthwise<Shape<1, 28, 28>>);
  STATIC_REQUIRE(Conv2D<64, Kernel<3, 3>, Same, Groups<32>>::depthwise<Shape<32, 28, 28>>);
}
