// nerve/layers/conv2d.hpp: Conv2D<filters, Kernel<kh, kw>, options...>, PyTorch's nn.Conv2d
// (a cross-correlation) on images of shape (channels, height, width).
//
//   Conv2D<6, Kernel<5, 5>>                            valid padding, stride 1, bias
//   Conv2D<32, Kernel<3, 3>, Same>                     output as large as the input
//   Conv2D<16, Kernel<3, 3>, Stride<2>, Pad<1>>        PyTorch's Conv2d(.., 3, stride=2, padding=1)
//   Conv2D<32, Kernel<3, 3>, Same, Groups<32>>         depthwise on 32 channels (groups=32)
// Options come in any order, each at most once: Stride<s> or Stride<sh, sw>; a padding (Valid,
// Same, Pad<p>, Pad<ph, pw>, Pad<top, left, bottom, right>; shape/window.hpp); Dilation<d>;
// Groups<g>; NoBias; an initialiser (Auto, Glorot, He, HeNormal, TorchDefault).
//
// Groups<g> (PyTorch's groups): the channels and the filters are cut into g slices, and filter
// slice i sees only channel slice i. Both counts must divide by g. In CHW a group's channels, its
// output planes, its filters' weights and biases are each one contiguous slice, so a group is the
// same kernel on (channels / g, filters / g), run g times with its pointers moved.
//
// Parameters in PyTorch's layout, unpacked: weight (filters, channels / groups, kh, kw) and bias
// (filters). The element-wise layers after it are its epilogue (applied to the product while it is
// in registers) and their derivative its backward prologue, as for Dense. The kernels are in
// kernels/conv.hpp; which algorithm a shape gets (direct, column copies or im2col) is chosen there
// at compile time.
#pragma once

#include <algorithm>  // std::max
#include <cstddef>  // std::size_t
#include <string>
#include <type_traits>

#include "nerve/init/initializer.hpp"      // nerve::Auto, Glorot, He, is_initializer
#include "nerve/kernels/conv.hpp"          // nerve::kernels::conv_forward, conv_backward
#include "nerve/kernels/depthwise.hpp"     // nerve::kernels::depthwise_forward, depthwise_pays
#include "nerve/layers/dense.hpp"          // nerve::WithBias, NoBias
#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/layers/weight_and_bias.hpp"  // nerve::weight_and_bias_arrays
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape
#include "nerve/shape/window.hpp"          // nerve::Kernel, Stride, Dilation, Valid, window2d
#include "nerve/tensor/tensor.hpp"         // nerve::Tensor

namespace nerve {

namespace detail {

// The first of Ts that is not void, else Default.
template <class Default, class... Ts>
struct first_given {
  using type = Default;
};
template <class Default, class T, class... Ts>
struct first_given<Default, T, Ts...> {
  using type = std::conditional_t<std::is_void_v<T>, typename first_given<Default, Ts...>::type, T>;
};

template <class O>
inline constexpr bool is_bias_policy = std::is_same_v<O, WithBias> || std::is_same_v<O, NoBias>;

}  // namespace detail

// Conv2D's groups (PyTorch's groups): Groups<1>, the default, is a full convolution; Groups<C>
// on C channels is depthwise. Signed so that Groups<0> reaches Conv2D's own message.
template <long G>
struct Groups {
  static constexpr long count = G;
};
template <class T>
inline constexpr bool is_groups = false;
template <long G>
inline constexpr bool is_groups<Groups<G>> = true;

namespace detail {

// Group g's slice of a fused pooling layer's planes: channel c of the group is channel
// first + c of the layer's output.
template <class Planes>
struct group_planes {
  const Planes& planes;
  std::size_t first;
  template <std::size_t RowStride, class T>
  void plane(const T* src, std::size_t c, T* y) const noexcept {
    planes.template plane<RowStride>(src, first + c, y);
  }
};

// How many of Options are a stride, a padding, ...: each kind may be given once, and nothing else.
template <class... Options>
struct conv_options {
  static constexpr int strides = (0 + ... + int(is_stride<Options>));
  static constexpr int paddings = (0 + ... + int(is_padding<Options>));
  static constexpr int dilations = (0 + ... + int(is_dilation<Options>));
  static constexpr int biases = (0 + ... + int(is_bias_policy<Options>));
  static constexpr int initializers = (0 + ... + int(is_initializer<Options>));
  static constexpr int groupings = (0 + ... + int(is_groups<Options>));
  static constexpr bool known = strides + paddings + dilations + biases + initializers +
                                    groupings == int(sizeof...(Options));
  static constexpr bool once = strides <= 1 && paddings <= 1 && dilations <= 1 && biases <= 1 &&
                               initializers <= 1 && groupings <= 1;

  using stride = typename first_given<Stride<1>, std::conditional_t<is_stride<Options>, Options, void>...>::type;
  using padding = typename first_given<Valid, std::conditional_t<is_padding<Options>, Options, void>...>::type;
  using dilation = typename first_given<Dilation<1>, std::conditional_t<is_dilation<Options>, Options, void>...>::type;
  using bias = typename first_given<WithBias, std::conditional_t<is_bias_policy<Options>, Options, void>...>::type;
  using init = typename first_given<Auto, std::conditional_t<is_initializer<Options>, Options, void>...>::type;
  using groups = typename first_given<Groups<1>, std::conditional_t<is_groups<Options>, Options, void>...>::type;
};

}  // namespace detail

template <long Filters, class KernelSize, class... Options>
struct Conv2D : layer {
  using options = detail::conv_options<Options...>;
  // Wrong kinds of arguments (no Kernel<..>, an unknown option, one given twice) are reported by
  // rejects_parameters (layer.hpp); Kernel<1> stands in for a missing kernel, and the first of
  // each option (or its default) for the rest.
  static constexpr bool well_typed = is_kernel<KernelSize> && options::known && options::once;
  using kernel = std::conditional_t<is_kernel<KernelSize>, KernelSize, Kernel<1>>;

  using window = window2d<kernel, typename options::stride, typename options::padding,
                          typename options::dilation>;
  using initializer = typename options::init;
  static constexpr fusion_role role = fusion_role::contraction;
  static constexpr std::size_t filters = Filters > 0 ? static_cast<std::size_t>(Filters) : 0;
  static constexpr bool has_bias = std::is_same_v<typename options::bias, WithBias>;
  // 1 stands in for a count below 1, which rejects_parameters reports.
  static constexpr std::size_t groups =
      options::groups::count > 0 ? static_cast<std::size_t>(options::groups::count) : 1;

  static constexpr bool valid_parameters = well_typed && Filters > 0 && window::valid_arguments &&
                                           options::groups::count > 0 && filters % groups == 0;
  template <class At>
  struct rejects_parameters {
    static_assert(is_kernel<KernelSize> || meta::dependent_false<At>,
                  "the second argument of Conv2D is its kernel size, e.g. Conv2D<32, Kernel<3, 3>>");
    static_assert(!is_kernel<KernelSize> || options::known || meta::dependent_false<At>,
                  "Conv2D's options after the kernel are Stride<..>, a padding (Valid, Same, "
                  "Pad<..>), Dilation<..>, Groups<..>, NoBias and an initialiser (Auto, Glorot, He, "
                  "HeNormal, TorchDefault)");
    static_assert(!is_kernel<KernelSize> || !options::known || options::once ||
                      meta::dependent_false<At>,
                  "each kind of Conv2D option may be given at most once");
    static_assert(Filters > 0, "Conv2D<filters, ...> needs at least 1 filter");
    static_assert(kernel::height > 0 && kernel::width > 0,
                  "Conv2D's Kernel<kh, kw> needs sizes of at least 1");
    static_assert(options::stride::height > 0 && options::stride::width > 0,
                  "Conv2D's Stride<..> must be at least 1: a stride of 0 never moves the kernel");
    static_assert(options::dilation::height > 0 && options::dilation::width > 0,
                  "Conv2D's Dilation<..> must be at least 1 (1: no gaps between taps)");
    static_assert(window::rows.before >= 0 && window::rows.after >= 0 &&
                      window::cols.before >= 0 && window::cols.after >= 0,
                  "Conv2D's Pad<..> cannot be negative");
    static_assert(!window::same || (options::stride::height == 1 && options::stride::width == 1),
                  "Conv2D: Same padding needs stride 1 (as in PyTorch); with a stride, give the "
                  "padding explicitly, e.g. Stride<2>, Pad<1>");
    static_assert(options::groups::count > 0,
                  "Conv2D's Groups<g> needs at least 1 group (Groups<1>, the default, is a full "
                  "convolution)");
    static_assert(options::groups::count <= 0 || Filters <= 0 || filters % groups == 0,
                  "Conv2D's filters must divide into its Groups<g> (PyTorch: out_channels must be "
                  "divisible by groups): e.g. Conv2D<32, Kernel<3, 3>, Groups<4>>");
  };

  template <AnyShape In>
  static constexpr bool accepts = window_fits<window, In> && In::dims[0] % groups == 0;

  template <class Got, class At>
  struct rejects_input;
  template <class In, class At>
  struct rejects_input<got<In>, At> {
    static_assert(In::rank == 3,
                  "Conv2D takes an image of shape (channels, height, width), PyTorch's CHW: a "
                  "28x28 grey image is Input<1, 28, 28>; a vector needs no convolution (use Dense)");
    static_assert(In::rank != 3 || window_fits<window, In>,
                  "Conv2D's kernel (with its dilation) is larger than its padded input: use a "
                  "smaller kernel, padding (Same or Pad<..>) or fewer pooling layers before it. "
                  "Images are (channels, height, width): Input<1, 28, 28>, not Input<28, 28, 1>");
    static_assert(In::rank != 3 || !window_fits<window, In> || In::dims[0] % groups == 0,
                  "Conv2D's input channels must divide into its Groups<g> (PyTorch: in_channels "
                  "must be divisible by groups): the channels are the first dimension of the "
                  "shape in the 'In instantiation of' line");
  };

  template <AnyShape In>
  using output_shape =
      Shape<filters, window_out_height<window, In>, window_out_width<window, In>>;

  // The kernel geometry of one group for input In (an image the window fits), with its forward
  // algorithm: channels / groups in, filters / groups out.
  template <AnyShape In>
  static constexpr kernels::conv_geometry geometry = kernels::with_chosen_algorithm({
      In::dims[0] / groups, In::dims[1], In::dims[2], filters / groups,
      static_cast<std::size_t>(kernel::height), static_cast<std::size_t>(kernel::width),
      static_cast<std::size_t>(window::rows.stride), static_cast<std::size_t>(window::cols.stride),
      static_cast<std::size_t>(window::rows.dilation), static_cast<std::size_t>(window::cols.dilation),
      static_cast<std::size_t>(window::rows.before), static_cast<std::size_t>(window::cols.before),
      static_cast<std::size_t>(window::rows.after), static_cast<std::size_t>(window::cols.after)});

  // Whether the forward and backward passes run every group at once on kernels/depthwise.hpp
  // (one channel a group, stride 1, output rows wide enough: depthwise_pays), not conv.hpp's
  // kernels once per group.
  template <AnyShape In>
  static constexpr bool depthwise = groups > 1 && kernels::depthwise_pays(geometry<In>);

  static std::string name() {
    std::string out = "Conv2D<" + std::to_string(Filters) + ", " + window::describe();
    if constexpr (groups != 1) out += ", groups " + std::to_string(groups);
    if constexpr (!has_bias) out += ", NoBias";
    if constexpr (!std::is_same_v<initializer, Auto>) out += std::string(", ") + initializer::name;
    return out + ">";
  }

  // weight (filters, channels / groups, kh, kw) as PyTorch's Conv2d.weight, bias (filters).
  template <class T, AnyShape In>
  struct parameters
      : weight_and_bias_arrays<T,
                               Shape<filters, In::dims[0] / groups,
                                     static_cast<std::size_t>(kernel::height),
                                     static_cast<std::size_t>(kernel::width)>,
                               Shape<filters>, has_bias> {
    T& w(std::size_t f, std::size_t c, std::size_t i, std::size_t j) noexcept {
      return this->weight(f, c, i, j);
    }
    const T& w(std::size_t f, std::size_t c, std::size_t i, std::size_t j) const noexcept {
      return this->weight(f, c, i, j);
    }
    T& b(std::size_t f) noexcept { return this->bias(f); }
    const T& b(std::size_t f) const noexcept { return this->bias(f); }
  };

  // Scratch only: the forward pass's operand rows and output planes of one sample; in training the
  // backward pass's padded inputs and output-gradient grids of the whole batch.
  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace = [] {
    using plan = kernels::conv_plan<geometry<In>, T>;
    std::size_t scratch = depthwise<In> ? kernels::depthwise_plan<geometry<In>, T>::scratch
                                        : plan::forward_scratch;
    if constexpr (M == mode::training && depthwise<In>) {
      scratch = std::max(scratch, kernels::depthwise_backward_plan<geometry<In>, T>::scratch);
    } else if constexpr (M == mode::training) {
      scratch = std::max(scratch, plan::template backward_scratch<B>);
    }
    return workspace_request{.scratch = scratch};
  }();

  template <AnyShape In>
  static constexpr std::size_t forward_flops =
      2 * geometry<In>.taps() * filters * geometry<In>.outputs() +
      (has_bias ? filters * geometry<In>.outputs() : 0);
  template <AnyShape In>  // dW and dX, each a multiply-add per tap and output; db a sum
  static constexpr std::size_t backward_flops =
      4 * geometry<In>.taps() * filters * geometry<In>.outputs() +
      (has_bias ? filters * geometry<In>.outputs() : 0);

  // Weights drawn with fan_in = channels / groups * kh * kw and fan_out = filters * kh * kw
  // (PyTorch's fans, from the weight's shape); Auto is He before a rectifier, else Glorot. Bias 0.
  template <class Ctx>
  static void initialize(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    constexpr std::size_t fan_in = geometry<In>.taps();
    constexpr std::size_t fan_out = filters * geometry<In>.kh * geometry<In>.kw;
    for (auto& v : ctx.params.weight.flat()) {
      double d;
      if constexpr (std::is_same_v<initializer, Auto>) {
        d = ctx.before_rectifier ? He::draw(ctx.rng, fan_in, fan_out)
                                 : Glorot::draw(ctx.rng, fan_in, fan_out);
      } else {
        d = initializer::draw(ctx.rng, fan_in, fan_out);
      }
      v = static_cast<T>(d);
    }
  }

  // Each output plane goes through ctx.planes: a pooling layer after it (and its activation)
  // pools the planes while they are in the scratch, at inference (network/execute.hpp).
  static constexpr bool plane_output = true;

  // Group g reads channels [g C / groups, ...) and weights from filter g F / groups on, and
  // writes output planes (or their pooled planes) and biases from that filter on.
  template <class Ctx>
  static void forward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    constexpr auto G = geometry<In>;
    const auto& p = ctx.params;
    if constexpr (depthwise<In>) {  // every group at once, on kernels/depthwise.hpp
      kernels::depthwise_forward<G, groups, Ctx::batch>(
          ctx.x, ctx.ldx, p.weight.data(), has_bias ? p.bias.data() : static_cast<const T*>(nullptr),
          ctx.z, ctx.y, ctx.ldy, ctx.scratch, ctx.epilogue, ctx.planes);
      return;
    }
    for (std::size_t g = 0; g < groups; ++g) {
      const T* bias = has_bias ? p.bias.data() + g * G.filters : nullptr;
      const T* x = ctx.x + g * G.channels * G.height * G.width;
      const T* w = p.weight.data() + g * G.filters * G.taps();
      const std::size_t out = g * G.filters * G.outputs();
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(ctx.planes)>, kernels::CopyPlanes>) {
        kernels::conv_forward<G, Ctx::batch>(x, ctx.ldx, w, bias, ctx.z ? ctx.z + out : nullptr,
                                             ctx.y + out, ctx.ldy, ctx.scratch, ctx.epilogue);
      } else if constexpr (groups == 1) {
        kernels::conv_forward<G, Ctx::batch>(x, ctx.ldx, w, bias, ctx.z, ctx.y, ctx.ldy,
                                             ctx.scratch, ctx.epilogue, ctx.planes);
      } else {  // the pooled planes: y stays the row's start, the channel moves
        kernels::conv_forward<G, Ctx::batch>(
            x, ctx.ldx, w, bias, ctx.z, ctx.y, ctx.ldy, ctx.scratch, ctx.epilogue,
            detail::group_planes<std::remove_cvref_t<decltype(ctx.planes)>>{ctx.planes,
                                                                            g * G.filters});
      }
    }
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    constexpr auto G = geometry<In>;
    if constexpr (depthwise<In>) {  // every group at once, on kernels/depthwise.hpp
      kernels::depthwise_backward<G, groups, Ctx::batch>(
          ctx.x, ctx.ldx, ctx.params.weight.data(), ctx.dy, ctx.y, ctx.z, ctx.ldy, ctx.prologue,
          ctx.grads.weight.data(), has_bias ? ctx.grads.bias.data() : static_cast<T*>(nullptr),
          ctx.dx, ctx.ld_dx, ctx.scratch);
      return;
    }
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t in = g * G.channels * G.height * G.width, out = g * G.filters * G.outputs();
      const std::size_t w = g * G.filters * G.taps();
      kernels::conv_backward<G, Ctx::batch>(
          ctx.x + in, ctx.ldx, ctx.params.weight.data() + w, ctx.dy + out, ctx.y + out,
          ctx.z + out, ctx.ldy, ctx.prologue, ctx.grads.weight.data() + w,
          has_bias ? ctx.grads.bias.data() + g * G.filters : static_cast<T*>(nullptr),
          ctx.dx ? ctx.dx + in : static_cast<T*>(nullptr), ctx.ld_dx, ctx.scratch);
    }
  }
};

}  // namespace nerve
