// tests/unit/kernels_dense_cases.hpp: the dense kernels' test cases (gemv.hpp, gemm.hpp,
// dense_backward.hpp) against the scalar reference, for float and double, on sizes below, at and
// above the SIMD width and not multiples of it, on the default architecture and on the narrower
// ones this CPU also runs (their tiles and tails differ). The kernels_dense_*.cpp files run them,
// split so that no one translation unit needs gigabytes to compile (under the sanitizers above all).
//
// Tolerance: a computed sum s of n terms t_j (plus a start value s0) may differ from the exact sum
// by (n + 8) * eps * (|s0| + sum_j |t_j|): the classic bound for any summation order, with 8 more
// ulps for the epilogue/prologue (xsimd's vector tanh against std::tanh, FMA contraction).
// The reference sums in long double, so its own error is negligible.
#pragma once

#include <catch2/catch.hpp>

#include <nerve/kernels/dense_backward.hpp>    // dense_backward
#include <nerve/kernels/gemm.hpp>              // dense_forward_batch
#include <nerve/kernels/gemv.hpp>              // dense_forward
#include <nerve/kernels/layout.hpp>            // padded, lanes
#include <nerve/kernels/reference/dense.hpp>   // reference::*

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>

namespace {

using namespace nerve::kernels;

// A zero-filled, 64-byte aligned array.
template <class T>
struct Buffer {
  struct Free {
    void operator()(T* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::unique_ptr<T[], Free> data;
  std::size_t size;
  explicit Buffer(std::size_t n)
      : data(static_cast<T*>(::operator new[]((n + 16) * sizeof(T), std::align_val_t{64}))),
        size(n) {
    for (std::size_t i = 0; i < n + 16; ++i) data[i] = T(0);
  }
  Buffer(const Buffer& o) : Buffer(o.size) {
    for (std::size_t i = 0; i < size + 16; ++i) data[i] = o.data[i];
  }
  T* get() const { return data.get(); }
  T& operator[](std::size_t i) const { return data[i]; }
};

template <class T>
void fill_uniform(T* p, std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<T> d(T(-1), T(1));
  for (std::size_t i = 0; i < n; ++i) p[i] = d(rng);
}

template <class T>
constexpr T eps = std::numeric_limits<T>::epsilon();
template <class T>
constexpr T nan = std::numeric_limits<T>::quiet_NaN();

template <class T>
bool close(T got, T want, std::size_t n, double magnitude, double propagated = 0) {
  const double tol = double(n + 8) * double(eps<T>) * magnitude + propagated;
  return std::abs(double(got) - double(want)) <= tol;
}

struct Relu {
  template <class V>
  V operator()(V z) const {
    return xsimd::max(z, V(0));
  }
};
struct Tanh {
  template <class V>
  V operator()(V z) const {
    return xsimd::tanh(z);
  }
};
// tanh' from the output: the prologue reads y.
struct TanhGrad {
  template <class V>
  V operator()(V dy, V y, V) const {
    return dy * (V(1) - y * y);
  }
};
// relu' from the pre-activation: the prologue reads z.
struct ReluGrad {
  template <class V>
  V operator()(V dy, V, V z) const {
    if constexpr (std::is_arithmetic_v<V>)
      return z > V(0) ? dy : V(0);
    else
      return xsimd::select(z > V(0), dy, V(0));
  }
};

template <class T, std::size_t B_, std::size_t M_, std::size_t K_>
struct Case {
  using type = T;
  static constexpr std::size_t B = B_, M = M_, K = K_;
};

// The narrower architectures this build can also run: each has its own tiles and tails.
#if XSIMD_WITH_AVX512F
using NarrowerArchs = std::tuple<xsimd::fma3<xsimd::avx2>, xsimd::sse2>;
#elif XSIMD_WITH_FMA3_AVX2
using NarrowerArchs = std::tuple<xsimd::sse2>;
#else
using NarrowerArchs = std::tuple<xsimd::default_arch>;  // none narrower: Catch needs a non-empty list
#endif

// Input X in two forms: the raw dataset row (ldx = K, not aligned) and a padded activation with
// NaN in its padding (which a kernel must never read).
template <class T, std::size_t B, std::size_t K>
struct Input {
  std::size_t ldx;
  Buffer<T> storage;
  T* x;
  Input(bool padded_rows, std::mt19937& rng)
      : ldx(padded_rows ? padded<K, T> : K), storage(B * (padded_rows ? padded<K, T> : K) + 1),
        x(storage.get() + (padded_rows ? 0 : 1)) {
    for (std::size_t i = 0; i < B; ++i) {
      fill_uniform(x + i * ldx, K, rng);
      for (std::size_t k = K; k < ldx; ++k) x[i * ldx + k] = nan<T>;
    }
  }
};

template <class T, std::size_t M, std::size_t K>
struct Weights {
  static constexpr std::size_t Mp = padded<M, T>;
  Buffer<T> wt{K * Mp}, b{Mp};
  explicit Weights(std::mt19937& rng) {
    for (std::size_t k = 0; k < K; ++k) fill_uniform(wt.get() + k * Mp, M, rng);
    fill_uniform(b.get(), M, rng);
  }
};

// The checks take run-time sizes and are templated on T only: compiled twice, not once per shape.
struct Dims {
  std::size_t B, M, K, Mp, ldx;
};

// Counts the mismatches of one output array and remembers the first, so a failure prints one
// readable line (which element, got, want) and a pass costs one assertion, not one per element.
struct Mismatches {
  explicit Mismatches(const char* name) : what(name) {}
  const char* what;
  std::size_t count = 0;
  std::string first;
  template <class T>
  void expect(bool ok, std::size_t row, std::size_t col, T got, T want) {
    if (ok) return;
    if (count++ == 0) {
      std::ostringstream s;
      s << what << "[" << row << "][" << col << "] = " << got << ", expected " << want;
      first = s.str();
    }
  }
  void check() const {
    INFO(what << ": " << count << " wrong, first " << first);
    CHECK(count == 0);
  }
};

// Y (and Z) of a batch against the reference computed from the same inputs.
template <class T, class Epilogue>
void check_forward(const Dims& d, const T* x, const T* wt, const T* b, const T* z, const T* y,
                   const T* z_ref, const T* y_ref, Epilogue f) {
  Mismatches zs("Z"), ys("Y");
  for (std::size_t i = 0; i < d.B; ++i)
    for (std::size_t m = 0; m < d.Mp; ++m) {
      double magnitude = b ? std::abs(double(b[m])) : 0.0;
      for (std::size_t k = 0; k < d.K; ++k)
        magnitude += std::abs(double(x[i * d.ldx + k]) * double(wt[k * d.Mp + m]));
      const std::size_t o = i * d.Mp + m;
      if (m >= d.M) {
        // Padded columns: computed from zeros exactly.
        if (z) zs.expect(z[o] == T(0), i, m, z[o], T(0));
        ys.expect(y[o] == f(T(0)), i, m, y[o], f(T(0)));
        continue;
      }
      if (z) zs.expect(close(z[o], z_ref[o], d.K, magnitude), i, m, z[o], z_ref[o]);
      ys.expect(close(y[o], y_ref[o], d.K, magnitude + 1.0), i, m, y[o], y_ref[o]);
    }
  zs.check();
  ys.check();
}

template <class Arch, class T, std::size_t B, std::size_t M, std::size_t K, class Epilogue>
void run_forward(std::mt19937& rng, Epilogue f) {
  constexpr std::size_t Mp = padded<M, T>;
  const Weights<T, M, K> w(rng);
  for (bool padded_rows : {false, true})
    for (bool bias : {false, true})
      for (bool with_z : {false, true}) {
        INFO("ldx " << (padded_rows ? "padded" : "K, unaligned") << ", bias " << bias << ", z "
                    << with_z << ", arch " << Arch::name());
        const Input<T, B, K> in(padded_rows, rng);
        const T* b = bias ? w.b.get() : nullptr;
        Buffer<T> z(B * Mp), y(B * Mp), z_ref(B * Mp), y_ref(B * Mp);
        reference::dense_forward_batch<B, M, K>(in.x, in.ldx, w.wt.get(), b, z_ref.get(),
                                                y_ref.get(), f);
        const Dims d{B, M, K, Mp, in.ldx};
        for (std::size_t i = 0; i < B * Mp; ++i) z[i] = y[i] = nan<T>;  // all must be written
        dense_forward_batch<B, M, K, T, Arch>(in.x, in.ldx, w.wt.get(), b,
                                              with_z ? z.get() : nullptr, y.get(), f);
        check_forward(d, in.x, w.wt.get(), b, with_z ? z.get() : nullptr, y.get(), z_ref.get(),
                      y_ref.get(), f);
        if constexpr (B == 1) {
          for (std::size_t i = 0; i < Mp; ++i) z[i] = y[i] = nan<T>;
          dense_forward<M, K, T, Arch>(in.x, w.wt.get(), b, with_z ? z.get() : nullptr, y.get(),
                                       f);
          check_forward(d, in.x, w.wt.get(), b, with_z ? z.get() : nullptr, y.get(), z_ref.get(),
                        y_ref.get(), f);
        }
      }
}

// What dense_backward produced, next to what the reference produced from the same inputs.
template <class T>
struct BackwardResult {
  const T *x, *wt, *dy;
  const T *dz, *dz_ref, *dwt, *dwt_ref, *db, *db_ref, *dx, *dx_ref;
  std::size_t ld_dx;
  T sentinel;
};

template <class T>
void check_backward(const Dims& d, const BackwardResult<T>& r) {
  const std::size_t Mp = d.Mp;
  Mismatches dzs("dZ"), dbs("db"), dwts("dWt"), dxs("dX");
  for (std::size_t i = 0; i < d.B; ++i)
    for (std::size_t m = 0; m < Mp; ++m) {
      const std::size_t o = i * Mp + m;
      if (m >= d.M)
        dzs.expect(r.dz[o] == T(0), i, m, r.dz[o], T(0));
      else
        dzs.expect(close(r.dz[o], r.dz_ref[o], 0, std::abs(double(r.dy[o])) + 1.0), i, m, r.dz[o],
                   r.dz_ref[o]);
    }
  for (std::size_t m = 0; r.db && m < Mp; ++m) {
    if (m >= d.M) {
      dbs.expect(r.db[m] == T(0), 0, m, r.db[m], T(0));
      continue;
    }
    // db and dWt are sums over the kernel's own dZ, which may differ from the reference's dZ
    // by what the dZ check allows (1 - y*y near |y| = 1 loses digits, and the vector prologue
    // rounds differently from the scalar one); that difference is carried into their bound.
    double magnitude = std::abs(double(r.db_ref[m]));
    double propagated = 0;
    for (std::size_t i = 0; i < d.B; ++i) {
      magnitude += std::abs(double(r.dz_ref[i * Mp + m]));
      propagated += std::abs(double(r.dz[i * Mp + m]) - double(r.dz_ref[i * Mp + m]));
    }
    dbs.expect(close(r.db[m], r.db_ref[m], d.B, magnitude, propagated), 0, m, r.db[m], r.db_ref[m]);
  }
  for (std::size_t k = 0; k < d.K; ++k)
    for (std::size_t m = 0; m < Mp; ++m) {
      const std::size_t o = k * Mp + m;
      if (m >= d.M) {
        dwts.expect(r.dwt[o] == T(0), k, m, r.dwt[o], T(0));
        continue;
      }
      double magnitude = std::abs(double(r.dwt_ref[o]));
      double propagated = 0;
      for (std::size_t i = 0; i < d.B; ++i) {
        const double x = std::abs(double(r.x[i * d.ldx + k]));
        magnitude += x * std::abs(double(r.dz_ref[i * Mp + m]));
        propagated += x * std::abs(double(r.dz[i * Mp + m]) - double(r.dz_ref[i * Mp + m]));
      }
      dwts.expect(close(r.dwt[o], r.dwt_ref[o], d.B, magnitude, propagated), k, m, r.dwt[o],
                  r.dwt_ref[o]);
    }
  for (std::size_t i = 0; i < d.B; ++i)
    for (std::size_t k = 0; k < r.ld_dx; ++k) {
      const std::size_t o = i * r.ld_dx + k;
      if (!r.dx_ref || k >= d.K) {  // not asked for, or past K: untouched
        dxs.expect(r.dx[o] == r.sentinel, i, k, r.dx[o], r.sentinel);
        continue;
      }
      double magnitude = 0, propagated = 0;
      for (std::size_t m = 0; m < d.M; ++m) {
        const double w = std::abs(double(r.wt[k * Mp + m]));
        magnitude += std::abs(double(r.dz_ref[i * Mp + m])) * w;
        propagated += std::abs(double(r.dz[i * Mp + m]) - double(r.dz_ref[i * Mp + m])) * w;
      }
      dxs.expect(close(r.dx[o], r.dx_ref[o], d.M, magnitude, propagated), i, k, r.dx[o],
                 r.dx_ref[o]);
    }
  dzs.check();
  dbs.check();
  dwts.check();
  dxs.check();
}

template <class Arch, class T, std::size_t B, std::size_t M, std::size_t K, class Prologue>
void run_backward(std::mt19937& rng, Prologue p) {
  constexpr std::size_t Mp = padded<M, T>;
  constexpr std::size_t Kp = padded<K, T>;
  const Weights<T, M, K> w(rng);
  for (bool accumulate : {true, false})
  for (bool padded_rows : {false, true})
    for (bool with_bias : {false, true})
      for (bool with_z : {false, true})
        for (bool with_dx : {false, true}) {
          INFO("ldx " << (padded_rows ? "padded" : "K, unaligned") << ", db " << with_bias
                      << ", Z " << with_z << ", dX " << with_dx << ", arch " << Arch::name()
                      << ", accumulate " << accumulate
                      << ", dX by rows " << (input_gradient_transposes<B, M, K, T, Arch>));
          const Input<T, B, K> in(padded_rows, rng);
          Buffer<T> dy(B * Mp), y(B * Mp), z(B * Mp);
          for (std::size_t i = 0; i < B; ++i) {
            fill_uniform(dy.get() + i * Mp, M, rng);
            fill_uniform(y.get() + i * Mp, M, rng);
            fill_uniform(z.get() + i * Mp, M, rng);
            for (std::size_t m = M; m < Mp; ++m)  // the contract: padding of dY, Y, Z is ignored
              dy[i * Mp + m] = y[i * Mp + m] = z[i * Mp + m] = nan<T>;
          }
          // Gradients accumulate onto what is there: start from values, padded columns zero.
          Buffer<T> dwt(K * Mp), db(Mp);
          for (std::size_t k = 0; k < K; ++k) fill_uniform(dwt.get() + k * Mp, M, rng);
          fill_uniform(db.get(), M, rng);
          Buffer<T> dwt_ref = dwt, db_ref = db;
          // Overwrite writes the gradient over what was there; adding the old values back
          // afterwards lets the same accumulate-shaped reference and error bound judge it.
          const Buffer<T> dwt_start = dwt, db_start = db;
          Buffer<T> dz(B * Mp), dz_ref(B * Mp), dx(B * Kp), dx_ref(B * Kp);
          for (std::size_t i = 0; i < B * Mp; ++i) dz[i] = nan<T>;
          const T sentinel = T(12345);
          for (std::size_t i = 0; i < B * Kp; ++i) dx[i] = sentinel;

          // Scratch for the transposed weights, read where input_gradient_transposes picks the
          // outer-product form of dX for this shape.
          Buffer<T> wr(transposed_weights<M, K, T>);
          if (accumulate) {
            dense_backward<B, M, K, T, Arch>(in.x, in.ldx, w.wt.get(), dy.get(), y.get(),
                                             with_z ? z.get() : nullptr, p, dz.get(), dwt.get(),
                                             with_bias ? db.get() : nullptr,
                                             with_dx ? dx.get() : nullptr, Kp, wr.get());
          } else {
            dense_backward<B, M, K, T, Arch, false>(
                in.x, in.ldx, w.wt.get(), dy.get(), y.get(), with_z ? z.get() : nullptr, p,
                dz.get(), dwt.get(), with_bias ? db.get() : nullptr, with_dx ? dx.get() : nullptr,
                Kp, wr.get());
            for (std::size_t i = 0; i < K * Mp; ++i) dwt[i] += dwt_start[i];
            if (with_bias)
              for (std::size_t i = 0; i < Mp; ++i) db[i] += db_start[i];
          }
          reference::dense_backward<B, M, K>(in.x, in.ldx, w.wt.get(), dy.get(), y.get(),
                                             with_z ? z.get() : nullptr, p, dz_ref.get(),
                                             dwt_ref.get(), with_bias ? db_ref.get() : nullptr,
                                             with_dx ? dx_ref.get() : nullptr, Kp);
          const BackwardResult<T> r{in.x,
                                    w.wt.get(),
                                    dy.get(),
                                    dz.get(),
                                    dz_ref.get(),
                                    dwt.get(),
                                    dwt_ref.get(),
                                    with_bias ? db.get() : nullptr,
                                    db_ref.get(),
                                    dx.get(),
                                    with_dx ? dx_ref.get() : nullptr,
                                    Kp,
                                    sentinel};
          check_backward(Dims{B, M, K, Mp, in.ldx}, r);
        }
}

template <class C, class Arch>
void run_case() {
  using T = typename C::type;
  std::mt19937 rng(static_cast<unsigned>(C::B * 10007 + C::M * 101 + C::K));
  // Alternate the activation so both vector math paths see every shape class.
  if constexpr ((C::M + C::K) % 2 == 0) {
    run_forward<Arch, T, C::B, C::M, C::K>(rng, Relu{});
    run_backward<Arch, T, C::B, C::M, C::K>(rng, ReluGrad{});
  } else {
    run_forward<Arch, T, C::B, C::M, C::K>(rng, Tanh{});
    run_backward<Arch, T, C::B, C::M, C::K>(rng, TanhGrad{});
  }
}

template <class T, std::size_t B>
using Crossed = std::tuple<Case<T, B, 1, 1>, Case<T, B, 1, 7>, Case<T, B, 1, 16>, Case<T, B, 1, 33>,
                           Case<T, B, 7, 1>, Case<T, B, 7, 7>, Case<T, B, 7, 16>, Case<T, B, 7, 33>,
                           Case<T, B, 16, 1>, Case<T, B, 16, 7>, Case<T, B, 16, 16>,
                           Case<T, B, 16, 33>, Case<T, B, 33, 1>, Case<T, B, 33, 7>,
                           Case<T, B, 33, 16>, Case<T, B, 33, 33>>;

template <class... Tuples>
using Concat = decltype(std::tuple_cat(std::declval<Tuples>()...));

template <class T>
using SmallBatches = Concat<Crossed<T, 1>, Crossed<T, 3>>;
template <class T>
using LargeBatches = Concat<Crossed<T, 32>,
                            std::tuple<Case<T, 1, 128, 784>, Case<T, 32, 128, 784>, Case<T, 1, 10, 128>,
                                       Case<T, 3, 10, 128>, Case<T, 32, 10, 128>>>;

// On the narrower architectures, a few shapes that reach every tail (columns, rows, K).
template <class T>
using FewShapes = std::tuple<Case<T, 1, 7, 33>, Case<T, 3, 33, 7>, Case<T, 32, 16, 16>,
                             Case<T, 3, 10, 128>, Case<T, 1, 33, 1>>;

}  // namespace
