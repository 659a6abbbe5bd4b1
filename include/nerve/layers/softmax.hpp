// nerve/layers/softmax.hpp: Softmax, exp(x_i - max x) / sum_j exp(x_j - max x) over a vector.
// Before CrossEntropy it is fused into the loss (gradient p - onehot, loss/cross_entropy.hpp);
// anywhere else it is a pass of its own with the Jacobian-vector product as backward.
#pragma once

#include <cstddef>  // std::size_t
#include <string>

#include "nerve/config.hpp"  // xsimd (included there, with g++'s false warnings silenced)

#include "nerve/expr/ops/math.hpp"         // nerve::math::exp
#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false

namespace nerve {

namespace detail {

// y = softmax(x) over n values; x and y may be the same memory.
template <std::size_t N, class T>
void softmax_row(const T* x, T* y) {
  using V = xsimd::batch<T>;
  constexpr std::size_t W = V::size;
  constexpr std::size_t vec_end = N - N % W;
  T peak = x[0];
  for (std::size_t i = 1; i < N; ++i) peak = x[i] > peak ? x[i] : peak;
  T total = 0;
  if constexpr (vec_end > 0) {
    V sum(T(0));
    const V p(peak);
    for (std::size_t i = 0; i < vec_end; i += W) {
      const V e = xsimd::exp(V::load_unaligned(x + i) - p);
      e.store_unaligned(y + i);
      sum += e;
    }
    total = xsimd::hadd(sum);
  }
  for (std::size_t i = vec_end; i < N; ++i) {
    y[i] = math::exp(x[i] - peak);
    total += y[i];
  }
  const T inv = T(1) / total;
  for (std::size_t i = 0; i < N; ++i) y[i] *= inv;
}

}  // namespace detail

struct Softmax : layer {
  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "Softmax normalises a rank-1 input (a vector of scores): insert Flatten (and "
                  "usually Dense<classes>) before this Softmax");
  };

  template <AnyShape In>
  using output_shape = In;

  static std::string name() { return "Softmax"; }

  // Y[i] = softmax(X[i]) for B rows of In::size values; rows ld apart.
  template <std::size_t B, class T, AnyShape In>
  static void forward(const T* X, std::size_t ldx, T* Y, std::size_t ldy) {
    for (std::size_t i = 0; i < B; ++i) detail::softmax_row<In::size>(X + i * ldx, Y + i * ldy);
  }

  // dX = y * (dY - <dY, y>), the softmax Jacobian (diag(y) - y y^T) applied to dY.
  template <std::size_t B, class T, AnyShape In>
  static void backward(const T* Y, const T* dY, std::size_t ld, T* dX, std::size_t ld_dx) {
    for (std::size_t i = 0; i < B; ++i) {
      const T* y = Y + i * ld;
      const T* dy = dY + i * ld;
      T inner = 0;
      for (std::size_t j = 0; j < In::size; ++j) inner += dy[j] * y[j];
      for (std::size_t j = 0; j < In::size; ++j) dX[i * ld_dx + j] = y[j] * (dy[j] - inner);
    }
  }
};

}  // namespace nerve
