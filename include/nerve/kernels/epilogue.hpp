// nerve/kernels/epilogue.hpp: the trivial epilogue and prologue of the dense kernels, and the
// trivial plane writer of the convolution.
//
// concept Epilogue { template <class V> V operator()(V z) const; }
//   applied to xsimd batches of pre-activations while they are in registers (the fast path) and
//   to scalars of T (the reference kernels), e.g. relu: xsimd::max(z, V(0)).
// concept Prologue { template <class V> V operator()(V dy, V y, V z) const; }
//   dZ = p(dY, Y, Z): the activation's derivative applied to the incoming gradient, e.g. tanh':
//   dy * (V(1) - y * y). z is the pre-activation, or y again when the forward kept no Z.
// concept PlaneWriter { template <std::size_t RowStride, class T>
//                       void plane(const T* src, std::size_t c, T* y) const; }
//   what a kernel that makes output planes (the convolution) does with channel c's finished plane
//   f(z) of one sample, rows RowStride apart in its scratch: copy it into the sample's output row
//   y (CopyPlanes, the default), or reduce it there (a pooling layer fused after the kernel at
//   inference, network/execute.hpp).
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

// Each plane copied out as it is: the convolution's own output.
struct CopyPlanes {};

}  // namespace nerve::kernels
