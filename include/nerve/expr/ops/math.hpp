// nerve/expr/ops/math.hpp: the scalar and SIMD primitives every op is built from, one spelling
// for both: an op is written once over V, which is T (the scalar tail) or xsimd::batch<T>.
// On scalars they are also constexpr (std::exp is not, before C++26): expr/simplify.hpp folds
// exp(Const) into a Const with the same op code that evaluates it at run time.
#pragma once

#include <cmath>
#include <cstdint>  // std::int32_t: the exponent bits of 2^k
#include <limits>  // std::numeric_limits: inf and NaN of the constexpr fallbacks
#include <type_traits>

#include "nerve/config.hpp"  // NERVE_INLINE; xsimd

namespace nerve::math {

// Compile-time versions of the <cmath> functions, in double, used only in constant evaluation.
// Accurate to a few ulp, which is what folding a constant needs; never on a run-time path.
namespace cx {
inline constexpr double ln2 = 0.6931471805599453;
constexpr double exp(double a) {
  if (a != a) return a;
  if (a > 709.8) return std::numeric_limits<double>::infinity();
  if (a < -745.2) return 0.0;
  const long long k = static_cast<long long>(a * 1.4426950408889634 + (a >= 0 ? 0.5 : -0.5));
  const double r = (a - static_cast<double>(k) * 6.93147180369123816490e-01) -
                   static_cast<double>(k) * 1.90821492927058770002e-10;  // |r| <= ln2 / 2
  double term = 1, sum = 1;
  for (int n = 1; n < 24; ++n) sum += (term *= r / n);
  for (long long i = 0; i < k; ++i) sum *= 2;  // exact scaling by 2^k
  for (long long i = 0; i > k; --i) sum *= 0.5;
  return sum;
}
constexpr double log(double a) {
  if (a != a || a < 0) return std::numeric_limits<double>::quiet_NaN();
  if (a == 0) return -std::numeric_limits<double>::infinity();
  if (a == std::numeric_limits<double>::infinity()) return a;
  int e = 0;
  while (a >= 2) a *= 0.5, ++e;
  while (a < 1) a *= 2, --e;
  if (a > 1.4142135623730951) a *= 0.5, ++e;
  const double s = (a - 1) / (a + 1), s2 = s * s;  // log a = 2 atanh(s), |s| < 0.18
  double power = s, sum = 0;
  for (int n = 1; n < 60; n += 2, power *= s2) sum += power / n;
  return e * ln2 + 2 * sum;
}
constexpr double sqrt(double a) {
  if (a != a || a < 0) return std::numeric_limits<double>::quiet_NaN();
  if (a == 0 || a == std::numeric_limits<double>::infinity()) return a;
  double y = a > 1 ? a : 1;
  for (int i = 0; i < 2100; ++i) {  // Newton from above: decreasing until it settles
    const double next = 0.5 * (y + a / y);
    if (next >= y) break;
    y = next;
  }
  return y;
}
constexpr double tanh(double a) {
  if (a != a) return a;
  if (a > 22) return 1;
  if (a < -22) return -1;
  if (a > -1 && a < 1) {  // sinh / cosh by their series: no cancellation near 0
    const double a2 = a * a;
    double ts = a, tc = 1, sinh = a, cosh = 1;
    for (int n = 1; n < 20; ++n) {
      tc *= a2 / ((2 * n - 1) * (2 * n));
      ts *= a2 / ((2 * n) * (2 * n + 1));
      cosh += tc;
      sinh += ts;
    }
    return sinh / cosh;
  }
  const double e = cx::exp(2 * a);
  return (e - 1) / (e + 1);
}
}  // namespace cx

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
NERVE_INLINE constexpr V splat(double c) {
  return V(static_cast<scalar_of_t<V>>(c));
}

namespace detail {
// e^(m x) on float lanes for the gate functions, m x already inside [-87.3, 89]: no subnormal
// to handle; above 88.4, 2^k is 2^128, whose bits are infinity's, and so is the result; NaN
// passes through. Built for a short dependency chain, as a recurrent step waits on it: k =
// round(m x / ln 2) by adding a magic number (its low mantissa bits then hold k + 127, the
// exponent field of 2^k), r = m x - k ln 2 in two parts, e^r by its degree-7 Taylor polynomial
// in Estrin's order (three FMAs deep after r^2; error below 6e-9 on |r| <= ln 2 / 2).
// tests/unit/numerics.cpp bounds the sigmoid and tanh built on it to a relative 2.5e-7 (1.8e-7
// measured).
template <class V>
NERVE_INLINE V exp_in_range(V x, float m) {
  using Bits = xsimd::batch<std::int32_t, typename V::arch_type>;
  const V magic(12582912.0f + 127.0f);  // 1.5 * 2^23: a sum below 2^23 lands on an integer
  const V t = xsimd::fma(x, V(1.44269504088896341f * m), magic);
  const V k = t - magic, mx = x * V(m);
  V r = xsimd::fnma(k, V(0.693359375f), mx);  // ln 2 = 0.693359375 - 2.12194440e-4: the
  r = xsimd::fnma(k, V(-2.12194440e-4f), r);  // first part has few bits, so k * it is exact
  const V r2 = r * r;
  const V c01 = r + V(1.0f), c23 = xsimd::fma(r, V(1.0f / 6), V(0.5f));
  const V c45 = xsimd::fma(r, V(1.0f / 120), V(1.0f / 24));
  const V c67 = xsimd::fma(r, V(1.0f / 5040), V(1.0f / 720));
  const V p = xsimd::fma(r2, xsimd::fma(r2, xsimd::fma(r2, c67, c45), c23), c01);
  return p * xsimd::bitwise_cast<V>(xsimd::bitwise_cast<Bits>(t) << 23);
}

// tanh on float lanes: an odd polynomial below 0.625 (x + x^3 P(x^2), P of degree 4 fitted for
// least relative error on [0, 0.625], 1.3 ulp), 1 - 2 / (e^(2|a|) + 1) above, sign put back.
// When every lane is below 0.625 (an LSTM's cell state mostly is) the polynomial alone answers,
// with no exponential and no division on the step's critical path; otherwise both sides are
// computed and one selected per lane. |a| is clamped at 44, where tanh(a) is 1 in float.
template <class V>
NERVE_INLINE V tanh_float(V a) {
  const V x = xsimd::abs(a), s = x * x, s2 = s * s;
  const V p = xsimd::fma(s2 * s2, V(-5.688756239e-03f),
                         xsimd::fma(s2, xsimd::fma(s, V(2.062454447e-02f), V(-5.373528227e-02f)),
                                    xsimd::fma(s, V(1.333138943e-01f), V(-3.333328068e-01f))));
  const V small = xsimd::fma(p * s, x, x);
  const auto is_small = x < V(0.625f);
  if (xsimd::all(is_small)) return small ^ xsimd::bitofsign(a);  // a cell state, often
  const V e = detail::exp_in_range(xsimd::min(V(44.0f), x), 2.0f);  // NaN stays NaN
  const V large = xsimd::fnma(V(2.0f), V(1.0f) / (e + V(1.0f)), V(1.0f));
  return xsimd::select(is_small, small, large) ^ xsimd::bitofsign(a);
}
}  // namespace detail

template <class V>
NERVE_INLINE constexpr V exp(V a) {
  if constexpr (is_scalar<V>) return std::is_constant_evaluated() ? V(cx::exp(a)) : std::exp(a);
  else return xsimd::exp(a);
}
template <class V>
NERVE_INLINE constexpr V log(V a) {
  if constexpr (is_scalar<V>) return std::is_constant_evaluated() ? V(cx::log(a)) : std::log(a);
  else return xsimd::log(a);
}
template <class V>
NERVE_INLINE constexpr V tanh(V a) {
  if constexpr (is_scalar<V>) return std::is_constant_evaluated() ? V(cx::tanh(a)) : std::tanh(a);
  else if constexpr (std::is_same_v<scalar_of_t<V>, float>) return detail::tanh_float(a);
  else return xsimd::tanh(a);
}
template <class V>
NERVE_INLINE constexpr V sqrt(V a) {
  if constexpr (is_scalar<V>) return std::is_constant_evaluated() ? V(cx::sqrt(a)) : std::sqrt(a);
  else return xsimd::sqrt(a);
}
template <class V>
NERVE_INLINE constexpr V abs(V a) {
  if constexpr (is_scalar<V>) return std::is_constant_evaluated() ? (a < V(0) ? -a : a)
                                                                  : std::abs(a);
  else return xsimd::abs(a);
}
template <class V>
NERVE_INLINE constexpr V max(V a, V b) {
  if constexpr (is_scalar<V>) return a > b ? a : b;
  else return xsimd::max(a, b);
}
template <class V>
NERVE_INLINE constexpr V min(V a, V b) {
  if constexpr (is_scalar<V>) return a < b ? a : b;
  else return xsimd::min(a, b);
}
// 1 where a > 0, else 0: the derivative of max(a, 0).
template <class V>
NERVE_INLINE constexpr V step(V a) {
  if constexpr (is_scalar<V>) return a > V(0) ? V(1) : V(0);
  else return xsimd::select(a > V(0), V(1), V(0));
}
// -1, 0 or 1: the derivative of |a|.
template <class V>
NERVE_INLINE constexpr V sign(V a) {
  if constexpr (is_scalar<V>) return a > V(0) ? V(1) : (a < V(0) ? V(-1) : V(0));
  else return xsimd::select(a > V(0), V(1), xsimd::select(a < V(0), V(-1), V(0)));
}
// a where c > 0, else b, lane by lane; both are already computed, neither leaks into the other.
template <class V>
NERVE_INLINE constexpr V select(V c, V a, V b) {
  if constexpr (is_scalar<V>) return c > V(0) ? a : b;
  else return xsimd::select(c > V(0), a, b);
}

// 1 / (1 + exp(-a)), written so that large |a| neither overflows nor loses the small side.
// Float lanes clamp a where the result has saturated anyway and take exp_in_range: a recurrent
// cell calls this three times per unit on the step's critical path.
template <class V>
NERVE_INLINE constexpr V sigmoid(V a) {
  if constexpr (is_scalar<V>) {
    if (a >= V(0)) return V(1) / (V(1) + math::exp(-a));
    const V e = math::exp(a);
    return e / (V(1) + e);
  } else if constexpr (std::is_same_v<scalar_of_t<V>, float>) {
    // max(lo, a) and min(hi, .) return their second operand, a, when it is NaN. Below -88.4
    // the exponential is 2^128, infinity, and the result 0, as in IEEE arithmetic.
    const V clamped = xsimd::min(V(87.3f), xsimd::max(V(-89.0f), a));
    return V(1) / (V(1) + detail::exp_in_range(clamped, -1.0f));
  } else {
    const V e = xsimd::exp(-xsimd::abs(a));  // in (0, 1]: never overflows
    const V r = V(1) / (V(1) + e);
    return xsimd::select(a >= V(0), r, e * r);
  }
}

}  // namespace nerve::math
