// nerve/expr/ops/math.hpp: the scalar and SIMD primitives every op is built from, one spelling
// for both: an op is written once over V, which is T (the scalar tail) or xsimd::batch<T>.
#pragma once

#include <cmath>
#include <type_traits>

#include "nerve/config.hpp"  // NERVE_INLINE; xsimd

namespace nerve::math {

template <class V>
struct scalar_of {
  using type = V;
};
template <class T, class A>
struct scalar_of<xsimd::batch<T, A>> {
  using type = T;
};
template <class V>
using scalar_of_t = typename scalar_of<V>::type;

template <class V>
inline constexpr bool is_scalar = std::is_floating_point_v<V>;

template <class V>
NERVE_INLINE V splat(double c) {
  return V(static_cast<scalar_of_t<V>>(c));
}

template <class V>
NERVE_INLINE V exp(V a) {
  if constexpr (is_scalar<V>) return std::exp(a);
  else return xsimd::exp(a);
}
template <class V>
NERVE_INLINE V log(V a) {
  if constexpr (is_scalar<V>) return std::log(a);
  else return xsimd::log(a);
}
template <class V>
NERVE_INLINE V tanh(V a) {
  if constexpr (is_scalar<V>) return std::tanh(a);
  else return xsimd::tanh(a);
}
template <class V>
NERVE_INLINE V sqrt(V a) {
  if constexpr (is_scalar<V>) return std::sqrt(a);
  else return xsimd::sqrt(a);
}
template <class V>
NERVE_INLINE V abs(V a) {
  if constexpr (is_scalar<V>) return std::abs(a);
  else return xsimd::abs(a);
}
template <class V>
NERVE_INLINE V max(V a, V b) {
  if constexpr (is_scalar<V>) return a > b ? a : b;
  else return xsimd::max(a, b);
}
template <class V>
NERVE_INLINE V min(V a, V b) {
  if constexpr (is_scalar<V>) return a < b ? a : b;
  else return xsimd::min(a, b);
}
// 1 where a > 0, else 0: the derivative of max(a, 0).
template <class V>
NERVE_INLINE V step(V a) {
  if constexpr (is_scalar<V>) return a > V(0) ? V(1) : V(0);
  else return xsimd::select(a > V(0), V(1), V(0));
}
// -1, 0 or 1: the derivative of |a|.
template <class V>
NERVE_INLINE V sign(V a) {
  if constexpr (is_scalar<V>) return a > V(0) ? V(1) : (a < V(0) ? V(-1) : V(0));
  else return xsimd::select(a > V(0), V(1), xsimd::select(a < V(0), V(-1), V(0)));
}
// 1 / (1 + exp(-a)), written so that large |a| neither overflows nor loses the small side.
template <class V>
NERVE_INLINE V sigmoid(V a) {
  if constexpr (is_scalar<V>) {
    if (a >= V(0)) return V(1) / (V(1) + std::exp(-a));
    const V e = std::exp(a);
    return e / (V(1) + e);
  } else {
    const V e = xsimd::exp(-xsimd::abs(a));  // in (0, 1]: never overflows
    const V r = V(1) / (V(1) + e);
    return xsimd::select(a >= V(0), r, e * r);
  }
}

}  // namespace nerve::math
