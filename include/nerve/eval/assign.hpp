// nerve/eval/assign.hpp: evaluating tensor expressions: assign(dst, e) in one pass of SIMD
// batches with a scalar tail; evaluate(e) into a new tensor; sum(e) as one reduction.
//
// The loop asks each leaf for the values at a flat index: a tensor loads them, a contraction
// computes them (a dot product per output), so element-wise work around a contraction happens in
// registers. This is the general path; networks use the packed kernels of kernels/.
#pragma once

#include <cstddef>  // std::size_t
#include <type_traits>

#include "nerve/config.hpp"            // NERVE_INLINE; xsimd
#include "nerve/eval/evaluate.hpp"     // nerve::expr::evaluate
#include "nerve/eval/lanes.hpp"        // nerve::expr::for_each_lane, lane_sum, store_lanes
#include "nerve/expr/build.hpp"        // builders
#include "nerve/expr/tensor_expr.hpp"  // leaves, shape_of_t
#include "nerve/tensor/tensor.hpp"     // nerve::Tensor

namespace nerve::expr {

namespace detail {

template <class T, std::size_t K>
NERVE_INLINE T dot(const T* a, const T* b) {
  using V = xsimd::batch<T>;
  constexpr std::size_t W = V::size;
  std::size_t k = 0;
  T total = 0;
  if constexpr (K >= W) {
    V acc(T(0));
    for (; k + W <= K; k += W) acc = xsimd::fma(V::load_unaligned(a + k), V::load_unaligned(b + k), acc);
    total = xsimd_compat::reduce_add(acc);
  }
  for (; k < K; ++k) total += a[k] * b[k];
  return total;
}

// Fills a batch lane by lane from f(flat index).
template <class V, class F>
NERVE_INLINE V gather(std::size_t i, F f) {
  if constexpr (std::is_floating_point_v<V>) {
    return f(i);
  } else {
    alignas(64) math::scalar_of_t<V> lanes[V::size];
    for (std::size_t l = 0; l < V::size; ++l) lanes[l] = f(i + l);
    return V::load_aligned(lanes);
  }
}

}  // namespace detail

// The context of a tensor expression: the flat index being computed.
struct index_context {
  std::size_t i;

  template <class V, class Leaf>
  NERVE_INLINE V symbol(Leaf) const {
    static_assert(!sizeof(Leaf),
                  "a symbol (x, a variable, a parameter or an output) appears in a tensor "
                  "expression; symbols are for function expressions (Activation<f>, "
                  "function_context, symbol_context)");
    return V{};
  }

  template <class V, class T, AnyShape S>
  NERVE_INLINE V load(const TensorLeaf<T, S>& leaf) const {
    if constexpr (std::is_floating_point_v<V>) return leaf.data[i];
    else return V::load_unaligned(leaf.data + i);
  }

  template <class V, class T, std::size_t M, std::size_t K>
  NERVE_INLINE V load(const MatVec<T, M, K>& mv) const {
    return detail::gather<V>(i, [&](std::size_t r) { return detail::dot<T, K>(mv.w + r * K, mv.x); });
  }

  template <class V, class T, std::size_t M, std::size_t K, std::size_t N>
  NERVE_INLINE V load(const MatMul<T, M, K, N>& mm) const {
    const std::size_t r = i / N, c = i % N;
    if constexpr (!std::is_floating_point_v<V>) {
      if (c + V::size <= N) {  // the lanes stay in one row: broadcast A, stream B's row
        V acc(T(0));
        for (std::size_t k = 0; k < K; ++k) {
          acc = xsimd::fma(V(mm.a[r * K + k]), V::load_unaligned(mm.b + k * N + c), acc);
        }
        return acc;
      }
    }
    return detail::gather<V>(i, [&](std::size_t j) {
      const std::size_t rr = j / N, cc = j % N;
      T total = 0;
      for (std::size_t k = 0; k < K; ++k) total += mm.a[rr * K + k] * mm.b[k * N + cc];
      return total;
    });
  }

  template <class V, class T, std::size_t M, std::size_t N>
  NERVE_INLINE V load(const Outer<T, M, N>& o) const {
    const std::size_t r = i / N, c = i % N;
    if constexpr (!std::is_floating_point_v<V>) {
      if (c + V::size <= N) return V(o.a[r]) * V::load_unaligned(o.b + c);
    }
    return detail::gather<V>(i, [&](std::size_t j) { return o.a[j / N] * o.b[j % N]; });
  }
};

// dst = e, element by element; e's shape must be dst's.
template <class T, AnyShape S, class P, Expr E>
void assign(Tensor<T, S, P>& dst, const E& e) {
  static_assert(std::is_same_v<shape_of_t<E>, S>,
                "assign(dst, e): the expression's shape differs from the destination's");
  T* out = dst.data();
  for_each_lane<S::size, T>([&](std::size_t i, auto lane) {
    using V = typename decltype(lane)::type;
    store_lanes(out + i, evaluate<V>(e, index_context{i}));
  });
}

// A new tensor holding e.
template <Expr E>
auto evaluate(const E& e) {
  using S = shape_of_t<E>;
  static_assert(!std::is_void_v<S>, "evaluate(e) needs an expression of tensors");
  using T = typename value_type_of<E>::type;
  Tensor<T, S> out;
  assign(out, e);
  return out;
}

// The sum of every element of e, in one pass.
template <Expr E>
auto sum(const E& e) {
  using S = shape_of_t<E>;
  static_assert(!std::is_void_v<S>, "sum(e) needs an expression of tensors");
  using T = typename value_type_of<E>::type;
  return lane_sum<S::size, T>([&](std::size_t i, auto lane) {
    using V = typename decltype(lane)::type;
    return evaluate<V>(e, index_context{i});
  });
}

}  // namespace nerve::expr
