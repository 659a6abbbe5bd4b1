// nerve/layers/affine.hpp: Affine, a learned scale and shift per feature: y = a * x + b, with a
// and b of the sample's shape (PyTorch: the elementwise affine of a normalisation layer, on its
// own). Its backward pass is derived from that expression (layers/per_feature.hpp); nothing here
// differentiates by hand.
#pragma once

#include <array>
#include <cstddef>  // std::size_t
#include <string>

#include "nerve/expr/build.hpp"         // operator*, operator+ on expressions
#include "nerve/expr/node.hpp"          // nerve::expr::x, param
#include "nerve/layers/layer.hpp"       // nerve::layer
#include "nerve/layers/per_feature.hpp" // nerve::per_feature, weight_and_bias

namespace nerve {

struct Affine : layer {
  static constexpr auto function = expr::param<0> * expr::x + expr::param<1>;  // a * x + b
  using pointwise = per_feature<function, 2>;

  template <AnyShape In>
  using output_shape = In;

  static std::string name() { return "Affine"; }

  template <class T, AnyShape In>
  using parameters = weight_and_bias<T, In>;  // a and b

  template <AnyShape In>  // a multiply and an add
  static constexpr std::size_t forward_flops = 2 * In::size;

  // The identity to start with, as PyTorch's normalisation layers start their affine part.
  template <class Ctx>
  static void initialize(Ctx& ctx) {
    ctx.params.reset();
  }

  template <class Ctx>
  static void forward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    pointwise::template forward<In::size>(ctx.x, ctx.ldx, ctx.y, ctx.ldy, Ctx::batch,
                                          {ctx.params.weight.data(), ctx.params.bias.data()});
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    pointwise::template backward<In::size, /*Accumulate=*/false>(
        ctx.x, ctx.ldx, ctx.y, ctx.dy, ctx.ldy, ctx.dx, ctx.ld_dx, Ctx::batch,
        {ctx.params.weight.data(), ctx.params.bias.data()},
        {ctx.grads.weight.data(), ctx.grads.bias.data()});
  }
};

}  // namespace nerve
