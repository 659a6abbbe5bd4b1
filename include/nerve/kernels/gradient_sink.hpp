// nerve/kernels/gradient_sink.hpp: where a backward kernel puts a parameter gradient.
//
// A kernel that computes the gradient of a parameter array hands each piece of it, while it is in
// a register, to a sink: sink(o, g) with o the element offset in the array and g a register of
// gradients (xsimd::batch) or one scalar. The sink decides what happens to it:
//   write_gradient     grad[o..] = g                        (the gradient array, written)
//   add_gradient       grad[o..] += g                       (accumulated over several calls)
//   apply_update       p[o..] = update(p, g, state...)      (the optimizer's element-wise step on
//                                                            the parameters, in place: no gradient
//                                                            array at all)
// A sink that is in_place changes the parameters the kernel may still be reading: the kernel must
// finish everything that reads them (the input gradient) before its first call.
#pragma once

#include <array>
#include <cstddef>      // std::size_t
#include <type_traits>  // std::is_floating_point_v

#include "nerve/config.hpp"  // NERVE_INLINE; xsimd

namespace nerve::kernels {

namespace detail {
// V's worth of elements at p, and back: registers unaligned (as fast as aligned on aligned data,
// and correct on any), scalars directly.
template <class V, class T>
NERVE_INLINE V sink_load(const T* p) noexcept {
  if constexpr (std::is_floating_point_v<V>) return *p;
  else return V::load_unaligned(p);
}
template <class V, class T>
NERVE_INLINE void sink_store(T* p, const V& v) noexcept {
  if constexpr (std::is_floating_point_v<V>) *p = v;
  else v.store_unaligned(p);
}
}  // namespace detail

// grad[o..] = g.
template <class T>
struct write_gradient {
  static constexpr bool in_place = false;
  T* grad = nullptr;
  bool enabled() const noexcept { return grad != nullptr; }
  template <class V>
  NERVE_INLINE void operator()(std::size_t o, const V& g) const noexcept {
    detail::sink_store(grad + o, g);
  }
};

// grad[o..] += g.
template <class T>
struct add_gradient {
  static constexpr bool in_place = false;
  T* grad = nullptr;
  bool enabled() const noexcept { return grad != nullptr; }
  template <class V>
  NERVE_INLINE void operator()(std::size_t o, const V& g) const noexcept {
    detail::sink_store(grad + o, detail::sink_load<V>(grad + o) + g);
  }
};

// p[o..] = update(p, g, s_1, ..., s_S) in place, with s_j the optimizer's state arrays at the same
// offsets: Update is the optimizer's element-wise step (optim/), a callable over values of type V
// (param and state by reference, changed in place; the gradient by const reference). The same
// object runs the write-then-update path, over a gradient array read back from memory, so both
// paths share one formula.
template <class T, class Update, std::size_t S>
struct apply_update {
  static constexpr bool in_place = true;
  T* param = nullptr;
  std::array<T*, S> state{};
  Update update{};
  bool enabled() const noexcept { return param != nullptr; }
  // Written out per state count, without a lambda: this runs inside the register tiles of the
  // backward kernels, and anything g++ declines to inline there spills the whole tile.
  template <class V>
  NERVE_INLINE void operator()(std::size_t o, const V& g) const noexcept {
    static_assert(S <= 2, "apply_update: at most two state arrays (extend here for more)");
    V p = detail::sink_load<V>(param + o);
    if constexpr (S == 0) {
      update(p, g);
    } else if constexpr (S == 1) {
      V s0 = detail::sink_load<V>(state[0] + o);
      update(p, g, s0);
      detail::sink_store(state[0] + o, s0);
    } else {
      V s0 = detail::sink_load<V>(state[0] + o);
      V s1 = detail::sink_load<V>(state[1] + o);
      update(p, g, s0, s1);
      detail::sink_store(state[0] + o, s0);
      detail::sink_store(state[1] + o, s1);
    }
    detail::sink_store(param + o, p);
  }
};

}  // namespace nerve::kernels
