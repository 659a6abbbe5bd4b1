// expect: this layer has trainable parameters but no static initialize(ctx) (spelled initialize): its weights would silently stay 0
// A layer with weights whose initialiser is misspelled: without the check its weights stay 0.
#include <nerve/nerve.hpp>
#include <tuple>
using namespace nerve;

struct Scale : layer {
  template <AnyShape In>
  using output_shape = In;
  static std::string name() { return "Scale"; }
  template <class T, AnyShape In>
  struct parameters {
    Tensor<T, In> weight;
    auto arrays() noexcept { return std::tie(weight); }
    auto arrays() const noexcept { return std::tie(weight); }
    template <class F> void for_each(F&& f) { f("weight", weight); }
    template <class F> void for_each(F&& f) const { f("weight", weight); }
  };
#ifndef NERVE_FIXED
  template <class Ctx> static void initialise(Ctx& ctx) { ctx.params.weight.fill(1); }
#else
  template <class Ctx> static void initialize(Ctx& ctx) { ctx.params.weight.fill(1); }
#endif
  template <class Ctx> static void forward(Ctx&) {}
  template <class Ctx> static void backward(Ctx&) {}
};

using Net = Network<Input<8>, Dense<4>, Scale, Dense<2>>;
static_assert(Net::output_shape == Shape<2>{});
