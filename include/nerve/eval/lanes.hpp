// nerve/eval/lanes.hpp: the one loop over N elements that every element-wise pass uses: full
// SIMD batches, then a scalar tail, with the body written once over V (T or xsimd::batch<T>).
#pragma once

#include <cstddef>      // std::size_t
#include <type_traits>  // std::type_identity

#include "nerve/config.hpp"         // NERVE_INLINE; xsimd
#include "nerve/expr/ops/math.hpp"  // nerve::math::is_scalar

namespace nerve::expr {

// f(i, std::type_identity<xsimd::batch<T>>{}) for every full batch starting at i, then
// f(i, std::type_identity<T>{}) for each element of the tail. In the body:
// using V = typename decltype(tag)::type.
template <std::size_t N, class T, class F>
NERVE_INLINE void for_each_lane(F&& f) {
  using B = xsimd::batch<T>;
  constexpr std::size_t W = B::size;
  std::size_t i = 0;
  if constexpr (N >= W) {
    for (; i + W <= N; i += W) f(i, std::type_identity<B>{});
  }
  if constexpr (N % W != 0) {  // a tail only where there is one (g++ warns otherwise)
    for (; i < N; ++i) f(i, std::type_identity<T>{});
  }
}

// V's worth of elements from p (unaligned), and back.
template <class V, class T>
NERVE_INLINE V load_lanes(const T* p) {
  if constexpr (math::is_scalar<V>) return *p;
  else return V::load_unaligned(p);
}
template <class V, class T>
NERVE_INLINE void store_lanes(T* p, V v) {
  if constexpr (math::is_scalar<V>) *p = v;
  else v.store_unaligned(p);
}

// The sum over i < N of f(i, tag), with f written once over V as for for_each_lane: the full
// batches add into one register (one horizontal add at the end), the tail into a scalar.
template <std::size_t N, class T, class F>
NERVE_INLINE T lane_sum(F&& f) {
  xsimd::batch<T> acc(T(0));
  T tail = 0;
  for_each_lane<N, T>([&](std::size_t i, auto tag) {
    using V = typename decltype(tag)::type;
    if constexpr (math::is_scalar<V>) tail += f(i, tag);
    else acc += f(i, tag);
  });
  return xsimd_compat::reduce_add(acc) + tail;
}

}  // namespace nerve::expr
