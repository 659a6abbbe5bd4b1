// nerve/kernels/epilogue.hpp: the trivial epilogue and prologue of the dense kernels.
//
// concept Epilogue { template <class V> V operator()(V z) const; }
//   applied to xsimd batches of pre-activations while they are in registers (the fast path) and
//   to scalars of T (the reference kernels), e.g. relu: xsimd::max(z, V(0)).
// concept Prologue { template <class V> V operator()(V dy, V y, V z) const; }
//   dZ = p(dY, Y, Z): the activation's derivative applied to the incoming gradient, e.g. tanh':
//   dy * (V(1) - y * y). z is the pre-activation, or y again when the forward kept no Z.
#pragma once

namespace nerve::kernels {

// y = z: a Dense layer with no activation fused into it.
struct Identity {
  template <class V>
  V operator()(V z) const noexcept {
    return z;
  }
};

// dz = dy: the backward of Identity.
struct PassGradient {
  template <class V>
  V operator()(V dy, V /*y*/, V /*z*/) const noexcept {
    return dy;
  }
};

}  // namespace nerve::kernels
