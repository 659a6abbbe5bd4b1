// nerve/optim/detail/lanes.hpp: one element-wise kernel, run over SIMD batches and a scalar tail.
//
// An optimizer writes its update once, as a generic callable over "a value of the array":
//   kernel(V& param, const V& grad, V& moment, ...)   with V = xsimd::batch<T> or V = T.
// for_each_lane calls it with batches over the largest multiple of the batch width and with
// plain T over the remaining elements, so the vector body and the tail run the same formula.
#pragma once

#include <cmath>        // std::sqrt
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uintptr_t
#include <tuple>        // std::tuple, std::apply
#include <type_traits>  // std::remove_const_t, std::is_const_v, std::is_base_of_v
#include <utility>      // std::index_sequence

#include "nerve/config.hpp"  // xsimd (included there, with g++'s false warnings silenced)

#include "nerve/config.hpp"  // NERVE_INLINE

namespace nerve::detail {

template <class T>
using lane_batch = xsimd::batch<T>;

// sqrt of a lane. For AVX-512 it avoids xsimd::sqrt's _mm512_sqrt_ps, whose inlined
// _mm512_undefined_ps trips a false -Wmaybe-uninitialized in g++ 12.2 (GCC PR 105593); the
// zero-masked form with every lane selected is the same instruction without that warning.
template <class T, class A>
NERVE_INLINE xsimd::batch<T, A> lane_sqrt(const xsimd::batch<T, A>& x) noexcept {
  if constexpr (std::is_base_of_v<xsimd::avx512f, A> && std::is_same_v<T, float>)
    return _mm512_maskz_sqrt_ps(0xFFFF, x);
  else if constexpr (std::is_base_of_v<xsimd::avx512f, A> && std::is_same_v<T, double>)
    return _mm512_maskz_sqrt_pd(0xFF, x);
  else
    return xsimd::sqrt(x);
}
template <class T>
NERVE_INLINE T lane_sqrt(T x) noexcept {
  return std::sqrt(x);
}

// True when every pointer sits on the boundary that aligned batch loads need.
template <class T, class... P>
NERVE_INLINE bool lanes_aligned(P*... ptrs) noexcept {
  constexpr std::uintptr_t bytes = sizeof(lane_batch<T>);
  return ((reinterpret_cast<std::uintptr_t>(ptrs) % bytes == 0) && ...);
}

template <bool Aligned, class T, class P>
NERVE_INLINE lane_batch<T> lane_load(P* p) noexcept {
  if constexpr (Aligned)
    return lane_batch<T>::load_aligned(p);
  else
    return lane_batch<T>::load_unaligned(p);
}

template <bool Aligned, class T, class Kernel, class... P, std::size_t... I>
NERVE_INLINE void lanes_body(std::size_t n, Kernel& kernel, std::index_sequence<I...>,
                             P*... ptrs) noexcept {
  constexpr std::size_t width = lane_batch<T>::size;
  const std::size_t body = n - n % width;
  for (std::size_t i = 0; i < body; i += width) {
    std::tuple<decltype(I, lane_batch<T>{})...> values{lane_load<Aligned, T>(ptrs + i)...};
    std::apply(kernel, values);
    // Write back only the arrays the kernel may change (the non-const pointers).
    (
        [&] {
          if constexpr (!std::is_const_v<P>) {
            if constexpr (Aligned)
              std::get<I>(values).store_aligned(ptrs + i);
            else
              std::get<I>(values).store_unaligned(ptrs + i);
          }
        }(),
        ...);
  }
  for (std::size_t i = body; i < n; ++i) kernel(ptrs[i]...);
}

// Runs kernel over n elements of the arrays ptrs (all of element type T; const T* for inputs).
// Aligned arrays (the norm: nerve allocates on 64-byte boundaries) take aligned loads; others
// still work, through unaligned loads, rather than fault.
template <class T, class Kernel, class... P>
NERVE_INLINE void for_each_lane(std::size_t n, Kernel&& kernel, P*... ptrs) noexcept {
  static_assert((std::is_same_v<std::remove_const_t<P>, T> && ...),
                "for_each_lane: every array must hold the element type T");
  if (lanes_aligned<T>(ptrs...))
    lanes_body<true, T>(n, kernel, std::index_sequence_for<P...>{}, ptrs...);
  else
    lanes_body<false, T>(n, kernel, std::index_sequence_for<P...>{}, ptrs...);
}

}  // namespace nerve::detail
