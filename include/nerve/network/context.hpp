// nerve/network/context.hpp: what the network hands a layer when it calls forward(ctx),
// backward(ctx) or initialize(ctx). One context type per call site, built by network/execute.hpp;
// a layer reads what it needs and ignores the rest.
//
// Rows: a batch of B samples is B rows, each row the sample's elements in row-major order, rows
// ld apart (ld >= the sample size, padded to 64 bytes). Rows of an incoming gradient (dy) are zero
// past the sample size, and the network zeroes them again after each backward call, so a layer
// writes only its own elements.
#pragma once

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint64_t
#include <tuple>    // std::tuple, std::apply
#include <utility>  // std::declval

#include "nerve/init/random.hpp"   // nerve::Random, nerve::Seed
#include "nerve/kernels/epilogue.hpp"  // nerve::kernels::CopyPlanes
#include "nerve/kernels/gradient_sink.hpp"  // nerve::kernels::write_gradient
#include "nerve/layers/layer.hpp"  // nerve::mode
#include "nerve/shape/shape.hpp"   // nerve::AnyShape

namespace nerve {

// Where a layer's random numbers come from: the network's seed, the layer's index and the
// training step. Each call of random() starts the same stream again.
struct random_source {
  Seed seed{};
  std::uint64_t layer = 0;
  std::uint64_t step = 0;
  Random random() const noexcept { return Random(seed, layer, step); }
};

// forward(ctx): y = layer(x) for B rows.
//   Epilogue (contractions only): the element-wise function fused after the layer, applied to each
//   output while it is in registers: y = epilogue(product); z, when not null, keeps the product.
//   Planes (layers that declare plane_output): what becomes of each output plane
//   (kernels/epilogue.hpp): copied into y (kernels::CopyPlanes), or, at inference, reduced into y
//   by the pooling layer after this one, which the network then skips: y's rows hold its output.
template <class T, std::size_t B, AnyShape In, AnyShape Out, class Params, class State,
          class Epilogue, class Planes = kernels::CopyPlanes>
struct forward_context {
  using value_type = T;
  using in_shape = In;
  using out_shape = Out;
  using parameters_type = Params;
  static constexpr std::size_t batch = B;

  const T* x;              // B rows of In::size, ldx apart
  std::size_t ldx;
  T* y;                    // B rows of Out::size, ldy apart
  std::size_t ldy;
  T* z;                    // contraction: the pre-activation to keep for backward, or null
  const Params& params;
  State& state;            // non-trainable arrays; const at inference
  T* kept;                 // workspace.kept elements when this pass will be differentiated
                           // (training, or input_gradient at inference), else null: fill it
                           // whenever it is not null, whatever the mode
  T* scratch;              // workspace.scratch elements, for this call only
  T* carry;                // workspace.carried elements (null when none were asked for): the
                           // state at the end of this pass is written there
  bool resume;             // start from the state in carry (true) or from zero (false)
  nerve::mode mode;
  random_source source;
  [[no_unique_address]] Epilogue epilogue;
  [[no_unique_address]] Planes planes{};

  bool training() const noexcept { return mode == nerve::mode::training; }
  Random random() const noexcept { return source.random(); }
};

// The gradient sinks that write each trainable array's gradient into grads, in arrays() order.
template <class T, class Params>
auto write_sinks(Params& grads) noexcept {
  return std::apply([](auto&... a) { return std::tuple{kernels::write_gradient<T>{a.data()}...}; },
                    grads.arrays());
}
template <class T, class Params>
using write_sinks_t = decltype(write_sinks<T>(std::declval<Params&>()));

// Does layer L hand its parameter gradients to ctx.sinks (static constexpr bool gradient_sinks =
// true)? Such a layer may be given sinks that apply the optimizer's update in place instead of
// writing a gradient; the others always write into ctx.grads.
template <class L>
inline constexpr bool uses_gradient_sinks = [] {
  if constexpr (requires { L::gradient_sinks; }) return bool(L::gradient_sinks);
  else return false;
}();

// backward(ctx): from dy = dL/dy, write dx = dL/dx (when dx is not null) and the parameter
// gradients (written, not added: a step has no zeroing pass).
//   Prologue (contractions only): dz = prologue(dy, y, z), the derivative of the fused
//   element-wise function, applied where dy is read.
//   Sinks: a tuple of gradient sinks (kernels/gradient_sink.hpp), one per array of
//   params.arrays(), in that order. A layer that declares gradient_sinks = true hands its
//   gradients to them, sink(offset, value), instead of writing ctx.grads; they may write the
//   gradient (into ctx.grads) or update the parameters in place (Sink::in_place), so such a layer
//   finishes everything that reads its parameters (dx) before the first call of an in-place
//   sink. Other layers ignore the sinks and write ctx.grads.
template <class T, std::size_t B, AnyShape In, AnyShape Out, class Params, class State,
          class Prologue, class Sinks = write_sinks_t<T, Params>>
struct backward_context {
  using value_type = T;
  using in_shape = In;
  using out_shape = Out;
  using parameters_type = Params;
  static constexpr std::size_t batch = B;

  const T* x;              // the forward input rows
  std::size_t ldx;
  const T* y;              // the forward output rows
  const T* dy;             // dL/dy, rows ldy apart (as y)
  std::size_t ldy;
  const T* z;              // contraction: the kept pre-activation (y when none was kept)
  T* dx;                   // dL/dx, rows ld_dx apart; null for the first layer (nobody reads it)
  std::size_t ld_dx;
  const Params& params;
  Params& grads;
  State& state;
  const T* kept;           // what forward kept
  T* scratch;
  nerve::mode mode;
  random_source source;
  [[no_unique_address]] Prologue prologue;
  Sinks sinks;

  bool training() const noexcept { return mode == nerve::mode::training; }
};

// initialize(ctx): draw the parameters and set the state.
template <class T, AnyShape In, AnyShape Out, class Params, class State>
struct init_context {
  using value_type = T;
  using in_shape = In;
  using out_shape = Out;
  Params& params;
  State& state;
  Random& rng;
  bool before_rectifier;   // the next layer is a rectifier (He initialisation suits it)
  Random& random() noexcept { return rng; }
};

}  // namespace nerve
