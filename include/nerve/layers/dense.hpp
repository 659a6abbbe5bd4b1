// nerve/layers/dense.hpp: Dense<units>, a fully connected layer: y = W x + b.
//
// Its weights are stored packed for the kernels: K rows of Mp = padded(units) columns,
// weight(k, m) = W[m][k], columns m >= units zero (kernels/layout.hpp). The element-wise layers
// after it are its epilogue: forward computes f(W x + b) with f applied while the outputs are
// still in registers, and backward computes dz = dy * f'(.) in the prologue of dW, db and dx.
#pragma once

#include <cstddef>  // std::size_t
#include <string>
#include <tuple>  // std::tie
#include <type_traits>

#include "nerve/init/initializer.hpp"      // nerve::Auto, Glorot, He
#include "nerve/init/random.hpp"           // nerve::Random
#include "nerve/kernels/dense_backward.hpp"  // nerve::kernels::dense_backward
#include "nerve/kernels/gemm.hpp"            // nerve::kernels::dense_forward_batch
#include "nerve/kernels/gemv.hpp"            // nerve::kernels::dense_forward
#include "nerve/kernels/layout.hpp"        // nerve::kernels::padded
#include "nerve/layers/layer.hpp"          // nerve::layer
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
  struct parameters {
    static constexpr std::size_t inputs = In::size;
    static constexpr std::size_t outputs = units;
    static constexpr std::size_t padded_outputs = kernels::padded<units, T>;

    Tensor<T, Shape<inputs, padded_outputs>> weight;  // packed: weight(k, m) = W[m][k]
    Tensor<T, Shape<has_bias ? padded_outputs : 0>> bias;

    // W[m][k] in the usual (outputs x inputs) orientation.
    T& w(std::size_t m, std::size_t k) noexcept { return weight(k, m); }
    const T& w(std::size_t m, std::size_t k) const noexcept { return weight(k, m); }
    T& b(std::size_t m) noexcept { return bias(m); }
    const T& b(std::size_t m) const noexcept { return bias(m); }

    // The trainable arrays as a tuple of references, in the order of for_each.
    auto arrays() noexcept {
      if constexpr (has_bias) return std::tie(weight, bias);
      else return std::tie(weight);
    }
    auto arrays() const noexcept {
      if constexpr (has_bias) return std::tie(weight, bias);
      else return std::tie(weight);
    }

    // f(name, tensor) for each trainable array, in a fixed order (checkpoints rely on it).
    template <class F>
    void for_each(F&& f) {
      f("weight", weight);
      if constexpr (has_bias) f("bias", bias);
    }
    template <class F>
    void for_each(F&& f) const {
      f("weight", weight);
      if constexpr (has_bias) f("bias", bias);
    }
  };

  // Draws W with the initialiser (Auto: He before a rectifier, else Glorot); b starts at 0.
  template <class T, AnyShape In>
  static void initialize(parameters<T, In>& p, Random& rng, bool before_rectifier) {
    using Draw = std::conditional_t<std::is_same_v<Init, Auto>, void, Init>;
    for (std::size_t m = 0; m < units; ++m) {
      for (std::size_t k = 0; k < In::size; ++k) {
        double v;
        if constexpr (std::is_void_v<Draw>) {
          v = before_rectifier ? He::draw(rng, In::size, units) : Glorot::draw(rng, In::size, units);
        } else {
          v = Draw::draw(rng, In::size, units);
        }
        p.w(m, k) = static_cast<T>(v);
      }
    }
  }

  // Y[i] = epilogue(W X[i] + b) for B samples; Z keeps W X + b when not null.
  template <std::size_t B, class T, AnyShape In, class Epilogue>
  static void forward(const parameters<T, In>& p, const T* X, std::size_t ldx, T* Z, T* Y,
                      Epilogue epilogue) {
    const T* b = has_bias ? p.bias.data() : nullptr;
    if constexpr (B == 1) {
      kernels::dense_forward<units, In::size, T>(X, p.weight.data(), b, Z, Y, epilogue);
    } else {
      kernels::dense_forward_batch<B, units, In::size, T>(X, ldx, p.weight.data(), b, Z, Y,
                                                           epilogue);
    }
  }

  // dZ = prologue(dY, Y, Z); grads = (dZ^T X, sum dZ), written, not added; dX = dZ W when dX is
  // not null.
  template <std::size_t B, class T, AnyShape In, class Prologue>
  static void backward(const parameters<T, In>& p, parameters<T, In>& grads, const T* X,
                       std::size_t ldx, const T* dY, const T* Y, const T* Z, Prologue prologue,
                       T* dZ, T* dX, std::size_t ld_dx) {
    kernels::dense_backward<B, units, In::size, T, xsimd::default_arch, /*Accumulate=*/false>(
        X, ldx, p.weight.data(), dY, Y, Z, prologue, dZ, grads.weight.data(),
        has_bias ? grads.bias.data() : nullptr, dX, ld_dx);
  }
};

}  // namespace nerve
