// examples/user_layers/prelu.hpp: a layer written in a user's own file, outside nerve: PReLU as
// PyTorch's nn.PReLU(num_parameters = features) computes it, y = x for x > 0 and a * x elsewhere, with a
// learned slope a per feature (starting at 0.25). Nothing in nerve names it; the backward pass,
// for x and for a, is derived from the expression by nerve::per_feature.
#pragma once

#include <nerve/nerve.hpp>
#include <nerve/layers/per_feature.hpp>  // nerve::per_feature: the derived backward of y = F(x, a)

#include <string>
#include <tuple>

namespace user {

struct PReLU : nerve::layer {
  // x where x > 0, else a * x: the slope a is parameter 0. Written with select, the derivative at
  // 0 is a, as PyTorch's (x > 0 ? dy : a * dy).
  static constexpr auto function = nerve::expr::select(nerve::expr::x, nerve::expr::x,
                                                       nerve::expr::param<0> * nerve::expr::x);
  using pointwise = nerve::per_feature<function, 1>;

  template <nerve::AnyShape In>
  using output_shape = In;

  static std::string name() { return "PReLU"; }

  template <class T, nerve::AnyShape In>
  struct parameters {
    nerve::Tensor<T, In> weight;  // the slopes, named as in PyTorch's state_dict

    auto arrays() noexcept { return std::tie(weight); }
    auto arrays() const noexcept { return std::tie(weight); }
    template <class F>
    void for_each(F&& f) { f("weight", weight); }
    template <class F>
    void for_each(F&& f) const { f("weight", weight); }
  };

  template <class Ctx>
  static void initialize(Ctx& ctx) {
    ctx.params.weight.fill(0.25);  // PyTorch's init
  }

  template <class Ctx>
  static void forward(Ctx& ctx) {
    pointwise::forward<Ctx::in_shape::size>(ctx.x, ctx.ldx, ctx.y, ctx.ldy, Ctx::batch,
                                            {ctx.params.weight.data()});
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    pointwise::backward<Ctx::in_shape::size, /*Accumulate=*/false>(
        ctx.x, ctx.ldx, ctx.y, ctx.dy, ctx.ldy, ctx.dx, ctx.ld_dx, Ctx::batch,
        {ctx.params.weight.data()}, {ctx.grads.weight.data()});
  }
};

}  // namespace user
