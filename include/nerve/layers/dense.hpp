// nerve/layers/dense.hpp: Dense<units>, a fully connected layer: y = W x + b.
//
// On a sequence, a (steps, features) input, it applies the same W and b at every step, as
// PyTorch's Linear does on the last dimension: (steps, units) out. The kernels then see
// batch * steps rows; where the network's rows do not have that layout (a sample's row padded
// past steps * features, or units not a whole number of cache lines) the rows are repacked in
// scratch around the kernel call.
//
// Its weights are stored packed for the kernels: K rows of Mp = padded(units) columns,
// weight(k, m) = W[m][k], columns m >= units zero (kernels/layout.hpp). The element-wise layers
// after it are its epilogue: forward computes f(W x + b) with f applied while the outputs are
// still in registers, and backward computes dz = dy * f'(.) in the prologue of dW, db and dx.
#pragma once

#include <algorithm>  // std::copy_n, std::fill
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
#include "nerve/layers/torch_array.hpp"    // nerve::torch_transposed_view_of
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
  // Wrong kinds of arguments are reported by rejects_parameters (layer.hpp); WithBias and Auto
  // stand in for them.
  static constexpr bool bias_policy = std::is_same_v<Bias, WithBias> || std::is_same_v<Bias, NoBias>;
  static constexpr bool well_typed = bias_policy && is_initializer<Init>;

  static constexpr fusion_role role = fusion_role::contraction;
  static constexpr std::size_t units = Units > 0 ? static_cast<std::size_t>(Units) : 0;
  static constexpr bool has_bias = !std::is_same_v<Bias, NoBias>;
  using initializer = std::conditional_t<is_initializer<Init>, Init, Auto>;

  static constexpr bool valid_parameters = well_typed && Units > 0;
  template <class At>
  struct rejects_parameters {
    static_assert(bias_policy || meta::dependent_false<At>,
                  "the second argument of Dense is WithBias (the default) or NoBias");
    static_assert(!bias_policy || is_initializer<Init> || meta::dependent_false<At>,
                  "the third argument of Dense is its initialiser: Auto (the default), Glorot, He, "
                  "HeNormal or TorchDefault");
    static_assert(Units > 0 || meta::dependent_false<At>,
                  "Dense<units> needs at least 1 unit: a zero or negative number of units makes "
                  "an empty layer");
  };

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1 || In::rank == 2;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "Dense takes a vector, or a sequence of vectors (steps, features) that it "
                  "applies to at every step: insert Flatten before this Dense");
  };

  // Steps of a sequence input (1 for a vector) and the features of each step.
  template <AnyShape In>
  static constexpr std::size_t steps = In::rank == 2 ? In::dims[0] : 1;
  template <AnyShape In>
  static constexpr std::size_t features = In::size / steps<In>;

  template <AnyShape In>
  using output_shape = std::conditional_t<In::rank == 2, Shape<steps<In>, units>, Shape<units>>;

  template <AnyShape In>
  static constexpr std::size_t parameter_count = features<In> * units + (has_bias ? units : 0);

  static std::string name() {
    std::string out = "Dense<" + std::to_string(Units);
    if constexpr (!has_bias) out += ", NoBias";
    if constexpr (!std::is_same_v<initializer, Auto>) out += std::string(", ") + initializer::name;
    return out + ">";
  }

  // Parameters depend on the features only: a sequence net and its one-step twin (step()) share them.
  template <class T, std::size_t K>
  struct parameters_of : weight_and_bias_arrays<T, Shape<K, kernels::padded<units, T>>,
                                                Shape<kernels::padded<units, T>>, has_bias> {
    static constexpr std::size_t inputs = K;
    static constexpr std::size_t outputs = units;
    static constexpr std::size_t padded_outputs = kernels::padded<units, T>;
    // weight is packed: weight(k, m) = W[m][k]; bias has padded_outputs values.

    // W[m][k] in the usual (outputs x inputs) orientation.
    T& w(std::size_t m, std::size_t k) noexcept { return this->weight(k, m); }
    const T& w(std::size_t m, std::size_t k) const noexcept { return this->weight(k, m); }
    T& b(std::size_t m) noexcept { return this->bias(m); }
    const T& b(std::size_t m) const noexcept { return this->bias(m); }

    // PyTorch's Linear.weight (units, inputs) and bias (units), read through the packing.
    template <class F>
    void for_each_torch(F&& f) { torch_arrays(*this, f); }
    template <class F>
    void for_each_torch(F&& f) const { torch_arrays(*this, f); }
    template <class Self, class F>
    static void torch_arrays(Self& self, F& f) {
      f(torch_transposed_view_of("weight", self.weight, units, K, padded_outputs));
      if constexpr (has_bias) f(torch_prefix_view_of("bias", self.bias, units));
    }
  };

  template <class T, AnyShape In>
  using parameters = parameters_of<T, features<In>>;

  // How a sequence's rows are laid out for the kernels (vectors: always as they come).
  //   inputs_repacked   a sample's row is padded past steps * features: the kernel needs one
  //                     stride for all batch * steps rows, so X (and dX) go through scratch;
  //   outputs_repacked  units is not a whole number of cache lines: the kernel's output rows
  //                     (padded) go through scratch.
  template <class T, AnyShape In>
  static constexpr bool inputs_repacked =
      In::rank == 2 && kernels::padded<In::size, T> != In::size;
  template <class T, AnyShape In>
  static constexpr bool outputs_repacked = In::rank == 2 && kernels::padded<units, T> != units;

  // Scratch: forward: repacked X, Y and Z; backward: dz, and repacked X, dX, dY, Y and Z.
  template <class T, AnyShape In, std::size_t B>
  static constexpr std::size_t repack_elements =
      (inputs_repacked<T, In> ? kernels::padded<B * In::size, T> : 0) +
      (outputs_repacked<T, In> ? 2 * B * steps<In> * kernels::padded<units, T> : 0);
  // Training also holds the transposed weights where the kernel takes dX in outer-product form
  // (kernels::input_gradient_transposes: many rows, or few units).
  template <class T, AnyShape In, std::size_t B>
  static constexpr std::size_t transposed_elements =
      kernels::input_gradient_transposes<B * steps<In>, units, features<In>, T>
          ? kernels::transposed_weights<units, features<In>, T>
          : 0;
  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{
      .scratch = (M == mode::training ? B * steps<In> * kernels::padded<units, T> +
                                            transposed_elements<T, In, B>
                                      : 0) +
                 repack_elements<T, In, B> * (M == mode::training ? 2 : 1)};

  template <AnyShape In>
  static constexpr std::size_t forward_flops =
      steps<In> * (2 * features<In> * units + (has_bias ? units : 0));
  template <AnyShape In>  // dW = dz x^T and dx = W^T dz, db = sum dz
  static constexpr std::size_t backward_flops =
      steps<In> * (4 * features<In> * units + (has_bias ? units : 0));

  // Draws W with the initialiser (Auto: He before a rectifier, else Glorot); b starts at 0.
  template <class Ctx>
  static void initialize(Ctx& ctx) {
    using T = typename Ctx::value_type;
    constexpr std::size_t K = features<typename Ctx::in_shape>;
    using Draw = std::conditional_t<std::is_same_v<initializer, Auto>, void, initializer>;
    for (std::size_t m = 0; m < units; ++m) {
      for (std::size_t k = 0; k < K; ++k) {
        double v;
        if constexpr (std::is_void_v<Draw>) {
          v = ctx.before_rectifier ? He::draw(ctx.rng, K, units) : Glorot::draw(ctx.rng, K, units);
        } else {
          v = Draw::draw(ctx.rng, K, units);
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
    if constexpr (In::rank == 1 && B == 1) {
      kernels::dense_forward<units, In::size, T>(ctx.x, p.weight.data(), b, ctx.z, ctx.y,
                                                 ctx.epilogue);
    } else if constexpr (In::rank == 1) {
      kernels::dense_forward_batch<B, units, In::size, T>(ctx.x, ctx.ldx, p.weight.data(), b,
                                                          ctx.z, ctx.y, ctx.epilogue);
    } else {
      constexpr std::size_t R = B * steps<In>, K = features<In>;
      step_rows<T, In, B> rows(ctx.scratch);
      const T* X = rows.inputs(ctx.x, ctx.ldx);
      T* Y = outputs_repacked<T, In> ? rows.y : ctx.y;
      T* Z = ctx.z == nullptr ? nullptr : outputs_repacked<T, In> ? rows.z : ctx.z;
      kernels::dense_forward_batch<R, units, K, T>(X, K, p.weight.data(), b, Z, Y, ctx.epilogue);
      rows.unpack_outputs(Y, ctx.y, ctx.ldy);
      if (ctx.z != nullptr) rows.unpack_outputs(Z, ctx.z, ctx.ldy);
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
    if constexpr (In::rank == 1) {
      constexpr std::size_t B = Ctx::batch;
      T* wr = transposed_elements<T, In, B> ? ctx.scratch + B * kernels::padded<units, T> : nullptr;
      kernels::dense_backward_into<B, units, In::size, T>(
          ctx.x, ctx.ldx, ctx.params.weight.data(), ctx.dy, ctx.y, ctx.z, ctx.prologue, ctx.scratch,
          dw, bias_sink, ctx.dx, ctx.ld_dx, wr);
    } else {
      constexpr std::size_t B = Ctx::batch, R = B * steps<In>, K = features<In>;
      T* dZ = ctx.scratch;
      step_rows<T, In, B> rows(ctx.scratch + R * kernels::padded<units, T>);
      step_rows<T, In, B> grads(rows.end);
      const T* X = rows.inputs(ctx.x, ctx.ldx);
      const T* dY = grads.pack_outputs(ctx.dy, ctx.ldy, grads.y);
      const T* Y = rows.pack_outputs(ctx.y, ctx.ldy, rows.y);
      const T* Z = ctx.z == ctx.y ? Y : rows.pack_outputs(ctx.z, ctx.ldy, rows.z);
      T* dX = ctx.dx == nullptr ? nullptr : inputs_repacked<T, In> ? grads.x : ctx.dx;
      T* wr = transposed_elements<T, In, B> ? grads.end : nullptr;
      kernels::dense_backward_into<R, units, K, T>(X, K, ctx.params.weight.data(), dY, Y, Z,
                                                   ctx.prologue, dZ, dw, bias_sink, dX, K, wr);
      if (ctx.dx != nullptr) grads.unpack_inputs(dX, ctx.dx, ctx.ld_dx);
    }
  }

 private:
  // A sequence's batch * steps rows as the kernels take them: inputs one stride K apart, outputs
  // padded<units> apart; a view of the network's rows where they already are, else a copy in
  // scratch (x: the inputs, y and z: two output buffers).
  template <class T, AnyShape In, std::size_t B>
  struct step_rows {
    static constexpr std::size_t S = steps<In>, K = features<In>, N = In::size;
    static constexpr std::size_t Mp = kernels::padded<units, T>;
    T* x;
    T* y;
    T* z;
    T* end;
    explicit step_rows(T* at)
        : x(at),
          y(x + (inputs_repacked<T, In> ? kernels::padded<B * N, T> : 0)),
          z(y + (outputs_repacked<T, In> ? B * S * Mp : 0)),
          end(z + (outputs_repacked<T, In> ? B * S * Mp : 0)) {}

    const T* inputs(const T* from, std::size_t ld) {
      if constexpr (!inputs_repacked<T, In>) {
        return from;
      } else {
        for (std::size_t i = 0; i < B; ++i) std::copy_n(from + i * ld, N, x + i * N);
        return x;
      }
    }
    void unpack_inputs(const T* from, T* to, std::size_t ld) const {
      if constexpr (inputs_repacked<T, In>) {
        for (std::size_t i = 0; i < B; ++i) std::copy_n(from + i * N, N, to + i * ld);
      }
    }
    // Network rows (ld apart, S * units each) to kernel rows (Mp apart, padding zero), or as is.
    const T* pack_outputs(const T* from, std::size_t ld, T* to) const {
      if constexpr (!outputs_repacked<T, In>) {
        return from;
      } else {
        for (std::size_t i = 0; i < B; ++i) {
          for (std::size_t s = 0; s < S; ++s) {
            T* row = to + (i * S + s) * Mp;
            std::copy_n(from + i * ld + s * units, units, row);
            std::fill(row + units, row + Mp, T(0));
          }
        }
        return to;
      }
    }
    void unpack_outputs(const T* from, T* to, std::size_t ld) const {
      if constexpr (outputs_repacked<T, In>) {
        for (std::size_t i = 0; i < B; ++i)
          for (std::size_t s = 0; s < S; ++s)
            std::copy_n(from + (i * S + s) * Mp, units, to + i * ld + s * units);
      }
    }
  };
};

}  // namespace nerve
