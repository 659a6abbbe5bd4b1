// expect: this layer has no static backward(ctx)
// A contraction (a product over its input, with an epilogue) that forgot its backward pass: the
// network says so at the boundary instead of failing deep inside its own code.
#include <nerve/nerve.hpp>
using namespace nerve;

struct SumAll : layer {
  static constexpr fusion_role role = fusion_role::contraction;
  template <AnyShape In>
  using output_shape = Shape<1>;
  static std::string name() { return "SumAll"; }
  template <class Ctx>
  static void forward(Ctx& ctx) {
    for (std::size_t i = 0; i < Ctx::batch; ++i) {
      typename Ctx::value_type s = 0;
      for (std::size_t j = 0; j < Ctx::in_shape::size; ++j) s += ctx.x[i * ctx.ldx + j];
      if (ctx.z) ctx.z[i * ctx.ldy] = s;
      ctx.y[i * ctx.ldy] = ctx.epilogue(s);
    }
  }
#ifdef NERVE_FIXED
  template <class Ctx>
  static void backward(Ctx& ctx) {
    if (ctx.dx == nullptr) return;
    for (std::size_t i = 0; i < Ctx::batch; ++i) {
      const auto dz = ctx.prologue(ctx.dy[i * ctx.ldy], ctx.y[i * ctx.ldy], ctx.z[i * ctx.ldy]);
      for (std::size_t j = 0; j < Ctx::in_shape::size; ++j) ctx.dx[i * ctx.ld_dx + j] = dz;
    }
  }
#endif
};

using Net = Network<Input<8>, SumAll, Tanh>;
static_assert(Net::output_shape == Shape<1>{});
