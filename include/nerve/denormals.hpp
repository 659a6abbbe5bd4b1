// nerve/denormals.hpp: FlushDenormals, a scoped guard under which this thread's arithmetic
// flushes denormal results to zero and reads denormal inputs as zero, for real-time inference.
//
// A float below 1.2e-38 (a double below 2.2e-308) is denormal, and on most x86 CPUs an
// operation that reads or makes one goes through a microcode assist, tens to a hundred times
// slower. A network fed a signal that decays (a reverb tail, silence after a note, a recurrent
// state dying out) drifts into that range and its inference slows down by that much, exactly when
// nothing is happening. Under the guard those values are zero, so every operation runs at full
// speed; results differ from IEEE arithmetic only where a value was below the normal range.
//
// x86 (SSE2, which every x86-64 has): the FTZ (bit 15) and DAZ (bit 6) bits of MXCSR, which
// govern SSE, AVX and AVX-512 arithmetic alike. Elsewhere the guard does nothing (supported is
// false). MXCSR belongs to a thread: a guard covers the thread that made it, from its construction
// to its destruction (and threads started meanwhile, which inherit the floating-point
// environment), not threads already running; make one at the top of an audio callback or of a
// worker's loop.
#pragma once

#include "nerve/config.hpp"  // xsimd: XSIMD_WITH_SSE2

#if XSIMD_WITH_SSE2
#include <xmmintrin.h>  // _mm_getcsr, _mm_setcsr
#endif

namespace nerve {

class FlushDenormals {
 public:
  // Does the guard do anything on this target?
  static constexpr bool supported = XSIMD_WITH_SSE2 != 0;
  // MXCSR's flush-to-zero and denormals-are-zero bits.
  static constexpr unsigned flush_to_zero = 0x8000u;
  static constexpr unsigned denormals_are_zero = 0x0040u;
  static constexpr unsigned bits = flush_to_zero | denormals_are_zero;

  FlushDenormals() noexcept {
#if XSIMD_WITH_SSE2
    previous_ = _mm_getcsr();
    _mm_setcsr(previous_ | bits);
#endif
  }
  // Puts back only the two bits as they were: the rest of MXCSR (exception flags raised inside,
  // a rounding mode someone set meanwhile) is left as it is now.
  ~FlushDenormals() {
#if XSIMD_WITH_SSE2
    _mm_setcsr((_mm_getcsr() & ~bits) | (previous_ & bits));
#endif
  }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

  // Are denormals flushed in this thread now (both bits set)? False where not supported.
  static bool active() noexcept {
#if XSIMD_WITH_SSE2
    return (_mm_getcsr() & bits) == bits;
#else
    return false;
#endif
  }

 private:
  unsigned previous_ = 0;
};

}  // namespace nerve
