// nerve/layers/pool_window.hpp: the window arguments of the pooling layers (MaxPool, AvgPool),
// read once: the kernel (an integer for a square window, or a Kernel<KH, KW>{} value), the stride
// (a Stride<...> type, by default the kernel, as in PyTorch), the padding (Valid, Pad<...>, Same)
// and the options after it (FloorMode / CeilMode, and AvgPool's IncludePad / ExcludePad and
// Divisor<N>), what makes them valid, the output shape, the bounds of each window and the layer's
// name.
//
// The rules are PyTorch's nn.MaxPool2d / nn.AvgPool2d: kernel and stride positive, each padding
// at most half the kernel along its axis (pad <= k / 2), so that every window holds at least one
// value of the input; Same only at stride 1 (shape/window.hpp). In ceil mode the last window of a
// row or column may reach past the padded plane; it is cut there (shape/window.hpp).
#pragma once

#include <algorithm>  // std::max, std::min
#include <cstddef>    // std::size_t
#include <string>
#include <type_traits>

#include "nerve/shape/diagnostics.hpp"  // nerve::got
#include "nerve/shape/shape.hpp"        // nerve::Shape, AnyShape
#include "nerve/shape/window.hpp"       // nerve::Kernel, Stride, Valid, Same, Pad, window2d, window_fits

namespace nerve {

// How a pooling layer counts its windows, PyTorch's ceil_mode: FloorMode (ceil_mode=False, the
// default) keeps only the windows that fit in the padded plane; CeilMode (True) adds a last,
// partial window along an axis whose size the stride does not divide, so that no row or column
// of the image is left out (7 columns, 2 x 2 windows: 4 outputs instead of 3).
struct FloorMode {};
struct CeilMode {};
template <class T>
inline constexpr bool is_rounding_mode = std::is_same_v<T, FloorMode> || std::is_same_v<T, CeilMode>;

// How AvgPool's padding counts in a window's mean, PyTorch's count_include_pad: IncludePad (True,
// the default) divides every window by KH * KW; ExcludePad (False) by its values in the image.
struct IncludePad {};
struct ExcludePad {};
template <class C>
inline constexpr bool is_pad_count = std::is_same_v<C, IncludePad> || std::is_same_v<C, ExcludePad>;

// AvgPool's fixed divisor, PyTorch's divisor_override: every window's sum is divided by N, however
// many of its positions are padding or cut off in ceil mode. It takes the place of the count, so
// IncludePad and ExcludePad change nothing beside it (PyTorch ignores count_include_pad then).
// N must not be 0, PyTorch's one rule; a negative N is PyTorch's too.
template <long N>
struct Divisor {};
template <class D>
inline constexpr bool is_divisor = false;
template <long N>
inline constexpr bool is_divisor<Divisor<N>> = true;

namespace detail {

template <class D>
inline constexpr long divisor_of = 0;
template <long N>
inline constexpr long divisor_of<Divisor<N>> = N;

// The options after a pooling layer's padding, in any order, each kind at most once (which kinds
// a layer takes is its own rule: MaxPool has no pad count and no divisor).
template <class... Options>
struct pool_options {
  static constexpr int roundings = (0 + ... + int(is_rounding_mode<Options>));
  static constexpr int counts = (0 + ... + int(is_pad_count<Options>));
  static constexpr int divisors = (0 + ... + int(is_divisor<Options>));
  static constexpr bool known = roundings + counts + divisors == int(sizeof...(Options));
  static constexpr bool once = roundings <= 1 && counts <= 1 && divisors <= 1;
  static constexpr bool ceil = (false || ... || std::is_same_v<Options, CeilMode>);
  static constexpr bool excludes_padding = (false || ... || std::is_same_v<Options, ExcludePad>);
  // The Divisor<N> given (0: none); Divisor<0>, which AvgPool refuses, shows in zero_divisor.
  static constexpr long divisor = (0L + ... + divisor_of<Options>);
  static constexpr bool zero_divisor = (false || ... || std::is_same_v<Options, Divisor<0>>);
};

// The kernel argument K of a pooling layer: an integer (square window) or a Kernel<KH, KW>{}.
template <auto K>
struct pool_kernel {
  using argument = std::remove_cvref_t<decltype(K)>;
  static constexpr bool integral = std::is_integral_v<argument> && !std::is_same_v<argument, bool>;
  static constexpr bool well_typed = integral || is_kernel<argument>;
  static constexpr long height = [] {
    if constexpr (integral) return static_cast<long>(K);
    else if constexpr (is_kernel<argument>) return argument::height;
    else return 1L;
  }();
  static constexpr long width = [] {
    if constexpr (integral) return static_cast<long>(K);
    else if constexpr (is_kernel<argument>) return argument::width;
    else return 1L;
  }();
  using kernel = Kernel<height, width>;
  using default_stride = Stride<height, width>;  // PyTorch: stride defaults to kernel_size

  static std::string name() {
    if constexpr (integral) return std::to_string(height);
    else return "Kernel<" + std::to_string(height) + ", " + std::to_string(width) + ">";
  }
};

// Spellings of the other arguments, for names: "Stride<2>", "Pad<1, 0>", "Same".
inline std::string pair_name(const char* what, long h, long w) {
  return std::string(what) + "<" + std::to_string(h) +
         (h == w ? std::string() : ", " + std::to_string(w)) + ">";
}
template <class P>
struct padding_name;
template <>
struct padding_name<Valid> {
  static std::string get() { return "Valid"; }
};
template <>
struct padding_name<Same> {
  static std::string get() { return "Same"; }
};
template <long... P>
struct padding_name<Pad<P...>> {
  static std::string get() {
    std::string out = "Pad<";
    bool first = true;
    for (long p : {P...}) {
      out += (first ? "" : ", ") + std::to_string(p);
      first = false;
    }
    return out + ">";
  }
};

// Everything a pooling layer needs from its arguments. S and P are checked to be a Stride and a
// padding by the layer's rejects_parameters (not valid unless well_typed); in their place
// Stride<1> and Valid stand in, as a kernel of 1 does for a K of a wrong type, so that nothing
// else fails under the layer's message. Ceil: ceil mode.
template <auto K, class S, class P, bool Ceil = false>
struct pool_window {
  using kernel_argument = pool_kernel<K>;
  static constexpr bool well_typed = kernel_argument::well_typed && is_stride<S> && is_padding<P>;
  using stride = std::conditional_t<is_stride<S>, S, Stride<1>>;
  using padding = std::conditional_t<is_padding<P>, P, Valid>;
  using window = window2d<typename kernel_argument::kernel, stride, padding, Dilation<1>, Ceil>;
  static constexpr bool ceil = Ceil;

  static constexpr long kernel_height = kernel_argument::height;
  static constexpr long kernel_width = kernel_argument::width;
  static constexpr long stride_height = stride::height, stride_width = stride::width;
  static constexpr long pad_top = window::pads[0], pad_left = window::pads[1];
  static constexpr long pad_bottom = window::pads[2], pad_right = window::pads[3];
  static constexpr bool unpadded = pad_top == 0 && pad_left == 0 && pad_bottom == 0 && pad_right == 0;

  // Values in a window, padding included: the divisor of AvgPool (count_include_pad).
  static constexpr std::size_t area =
      kernel_height > 0 && kernel_width > 0
          ? static_cast<std::size_t>(kernel_height) * static_cast<std::size_t>(kernel_width)
          : 0;

  // The three things that can be wrong with the values, each with its own message.
  static constexpr bool positive =
      kernel_height > 0 && kernel_width > 0 && stride_height > 0 && stride_width > 0;
  static constexpr bool padding_within_half =
      pad_top >= 0 && pad_left >= 0 && pad_bottom >= 0 && pad_right >= 0 &&
      pad_top <= kernel_height / 2 && pad_bottom <= kernel_height / 2 &&
      pad_left <= kernel_width / 2 && pad_right <= kernel_width / 2;
  static constexpr bool same_at_stride_one =
      !window::same || (stride_height == 1 && stride_width == 1);
  static constexpr bool valid = well_typed && positive && padding_within_half && same_at_stride_one;

  // An image whose padded planes hold at least one window.
  template <AnyShape In>
  static constexpr bool fits = is_image<In> && window_fits<window, In>;

  template <AnyShape In>
  static constexpr std::size_t out_height = window_out_height<window, In>;
  template <AnyShape In>
  static constexpr std::size_t out_width = window_out_width<window, In>;
  template <AnyShape In>
  using output_shape = Shape<In::dims[0], out_height<In>, out_width<In>>;

  // Whether every window of the OH x OW outputs lies inside the H x W plane: no padding, and in
  // ceil mode no last window cut short. Then the windows are whole and can be read a register
  // at a time (MaxPool).
  template <std::size_t H, std::size_t W, std::size_t OH, std::size_t OW>
  static constexpr bool windows_inside =
      unpadded && static_cast<long>(OH - 1) * stride_height + kernel_height <= static_cast<long>(H) &&
      static_cast<long>(OW - 1) * stride_width + kernel_width <= static_cast<long>(W);

  // The rows [begin, end) of the input that window row `o` covers, padding cut away (never
  // empty: the padding is at most half the kernel, and in ceil mode the last window starts
  // inside the image or its leading padding), and `padded`, how many rows of the padded plane it
  // covers: the kernel's height, less in ceil mode where the last window passes the padding
  // (PyTorch's avg_pool2d divides by that with count_include_pad). The same for columns.
  struct range {
    std::size_t begin, end, padded;
  };
  static constexpr range span_of(long start, long kernel, long pad_after, std::size_t size) noexcept {
    const long n = static_cast<long>(size);
    return {static_cast<std::size_t>(std::max(start, 0L)),
            static_cast<std::size_t>(std::min(start + kernel, n)),
            static_cast<std::size_t>(std::min(start + kernel, n + pad_after) - start)};
  }
  static constexpr range rows_of(std::size_t o, std::size_t height) noexcept {
    return span_of(static_cast<long>(o) * stride_height - pad_top, kernel_height, pad_bottom, height);
  }
  static constexpr range cols_of(std::size_t o, std::size_t width) noexcept {
    return span_of(static_cast<long>(o) * stride_width - pad_left, kernel_width, pad_right, width);
  }

  // f(position) for each input position h * W + w of the window (rows, cols), in window order
  // (row by row). A window wholly inside the plane (all of them without padding) runs loops of
  // compile-time length, which the compiler unrolls.
  template <std::size_t W, class F>
  static constexpr void for_each_position(range rows, range cols, F&& f) {
    constexpr auto KH = static_cast<std::size_t>(kernel_height);
    constexpr auto KW = static_cast<std::size_t>(kernel_width);
    if (rows.end - rows.begin == KH && cols.end - cols.begin == KW) {
      const std::size_t first = rows.begin * W + cols.begin;
      for (std::size_t i = 0; i < KH; ++i) {
        for (std::size_t j = 0; j < KW; ++j) f(first + i * W + j);
      }
    } else {
      for (std::size_t h = rows.begin; h < rows.end; ++h) {
        for (std::size_t w = cols.begin; w < cols.end; ++w) f(h * W + w);
      }
    }
  }

  // "2", "3, Stride<2>", "Kernel<3, 2>, Stride<1>, Pad<1, 0>": the arguments as written, the
  // stride only where it is not the kernel, the padding only where there is one; `options`
  // (", ExcludePad, CeilMode"): given, then the stride and padding are always written (Valid
  // included), so that the name is a type again.
  static std::string arguments(const std::string& options = "") {
    const bool all = !options.empty();
    std::string out = kernel_argument::name();
    const bool default_stride = stride_height == kernel_height && stride_width == kernel_width;
    if (all || !default_stride || !std::is_same_v<padding, Valid>) {
      out += ", " + pair_name("Stride", stride_height, stride_width);
    }
    if (all || !std::is_same_v<padding, Valid>) out += ", " + padding_name<padding>::get();
    return out + options;
  }
};

// The shape of got<In>, for a layer's rejects_input.
template <class Got>
struct got_shape;
template <class In>
struct got_shape<got<In>> {
  using type = In;
};

}  // namespace detail

}  // namespace nerve
