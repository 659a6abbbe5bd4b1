// nerve/layers/avg_pool.hpp: AvgPool<K, S = K, Padding = Valid, options...>, PyTorch's
// nn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override), on
// images (channels, height, width): the output is the mean of each window.
//   AvgPool<2>                          2x2 windows, stride 2 (PyTorch: stride = kernel_size)
//   AvgPool<3, Stride<2>>               3x3 windows every 2 rows and columns (they overlap)
//   AvgPool<3, Stride<1>, Pad<1>>       padded by 1 on every side (at most half the kernel)
//   AvgPool<Kernel<3, 2>{}, Stride<1>>  3 rows by 2 columns (a Kernel value, with braces)
//   AvgPool<3, Stride<1>, Pad<1>, ExcludePad>   the padding left out of the mean
//   AvgPool<2, Stride<2>, Valid, CeilMode>      a last, partial window where 2 does not divide
//   AvgPool<3, Stride<1>, Pad<1>, Divisor<4>>   every window's sum divided by 4 (divisor_override)
// Output (channels, OH, OW), OH = (H + pad_top + pad_bottom - KH) / SH + 1, the same for OW.
// The options after the padding come in any order, each kind at most once:
// - IncludePad (count_include_pad=True, PyTorch's default) counts the padding as zeros in the
//   mean: every window is divided by KH * KW, however much of it is padding. ExcludePad
//   (count_include_pad=False; ONNX's default) divides each window by its values inside the image.
// - FloorMode (ceil_mode=False, the default) or CeilMode (True): the division in OH rounds up,
//   and a last window that would start past the image and its leading padding is dropped
//   (layers/pool_window.hpp). A last window that reaches past the padded plane is cut there: with
//   IncludePad it is divided by its rows and columns inside the padded plane, as PyTorch does.
// - Divisor<N> (divisor_override=N): every window's sum divided by N instead, whatever the window
//   holds; beside it IncludePad and ExcludePad change nothing, as in PyTorch. N must not be 0.
//
// Backward: dx = 0, then dy / divisor of each output added over its window (with IncludePad the
// padding takes its share and drops it). Nothing is kept.
#pragma once

#include <algorithm>  // std::fill_n
#include <cstddef>    // std::size_t
#include <string>
#include <type_traits>

#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/layers/pool_window.hpp"    // nerve::detail::pool_window, pool_kernel, got_shape
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape, AnyShape
#include "nerve/shape/window.hpp"          // nerve::Kernel, Stride, Valid, Same, Pad, is_image

namespace nerve {

namespace detail {

// What a window of rows x cols is divided by: Override where it is not 0 (Divisor<N>), else with
// Exclude its values in the image, else its positions in the padded plane. Both are the area when
// every window is whole in the image (floor mode, no padding), and the second is in floor mode
// with padding.
template <class Win, bool Exclude, long Override, class T>
constexpr T avg_divisor(typename Win::range rows, typename Win::range cols) noexcept {
  if constexpr (Override != 0) {
    (void)rows, (void)cols;
    return static_cast<T>(Override);
  } else if constexpr (Exclude && (!Win::unpadded || Win::ceil)) {
    return static_cast<T>((rows.end - rows.begin) * (cols.end - cols.begin));
  } else if constexpr (Win::ceil) {
    return static_cast<T>(rows.padded * cols.padded);
  } else {
    (void)rows, (void)cols;
    return static_cast<T>(Win::area);
  }
}

// One plane (H x W, rows Ld apart): y (OH x OW) the sum of each window divided by its divisor.
template <class Win, bool Exclude, long Override, std::size_t H, std::size_t W, std::size_t OH,
          std::size_t OW, std::size_t Ld = W, class T>
inline void avg_pool_plane(const T* x, T* y) noexcept {
  for (std::size_t oh = 0; oh < OH; ++oh) {
    const auto rows = Win::rows_of(oh, H);
    for (std::size_t ow = 0; ow < OW; ++ow) {
      const auto cols = Win::cols_of(ow, W);
      T sum = 0;
      Win::template for_each_position<Ld>(rows, cols, [&](std::size_t p) { sum += x[p]; });
      // As PyTorch: a division, not a product by 1 / divisor.
      y[oh * OW + ow] = sum / avg_divisor<Win, Exclude, Override, T>(rows, cols);
    }
  }
}

// The adjoint: dx (H x W, zeroed here) collects dy / divisor over each window.
template <class Win, bool Exclude, long Override, std::size_t H, std::size_t W, std::size_t OH,
          std::size_t OW, class T>
inline void avg_pool_plane_backward(const T* dy, T* dx) noexcept {
  std::fill_n(dx, H * W, T(0));
  for (std::size_t oh = 0; oh < OH; ++oh) {
    const auto rows = Win::rows_of(oh, H);
    for (std::size_t ow = 0; ow < OW; ++ow) {
      const auto cols = Win::cols_of(ow, W);
      const T share = dy[oh * OW + ow] / avg_divisor<Win, Exclude, Override, T>(rows, cols);
      Win::template for_each_position<W>(rows, cols, [&](std::size_t p) { dx[p] += share; });
    }
  }
}

}  // namespace detail

template <auto K, class S = typename detail::pool_kernel<K>::default_stride, class Padding = Valid,
          class... Options>
struct AvgPool : layer {
  using options = detail::pool_options<Options...>;
  using window = detail::pool_window<K, S, Padding, options::ceil>;
  static constexpr bool excludes_padding = options::excludes_padding;
  // Divisor<N>'s N, or 0 where the count decides (PyTorch's divisor_override=None).
  static constexpr long divisor_override = options::divisor;

  static constexpr bool valid_parameters =
      window::valid && options::known && options::once && !options::zero_divisor;
  // Wrong kinds of arguments (a padding where the stride goes) first, then wrong values
  // (layer.hpp); pool_window holds the stand-ins.
  template <class At>
  struct rejects_parameters {
    static_assert(detail::pool_kernel<K>::well_typed || meta::dependent_false<At>,
                  "the first argument of AvgPool is its window: an integer for a square one "
                  "(AvgPool<2>) or a Kernel value (AvgPool<Kernel<3, 2>{}>)");
    static_assert(is_stride<S> || meta::dependent_false<At>,
                  "the second argument of AvgPool is its stride: Stride<S> or Stride<SH, SW> (by "
                  "default the kernel, as in PyTorch), e.g. AvgPool<3, Stride<2>>");
    static_assert(is_padding<Padding> || meta::dependent_false<At>,
                  "the third argument of AvgPool is its padding: Valid (the default), Pad<P>, "
                  "Pad<PH, PW>, Pad<top, left, bottom, right> or Same, e.g. AvgPool<3, Stride<1>, "
                  "Pad<1>>");
    static_assert(options::known || meta::dependent_false<At>,
                  "AvgPool's arguments after its padding are options: how the padding counts in "
                  "the mean, IncludePad (the default, PyTorch's count_include_pad=True) or "
                  "ExcludePad (False), how windows are counted, FloorMode (the default) or "
                  "CeilMode (ceil_mode=True), and Divisor<N> (divisor_override=N), e.g. "
                  "AvgPool<3, Stride<2>, Pad<1>, ExcludePad, CeilMode>");
    static_assert(!options::known || options::once || meta::dependent_false<At>,
                  "each kind of AvgPool option may be given at most once: one of IncludePad and "
                  "ExcludePad, one of FloorMode and CeilMode, one Divisor<N>");
    static_assert(!options::zero_divisor || meta::dependent_false<At>,
                  "AvgPool's Divisor<N> divides every window's sum by N, so N must not be 0 "
                  "(PyTorch: divisor must be not zero); leave Divisor out to divide by the "
                  "window's count");
    static_assert(!window::well_typed || window::positive || meta::dependent_false<At>,
                  "AvgPool needs a kernel and a stride of at least 1 in each direction: a zero or "
                  "negative size makes no window (write e.g. AvgPool<2> or AvgPool<3, Stride<2>>)");
    static_assert(!window::well_typed || !window::positive || window::padding_within_half ||
                      meta::dependent_false<At>,
                  "AvgPool's padding must be at least 0 and at most half its kernel on each side "
                  "(PyTorch's rule, pad <= kernel / 2), so that every window holds a value of the "
                  "input: reduce the padding or enlarge the kernel");
    static_assert(!window::well_typed || !window::positive || !window::padding_within_half ||
                      window::same_at_stride_one || meta::dependent_false<At>,
                  "AvgPool with Same padding needs stride 1 (only then does the output keep the "
                  "input's size): write AvgPool<K, Stride<1>, Same>, or Pad<P> with a stride");
  };

  template <AnyShape In>
  static constexpr bool accepts = window::template fits<In>;

  template <class Got, class At>
  struct rejects_input {
    using In = typename detail::got_shape<Got>::type;
    static_assert(is_image<In> || meta::dependent_false<Got>,
                  "AvgPool takes an image (channels, height, width), a rank-3 input, and this one "
                  "is not: start the network with Input<C, H, W> (e.g. Input<1, 28, 28>) and pool "
                  "before Flatten");
    static_assert(!is_image<In> || meta::dependent_false<Got>,
                  "AvgPool's window does not fit its input: the kernel is larger than the "
                  "height or width of the (padded) image named in the 'In instantiation of' "
                  "line: use a smaller kernel, pad the image, or pool an earlier, larger map");
  };

  template <AnyShape In>
  using output_shape = typename window::template output_shape<In>;

  // The options that are not defaults, after every other argument (so that the name is a type).
  static std::string name() {
    const std::string given = std::string(excludes_padding ? ", ExcludePad" : "") +
                              (options::ceil ? ", CeilMode" : "") +
                              (divisor_override != 0
                                   ? ", Divisor<" + std::to_string(divisor_override) + ">"
                                   : "");
    return "AvgPool<" + window::arguments(given) + ">";
  }

  // Per output: KH * KW - 1 additions and a division (every window counted whole, an upper bound
  // at padded borders).
  template <AnyShape In>
  static constexpr std::size_t forward_flops = output_shape<In>::size * window::area;
  // Per output: a division, then an addition per value of its window.
  template <AnyShape In>
  static constexpr std::size_t backward_flops = output_shape<In>::size * (window::area + 1);

  template <class Ctx>
  static void forward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    using In = typename Ctx::in_shape;
    using Out = output_shape<In>;
    constexpr std::size_t C = In::dims[0], H = In::dims[1], W = In::dims[2];
    constexpr std::size_t OH = Out::dims[1], OW = Out::dims[2];
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      const T* x = ctx.x + b * ctx.ldx;
      T* y = ctx.y + b * ctx.ldy;
      for (std::size_t c = 0; c < C; ++c) {
        detail::avg_pool_plane<window, excludes_padding, divisor_override, H, W, OH, OW>(
            x + c * H * W, y + c * OH * OW);
      }
    }
  }

  // One plane of In, rows RowStride apart: run inside a convolution's output pass at inference.
  static constexpr bool pools_planes = true;
  template <class T, AnyShape In, std::size_t RowStride>
  static void pool_plane(const T* x, T* y) noexcept {
    using Out = output_shape<In>;
    detail::avg_pool_plane<window, excludes_padding, divisor_override, In::dims[1], In::dims[2],
                           Out::dims[1], Out::dims[2], RowStride>(x, y);
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    using In = typename Ctx::in_shape;
    using Out = output_shape<In>;
    constexpr std::size_t C = In::dims[0], H = In::dims[1], W = In::dims[2];
    constexpr std::size_t OH = Out::dims[1], OW = Out::dims[2];
    if (ctx.dx == nullptr) return;
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      const T* dy = ctx.dy + b * ctx.ldy;
      T* dx = ctx.dx + b * ctx.ld_dx;
      for (std::size_t c = 0; c < C; ++c) {
        detail::avg_pool_plane_backward<window, excludes_padding, divisor_override, H, W, OH, OW>(
            dy + c * OH * OW, dx + c * H * W);
      }
    }
  }
};

}  // namespace nerve
