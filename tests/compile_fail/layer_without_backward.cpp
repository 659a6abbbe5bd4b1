// expect: this layer has no static backward(ctx): a layer with role contraction or general must give dL/dx (and its parameter gradients) from dL/dy, or it cannot be trained
// A general layer with a forward pass but no backward pass.
#include <nerve/nerve.hpp>
using namespace nerve;

struct Halve : layer {
  template <AnyShape In>
  using output_shape = In;
  static std::string name() { return "Halve"; }
  template <class Ctx>
  static void forward(Ctx& ctx) {
    for (std::size_t i = 0; i < Ctx::batch; ++i)
      for (std::size_t j = 0; j < Ctx::in_shape::size; ++j)
        ctx.y[i * ctx.ldy + j] = ctx.x[i * ctx.ldx + j] / 2;
  }
#ifdef NERVE_FIXED
  template <class Ctx>
  static void backward(Ctx& ctx) {
    if (ctx.dx == nullptr) return;
    for (std::size_t i = 0; i < Ctx::batch; ++i)
      for (std::size_t j = 0; j < Ctx::in_shape::size; ++j)
        ctx.dx[i * ctx.ld_dx + j] = ctx.dy[i * ctx.ldy + j] / 2;
  }
#endif
};

using Net = Network<Input<8>, Dense<4>, Halve, Dense<2>>;
static_assert(Net::output_shape == Shape<2>{});
