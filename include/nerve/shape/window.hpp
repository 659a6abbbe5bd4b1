// nerve/shape/window.hpp: sliding windows over images, shared by convolutions and pooling: the
// argument types (Kernel, Stride, Dilation, and the paddings Valid, Same, Pad) and the output size
// rule.
//
// Images are (channels, height, width), PyTorch's CHW: a sample of Shape<C, H, W> holds C planes
// of H rows of W values, so a 28x28 grey image is Input<1, 28, 28> and Flatten after a
// convolution gives PyTorch's flatten order (a Linear's weights carry over unchanged).
//
// Output size along one axis, PyTorch's rule:
//   out = (in + pad_before + pad_after - dilation * (kernel - 1) - 1) / stride + 1
// defined when the dilated kernel fits the padded input. Pooling's ceil mode (PyTorch's
// ceil_mode=True) rounds the division up instead, so that a last, partial window covers what the
// floor leaves over, and then drops that window again if it would start past the image and its
// leading padding (in + pad_before): every window keeps a value of the image.
#pragma once

#include <array>
#include <cstddef>  // std::size_t
#include <string>
#include <type_traits>

#include "nerve/shape/shape.hpp"  // nerve::Shape, AnyShape

namespace nerve {

// Window arguments. Sizes are signed so that Kernel<0> or Stride<-1> reach the layer's own message
// instead of a narrowing error.
template <long H, long W = H>
struct Kernel {
  static constexpr long height = H, width = W;
};
template <long H, long W = H>
struct Stride {
  static constexpr long height = H, width = W;
};
template <long H, long W = H>
struct Dilation {
  static constexpr long height = H, width = W;
};

// Paddings: zeros around each plane (a max pool pads with -infinity instead, as PyTorch does).
//   Valid        none (the default)
//   Same         as much as keeps out == in at stride 1 (PyTorch's padding='same'): a total of
//                dilation * (kernel - 1) per axis, the odd one at the bottom / right
//   Pad<P>       P on every side; Pad<PH, PW>: PH above and below, PW left and right;
//   Pad<T, L, B, R>: top, left, bottom, right (ONNX's pads order)
struct Valid {};
struct Same {};
template <long... P>
struct Pad {
  static_assert(sizeof...(P) == 1 || sizeof...(P) == 2 || sizeof...(P) == 4,
                "Pad takes 1 value (every side), 2 (height, width) or 4 (top, left, bottom, "
                "right), e.g. Pad<1> or Pad<2, 1>");
};

template <class T>
inline constexpr bool is_kernel = false;
template <long H, long W>
inline constexpr bool is_kernel<Kernel<H, W>> = true;
template <class T>
inline constexpr bool is_stride = false;
template <long H, long W>
inline constexpr bool is_stride<Stride<H, W>> = true;
template <class T>
inline constexpr bool is_dilation = false;
template <long H, long W>
inline constexpr bool is_dilation<Dilation<H, W>> = true;
template <class T>
inline constexpr bool is_padding = std::is_same_v<T, Valid> || std::is_same_v<T, Same>;
template <long... P>
inline constexpr bool is_padding<Pad<P...>> = true;

// One axis of a window: kernel k, stride s, dilation d, padding before and after, and whether
// the output count rounds up (pooling's ceil mode).
struct window_axis {
  long kernel = 1, stride = 1, dilation = 1, before = 0, after = 0;
  bool ceil = false;

  constexpr long span() const noexcept { return dilation * (kernel - 1) + 1; }
  constexpr bool valid_arguments() const noexcept {
    return kernel > 0 && stride > 0 && dilation > 0 && before >= 0 && after >= 0;
  }
  // Does the dilated kernel fit an input of n values, padded?
  constexpr bool fits(std::size_t n) const noexcept {
    return valid_arguments() && static_cast<long>(n) + before + after >= span();
  }
  // Outputs along this axis for n inputs (0 where the window does not fit).
  constexpr std::size_t output(std::size_t n) const noexcept {
    if (!fits(n)) return 0;
    const long room = static_cast<long>(n) + before + after - span();
    long out = (ceil ? (room + stride - 1) / stride : room / stride) + 1;
    if (ceil && (out - 1) * stride >= static_cast<long>(n) + before) --out;
    return static_cast<std::size_t>(out);
  }
};

namespace detail {

template <class Padding>
struct padding_of;
template <>
struct padding_of<Valid> {
  // (top, left, bottom, right) for a kernel and dilation
  static constexpr std::array<long, 4> edges(long, long, long, long) { return {0, 0, 0, 0}; }
};
template <>
struct padding_of<Same> {
  static constexpr std::array<long, 4> edges(long kh, long kw, long dh, long dw) {
    const long th = dh * (kh - 1), tw = dw * (kw - 1);
    return {th / 2, tw / 2, th - th / 2, tw - tw / 2};
  }
};
template <long P>
struct padding_of<Pad<P>> {
  static constexpr std::array<long, 4> edges(long, long, long, long) { return {P, P, P, P}; }
};
template <long PH, long PW>
struct padding_of<Pad<PH, PW>> {
  static constexpr std::array<long, 4> edges(long, long, long, long) { return {PH, PW, PH, PW}; }
};
template <long T, long L, long B, long R>
struct padding_of<Pad<T, L, B, R>> {
  static constexpr std::array<long, 4> edges(long, long, long, long) { return {T, L, B, R}; }
};

}  // namespace detail

// A 2-D window from its argument types: the two axes, ready for output sizes and loops. Ceil:
// pooling's ceil mode.
template <class K, class S, class P, class D = Dilation<1>, bool Ceil = false>
struct window2d {
  static_assert(is_kernel<K> && is_stride<S> && is_padding<P> && is_dilation<D>);
  static constexpr std::array<long, 4> pads =
      detail::padding_of<P>::edges(K::height, K::width, D::height, D::width);
  static constexpr window_axis rows{K::height, S::height, D::height, pads[0], pads[2], Ceil};
  static constexpr window_axis cols{K::width, S::width, D::width, pads[1], pads[3], Ceil};
  static constexpr bool same = std::is_same_v<P, Same>;

  // The arguments themselves make sense (positive sizes, non-negative padding, Same at stride 1).
  static constexpr bool valid_arguments =
      rows.valid_arguments() && cols.valid_arguments() &&
      (!same || (S::height == 1 && S::width == 1));

  // "5x5", "2x2, stride 2", ..., for layer names.
  static std::string describe() {
    std::string out = std::to_string(K::height) + "x" + std::to_string(K::width);
    if (S::height != 1 || S::width != 1)
      out += ", stride " + (S::height == S::width ? std::to_string(S::height)
                                                  : std::to_string(S::height) + "x" +
                                                        std::to_string(S::width));
    if constexpr (same) {
      out += ", same";
    } else if (pads[0] || pads[1] || pads[2] || pads[3]) {
      out += ", pad " + std::to_string(pads[0]) + "," + std::to_string(pads[1]) + "," +
             std::to_string(pads[2]) + "," + std::to_string(pads[3]);
    }
    if (D::height != 1 || D::width != 1)
      out += ", dilation " + std::to_string(D::height) + "x" + std::to_string(D::width);
    return out;
  }
};

// Image shapes: rank 3, (channels, height, width).
template <AnyShape S>
inline constexpr bool is_image = S::rank == 3;

template <AnyShape S>
  requires(S::rank == 3)
struct image_dims {
  static constexpr std::size_t channels = S::dims[0], height = S::dims[1], width = S::dims[2];
  static constexpr std::size_t plane = height * width;
};

// Does window Win fit image shape In (both axes)?
template <class Win, AnyShape In>
inline constexpr bool window_fits = [] {
  if constexpr (In::rank != 3) return false;
  else return Win::rows.fits(In::dims[1]) && Win::cols.fits(In::dims[2]);
}();

// The (height, width) of the output planes of Win over image In (where window_fits).
template <class Win, AnyShape In>
inline constexpr std::size_t window_out_height = Win::rows.output(In::dims[1]);
template <class Win, AnyShape In>
inline constexpr std::size_t window_out_width = Win::cols.output(In::dims[2]);

}  // namespace nerve
