// nerve/layers/dense.hpp: Dense<units>, a fully connected layer: y = W x + b.
//
// Its weights are stored packed for the kernels: K rows of Mp = padded(units) columns,
// weight(k, m) = W[m][k], columns m >= units zero (kernels/layout.hpp). The element-wise layers
// after it are its epilogue: forward computes f(W x + b) with f applied while the outputs are
// still in registers, and backward computes dz = dy * f'(.) in the prologue of dW, db and dx.
#pragma once

#include <cstddef>  // std::size_t
#include <string>
#include <tuple>  // std::get
#include <type_traits>

#include "nerve/init/initializer.hpp"      // nerve::Auto, Glorot, He
#include "nerve/kernels/dense_backward.hpp"  // nerve::kernels::dense_backward_into
#include "nerve/kernels/gradient_sink.hpp"   // nerve::kernels::write_gradient
#include "nerve/kernels/gemm.hpp"            // nerve::kernels::dense_forward_batch
#include "nerve/kernels/gemv.hpp"            // nerve::kernels::dense_forward
#include "nerve/kernels/layout.hpp"        // nerve::kernels::padded
#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/layers/weight_and_bias.hpp"  // nerve::weight_and_bias_arrays
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape
#include "nerve/tensor/tensor.hpp"         // nerve::Tensor

namespace nerve {

// Bias policies for Dense.
struct WithBias {};
struct NoBias {};

template <long Units, class Bias = WithBias, class Init = Auto>
struct Dense : layer {
  static_assert(std::is_same_v<Bias, WithBias> || std::is_same_v<Bias, NoBias>,
                "the second argument of Dense is WithBias (the default) or NoBias");
  static_assert(is_initializer<Init>,
                "the third argument of Dense is its initialiser: Auto (the default), Glorot, He, "
                "HeNormal or TorchDefault");

  static constexpr fusion_role role = fusion_role::contraction;
  static constexpr std::size_t units = Units > 0 ? static_cast<std::size_t>(Units) : 0;
  static constexpr bool has_bias = std::is_same_v<Bias, WithBias>;
  using initializer = Init;

  static constexpr bool valid_parameters = Units > 0;
  template <class At>
  struct rejects_parameters {
    static_assert(meta::dependent_false<At>,
                  "Dense<units> needs at least 1 unit: a zero or negative number of units makes "
                  "an empty layer");
  };

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "Dense takes a rank-1 input (a vector): insert Flatten before this Dense");
  };

  template <AnyShape In>
  using output_shape = Shape<units>;

  template <AnyShape In>
  static constexpr std::size_t parameter_count = In::size * units + (has_bias ? units : 0);

  static std::string name() {
    std::string out = "Dense<" + std::to_string(Units);
    if constexpr (!has_bias) out += ", NoBias";
    if constexpr (!std::is_same_v<Init, Auto>) out += std::string(", ") + Init::name;
    return out + ">";
  }

  template <class T, AnyShape In>
  struct parameters : weight_and_bias_arrays<T, Shape<In::size, kernels::padded<units, T>>,
                                             Shape<kernels::padded<units, T>>, has_bias> {
    static constexpr std::size_t inputs = In::size;
    static constexpr std::size_t outputs = units;
    static constexpr std::size_t padded_outputs = kernels::padded<units, T>;
    // weight is packed: weight(k, m) = W[m][k]; bias has padded_outputs values.

    // W[m][k] in the usual (outputs x inputs) orientation.
    T& w(std::size_t m, std::size_t k) noexcept { return this->weight(k, m); }
    const T& w(std::size_t m, std::size_t k) const noexcept { return this->weight(k, m); }
    T& b(std::size_t m) noexcept { return this->bias(m); }
    const T& b(std::size_t m) const noexcept { return this->bias(m); }
  };

  // dz, the gradient of the pre-activation, is scratch of the backward call.
  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{
      .scratch = M == mode::training ? B * kernels::padded<units, T> : 0};

  template <AnyShape In>
  static constexpr std::size_t forward_flops = 2 * In::size * units + (has_bias ? units : 0);
  template <AnyShape In>  // dW = dz x^T and dx = W^T dz, db = sum dz
  static constexpr std::size_t backward_flops = 4 * In::size * units + (has_bias ? units : 0);

  // Draws W with the initialiser (Auto: He before a rectifier, else Glorot); b starts at 0.
  template <class Ctx>
  static void initialize(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    using Draw = std::conditional_t<std::is_same_v<Init, Auto>, void, Init>;
    for (std::size_t m = 0; m < units; ++m) {
      for (std::size_t k = 0; k < In::size; ++k) {
        double v;
        if constexpr (std::is_void_v<Draw>) {
          v = ctx.before_rectifier ? He::draw(ctx.rng, In::size, units)
                                   : Glorot::draw(ctx.rng, In::size, units);
        } else {
          v = Draw::draw(ctx.rng, In::size, units);
        }
        ctx.params.w(m, k) = static_cast<T>(v);
      }
    }
  }

  // Y = epilogue(X W^T + b) for B rows, the epilogue applied in registers; Z keeps X W^T + b.
  template <class Ctx>
  static void forward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    constexpr std::size_t B = Ctx::batch;
    const auto& p = ctx.params;
    const T* b = has_bias ? p.bias.data() : nullptr;
    if constexpr (B == 1) {
      kernels::dense_forward<units, In::size, T>(ctx.x, p.weight.data(), b, ctx.z, ctx.y,
                                                 ctx.epilogue);
    } else {
      kernels::dense_forward_batch<B, units, In::size, T>(ctx.x, ctx.ldx, p.weight.data(), b,
                                                          ctx.z, ctx.y, ctx.epilogue);
    }
  }

  // dZ = prologue(dY, Y, Z) in scratch; dX = dZ W; dW = dZ^T X and db = sum dZ handed to the
  // context's gradient sinks (written into ctx.grads, or the optimizer's step applied to the
  // parameters in place; the kernel computes dX from the weights before that).
  static constexpr bool gradient_sinks = true;

  template <class Ctx>
  static void backward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    const auto& dw = std::get<0>(ctx.sinks);
    const auto bias_sink = [&] {
      if constexpr (has_bias) return std::get<1>(ctx.sinks);
      else return kernels::write_gradient<T>{};  // disabled
    }();
    kernels::dense_backward_into<Ctx::batch, units, In::size, T>(
        ctx.x, ctx.ldx, ctx.params.weight.data(), ctx.dy, ctx.y, ctx.z, ctx.prologue, ctx.scratch,
        dw, bias_sink, ctx.dx, ctx.ld_dx);
  }
};

}  // namespace nerve
