// nerve/optim/detail/lanes.hpp: the write-then-update path of an element-wise optimizer.
//
// An optimizer writes its step once, as a callable over "a value of the array":
//   step(V& param, const V& grad, V& state...)   with V = xsimd::batch<T> or V = T,
// wrapped with the step's parameter and state arrays in a kernels::apply_update sink. The fused
// path hands that sink to a backward kernel, which calls it with each gradient register as it is
// produced; the write-then-update path below calls it with the gradient read back from memory,
// over full batches and a scalar tail (expr::for_each_lane, the library's one such loop). Both
// run the same formula on the same register width.
#pragma once

#include <cstddef>  // std::size_t

#include "nerve/config.hpp"      // NERVE_INLINE
#include "nerve/eval/lanes.hpp"  // nerve::expr::for_each_lane, load_lanes

namespace nerve::detail {

// sink(i, grads[i..]) over the N elements of grads.
template <std::size_t N, class T, class Sink>
NERVE_INLINE void update_from_gradients(const Sink& sink, const T* grads) noexcept {
  expr::for_each_lane<N, T>([&](std::size_t i, auto tag) {
    using V = typename decltype(tag)::type;
    sink(i, expr::load_lanes<V>(grads + i));
  });
}

}  // namespace nerve::detail
