// expect: this layer has trainable parameters but its role (elementwise or reshape) is never called with them, so they would never train
// An element-wise layer that declares weights: the network evaluates its expression, so the
// weights would be counted by summary() and never trained.
#include <nerve/nerve.hpp>
#include <tuple>
using namespace nerve;
using nerve::expr::x;

#ifndef NERVE_FIXED
struct ScaledTanh : activation_layer {
  static constexpr auto function = expr::tanh(x);
  static std::string name() { return "ScaledTanh"; }
  template <class T, AnyShape In>
  struct parameters {
    Tensor<T, In> scale;
    auto arrays() noexcept { return std::tie(scale); }
    auto arrays() const noexcept { return std::tie(scale); }
    template <class F> void for_each(F&& f) { f("scale", scale); }
    template <class F> void for_each(F&& f) const { f("scale", scale); }
  };
  template <class Ctx> static void initialize(Ctx& ctx) { ctx.params.scale.fill(1); }
};
using Net = Network<Input<8>, Dense<4>, ScaledTanh, Dense<2>>;
#else
using Net = Network<Input<8>, Dense<4>, Tanh, Affine, Dense<2>>;
#endif
static_assert(Net::output_shape == Shape<2>{});
