// nerve/layers/batch_norm.hpp: BatchNorm<momentum = 0.1, eps = 1e-5>, PyTorch's nn.BatchNorm2d on
// an image (Shape<C, H, W>: statistics per channel over the batch, the height and the width) and
// nn.BatchNorm1d on a vector (Shape<N>: per feature over the batch), with the affine part and
// running statistics (track_running_stats=True, affine=True):
//   xhat = (x - mean) / sqrt(var + eps)     per channel, over the n = B * H * W values of it
//   y    = weight * xhat + bias             weight, bias per channel (1 and 0 at start)
// Training: mean and var are the batch's (var biased, divided by n), and the running statistics
// move towards the batch's, with the UNBIASED variance (divided by n - 1), as PyTorch does:
//   running_mean = (1 - momentum) * running_mean + momentum * mean
//   running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)
// Inference: mean and var are running_mean and running_var (0 and 1 at start).
// Training with one value per channel (n = B * H * W = 1) has no variance: PyTorch raises
// "Expected more than 1 value per channel when training"; here B is a compile-time constant, so a
// training pass with n = 1 does not compile (see forward).
//
// The affine part is per_feature<param<0> * x + param<1>, 2> (layers/per_feature.hpp): the
// expressions of dxhat = dy * weight, dweight = dy * xhat and dbias = dy are derived from it and
// evaluated here. Its loops are not used: they pair parameter j with element j of a row, and an
// image's parameter is shared by a whole plane of H * W values, so this layer evaluates the derived
// expressions with the channel's weight and bias broadcast, and sums dweight and dbias over the
// batch and the plane itself. The normalisation's backward is a reduction and is written here:
//   training:  dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), means over the n
//              values of the channel (the batch statistics depend on x);
//   inference: dx = rstd * dxhat (the running statistics are constants).
// Forward keeps the (mean, rstd) it used per channel (2 * C values, the batch's in training, the
// running ones at inference), and backward recomputes xhat = (x - mean) * rstd from x in registers
// (the same operations as forward, so the same bits): no scratch.
//
// Two traversals of the same arithmetic: a vector (or an image of 1 x 1 planes) is B rows of C
// features, and runs SIMD across the features; an image runs per channel, SIMD along each plane.
#pragma once

#include <array>
#include <cstddef>  // std::size_t
#include <cstdio>   // std::snprintf
#include <string>
#include <tuple>    // std::tie
#include <type_traits>

#include "nerve/config.hpp"                // NERVE_INLINE; xsimd
#include "nerve/eval/evaluate.hpp"         // nerve::expr::evaluate, symbol_context
#include "nerve/eval/lanes.hpp"            // nerve::expr::for_each_lane, load_lanes, store_lanes
#include "nerve/expr/build.hpp"            // operator*, operator+ on expressions
#include "nerve/expr/node.hpp"             // nerve::expr::x, param
#include "nerve/expr/ops/math.hpp"         // nerve::math::is_scalar, sqrt
#include "nerve/layers/layer.hpp"          // nerve::layer, workspace_request, mode
#include "nerve/layers/per_feature.hpp"    // nerve::per_feature, weight_and_bias
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape, AnyShape
#include "nerve/layers/torch_array.hpp"    // nerve::torch_view_of
#include "nerve/tensor/tensor.hpp"         // nerve::Tensor

namespace nerve {

// BatchNorm's state: the running statistics of each channel, named as PyTorch names them.
template <class T, AnyShape S>
struct running_statistics {
  Tensor<T, S> running_mean;
  Tensor<T, S> running_var;
  // Training batches seen, as PyTorch counts them (it reads the count only with momentum=None,
  // but its state_dict has it, and load_state_dict wants it): a PyTorch scalar.
  Tensor<T, Shape<1>> num_batches_tracked;

  void reset() noexcept {
    running_mean.fill(0);
    running_var.fill(1);
    num_batches_tracked.fill(0);
  }
  auto arrays() noexcept { return std::tie(running_mean, running_var); }
  auto arrays() const noexcept { return std::tie(running_mean, running_var); }
  template <class F>
  void for_each(F&& f) {
    f("running_mean", running_mean);
    f("running_var", running_var);
  }
  template <class F>
  void for_each(F&& f) const {
    f("running_mean", running_mean);
    f("running_var", running_var);
  }
  // PyTorch's state_dict entries: the two statistics and the scalar int64 count.
  template <class F>
  void for_each_torch(F&& f) { torch_arrays(*this, f); }
  template <class F>
  void for_each_torch(F&& f) const { torch_arrays(*this, f); }
  template <class Self, class F>
  static void torch_arrays(Self& self, F& f) {
    f(torch_view_of("running_mean", self.running_mean));
    f(torch_view_of("running_var", self.running_var));
    auto count = torch_view_of("num_batches_tracked", self.num_batches_tracked);
    count.rank = 0;
    count.integer = true;
    f(count);
  }
};

namespace detail {

// K sums over lanes: full batches into registers, the tail into scalars (as expr::lane_sum).
template <class T, std::size_t K>
struct lane_sums {
  std::array<xsimd::batch<T>, K> wide;
  std::array<T, K> tail{};

  lane_sums() noexcept { wide.fill(xsimd::batch<T>(T(0))); }
  template <class V>
  NERVE_INLINE void add(std::size_t k, V v) noexcept {
    if constexpr (math::is_scalar<V>) tail[k] += v;
    else wide[k] += v;
  }
  T total(std::size_t k) const noexcept { return xsimd_compat::reduce_add(wide[k]) + tail[k]; }
};

}  // namespace detail

// BatchNorm<> is PyTorch's default (momentum 0.1, eps 1e-5); BatchNorm<0.01> another momentum;
// BatchNorm<0.1, 1e-3> another eps (each a double, a float or an integer).
template <auto Momentum = 0.1, auto Eps = 1e-5>
struct BatchNorm : layer {
  static_assert(std::is_arithmetic_v<decltype(Momentum)> && std::is_arithmetic_v<decltype(Eps)>,
                "BatchNorm<momentum, eps> takes numbers, e.g. BatchNorm<0.1, 1e-5>");
  static constexpr double momentum = static_cast<double>(Momentum);
  static constexpr double eps = static_cast<double>(Eps);

  static constexpr bool valid_momentum = momentum >= 0.0 && momentum <= 1.0;  // false for NaN
  static constexpr bool valid_parameters = valid_momentum && eps > 0.0;
  template <class At>
  struct rejects_parameters {
    static_assert(valid_momentum || meta::dependent_false<At>,
                  "BatchNorm<momentum> needs a momentum in [0, 1], the weight of each batch's "
                  "statistics in the running ones: running = (1 - momentum) * running + momentum "
                  "* batch (PyTorch's default is 0.1)");
    static_assert(!valid_momentum || eps > 0.0 || meta::dependent_false<At>,
                  "BatchNorm<momentum, eps> needs eps > 0: it keeps 1 / sqrt(var + eps) finite "
                  "where a channel's values are all equal");
  };

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1 || In::rank == 3;

  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "BatchNorm normalises a vector (Shape<N>, per feature, as nn.BatchNorm1d) or an "
                  "image (Shape<C, H, W>, per channel, as nn.BatchNorm2d), and this input has "
                  "another rank: insert Flatten before it to normalise each element over the "
                  "batch, or use LayerNorm to normalise within each sample");
  };

  template <AnyShape In>
  using output_shape = In;

  // Channels (an image's first axis, a vector's features) and the values of each in one sample.
  template <AnyShape In>
  static constexpr std::size_t channels = In::rank > 0 ? In::dims[0] : 1;
  template <AnyShape In>
  static constexpr std::size_t plane = In::size / channels<In>;

  // y = weight * xhat + bias, its gradients derived from the expression.
  static constexpr auto function = expr::param<0> * expr::x + expr::param<1>;
  using affine = per_feature<function, 2>;

  static std::string name() {
    char buf[64];
    if constexpr (momentum == 0.1 && eps == 1e-5) {
      return "BatchNorm";
    } else if constexpr (eps == 1e-5) {
      std::snprintf(buf, sizeof buf, "BatchNorm<%g>", momentum);
    } else {
      std::snprintf(buf, sizeof buf, "BatchNorm<%g, %g>", momentum, eps);
    }
    return buf;
  }

  template <class T, AnyShape In>
  using parameters = weight_and_bias<T, Shape<channels<In>>>;  // start at 1 and 0
  template <class T, AnyShape In>
  using state = running_statistics<T, Shape<channels<In>>>;    // start at 0 and 1

  // kept: the (mean, rstd) forward used, per channel: C means, then C values of rstd.
  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{.kept = M == mode::training ? 2 * channels<In> : 0};

  // Per element: the mean (1), the squared deviations (3), the normalisation (2), the affine (2);
  // at inference only the last two are done, but a layer counts one number for both modes.
  template <AnyShape In>
  static constexpr std::size_t forward_flops = 8 * In::size;
  // Per element: xhat again (2), dxhat (1), dweight and dbias (3), the two means (3), dx (4).
  template <AnyShape In>
  static constexpr std::size_t backward_flops = 13 * In::size;

  template <class Ctx>
  static void initialize(Ctx& ctx) {
    ctx.params.reset();
    ctx.state.reset();
  }

  // The derived expressions' symbols: x is xhat, the parameters the channel's weight and bias.
  template <class V>
  NERVE_INLINE static expr::symbol_context<V, 1, 2, 1> affine_context(V xhat, V w, V b, V y, V dy) {
    expr::symbol_context<V, 1, 2, 1> c{};
    c.variables[0] = xhat;
    c.params = {w, b};
    c.outputs[0] = y;
    c.output_grads[0] = dy;
    return c;
  }

  template <class Ctx>
  static void forward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    using State = std::remove_reference_t<decltype(ctx.state)>;
    constexpr std::size_t B = Ctx::batch;
    constexpr std::size_t C = channels<In>;
    constexpr std::size_t P = plane<In>;
    constexpr std::size_t n = B * P;
    // The state is writable only in a pass compiled for training (network/context.hpp; const at
    // inference, also when an inference pass is differentiated for input_gradient), and such a
    // pass always runs in training mode: B, H and W are known here, so this is the place to refuse
    // PyTorch's run-time error at compile time.
    constexpr bool training_pass = !std::is_const_v<State>;
    static_assert(!training_pass || n > 1,
                  "BatchNorm in training needs more than 1 value per channel (batch * height * "
                  "width > 1) to compute a variance, as PyTorch does: train with a batch of 2 or "
                  "more (a batch of 1 is fine at inference, which uses the running statistics)");
    const T* weight = ctx.params.weight.data();
    const T* bias = ctx.params.bias.data();
    const T* running_mean = ctx.state.running_mean.data();
    const T* running_var = ctx.state.running_var.data();
    const T m = static_cast<T>(momentum);
    const T keep = static_cast<T>(1.0 - momentum);
    const T e = static_cast<T>(eps);
    const bool batch_statistics = training_pass && ctx.training();
    if constexpr (training_pass) {
      if (batch_statistics) ctx.state.num_batches_tracked.data()[0] += T(1);
    }

    if constexpr (P == 1) {  // B rows of C features: SIMD across the features
      expr::for_each_lane<C, T>([&](std::size_t j, auto tag) {
        using V = typename decltype(tag)::type;
        V mean, rstd;
        if (batch_statistics) {
          V s(T(0));
          for (std::size_t b = 0; b < B; ++b) s += expr::load_lanes<V>(ctx.x + b * ctx.ldx + j);
          mean = s / V(T(n));
          V q(T(0));
          for (std::size_t b = 0; b < B; ++b) {
            const V d = expr::load_lanes<V>(ctx.x + b * ctx.ldx + j) - mean;
            q += d * d;
          }
          rstd = V(T(1)) / math::sqrt(q / V(T(n)) + V(e));
          if constexpr (training_pass) {
            T* rm = ctx.state.running_mean.data() + j;
            T* rv = ctx.state.running_var.data() + j;
            expr::store_lanes(rm, V(keep) * expr::load_lanes<V>(rm) + V(m) * mean);
            expr::store_lanes(rv, V(keep) * expr::load_lanes<V>(rv) +
                                      V(m) * (q / V(T(n > 1 ? n - 1 : 1))));
          }
        } else {
          mean = expr::load_lanes<V>(running_mean + j);
          rstd = V(T(1)) / math::sqrt(expr::load_lanes<V>(running_var + j) + V(e));
        }
        if (ctx.kept != nullptr) {
          expr::store_lanes(ctx.kept + j, mean);
          expr::store_lanes(ctx.kept + C + j, rstd);
        }
        const V w = expr::load_lanes<V>(weight + j);
        const V bb = expr::load_lanes<V>(bias + j);
        for (std::size_t b = 0; b < B; ++b) {
          const V xhat = (expr::load_lanes<V>(ctx.x + b * ctx.ldx + j) - mean) * rstd;
          expr::store_lanes(ctx.y + b * ctx.ldy + j,
                            expr::evaluate<V>(function, expr::symbol_context<V, 1, 2>{{xhat}, {w, bb}}));
        }
      });
    } else {  // per channel, over B planes of P values: SIMD along the plane
      for (std::size_t c = 0; c < C; ++c) {
        T mean, rstd;
        if (batch_statistics) {
          T s = 0;
          for (std::size_t b = 0; b < B; ++b) {
            const T* x = ctx.x + b * ctx.ldx + c * P;
            s += expr::lane_sum<P, T>([&](std::size_t j, auto tag) {
              using V = typename decltype(tag)::type;
              return expr::load_lanes<V>(x + j);
            });
          }
          mean = s / T(n);
          T q = 0;
          for (std::size_t b = 0; b < B; ++b) {
            const T* x = ctx.x + b * ctx.ldx + c * P;
            q += expr::lane_sum<P, T>([&](std::size_t j, auto tag) {
              using V = typename decltype(tag)::type;
              const V d = expr::load_lanes<V>(x + j) - V(mean);
              return d * d;
            });
          }
          rstd = T(1) / math::sqrt(q / T(n) + e);
          if constexpr (training_pass) {
            T& rm = ctx.state.running_mean.data()[c];
            T& rv = ctx.state.running_var.data()[c];
            rm = keep * rm + m * mean;
            rv = keep * rv + m * (q / T(n - 1));
          }
        } else {
          mean = running_mean[c];
          rstd = T(1) / math::sqrt(running_var[c] + e);
        }
        if (ctx.kept != nullptr) {
          ctx.kept[c] = mean;
          ctx.kept[C + c] = rstd;
        }
        const T w = weight[c];
        const T bb = bias[c];
        for (std::size_t b = 0; b < B; ++b) {
          const T* x = ctx.x + b * ctx.ldx + c * P;
          T* y = ctx.y + b * ctx.ldy + c * P;
          expr::for_each_lane<P, T>([&](std::size_t j, auto tag) {
            using V = typename decltype(tag)::type;
            const V xhat = (expr::load_lanes<V>(x + j) - V(mean)) * V(rstd);
            expr::store_lanes(
                y + j, expr::evaluate<V>(function, expr::symbol_context<V, 1, 2>{{xhat}, {V(w), V(bb)}}));
          });
        }
      }
    }
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    constexpr std::size_t B = Ctx::batch;
    constexpr std::size_t C = channels<In>;
    constexpr std::size_t P = plane<In>;
    constexpr std::size_t n = B * P;
    constexpr auto dxhat_of = affine::input_gradient;
    constexpr auto dweight_of = affine::template parameter_gradient<0>;
    constexpr auto dbias_of = affine::template parameter_gradient<1>;
    const T* means = ctx.kept;
    const T* rstds = ctx.kept + C;
    const T* weight = ctx.params.weight.data();
    const T* bias = ctx.params.bias.data();
    T* dweight = ctx.grads.weight.data();
    T* dbias = ctx.grads.bias.data();
    T* dx = ctx.dx;
    // In training the statistics were the batch's, functions of x: dx goes through them too.
    const bool batch_statistics = ctx.training();

    if constexpr (P == 1) {  // B rows of C features
      expr::for_each_lane<C, T>([&](std::size_t j, auto tag) {
        using V = typename decltype(tag)::type;
        const V mean = expr::load_lanes<V>(means + j);
        const V rstd = expr::load_lanes<V>(rstds + j);
        const V w = expr::load_lanes<V>(weight + j);
        const V bb = expr::load_lanes<V>(bias + j);
        V dw(T(0)), db(T(0)), sum_d(T(0)), sum_dh(T(0));
        for (std::size_t b = 0; b < B; ++b) {
          const V xhat = (expr::load_lanes<V>(ctx.x + b * ctx.ldx + j) - mean) * rstd;
          const auto c = affine_context<V>(xhat, w, bb, expr::load_lanes<V>(ctx.y + b * ctx.ldy + j),
                                           expr::load_lanes<V>(ctx.dy + b * ctx.ldy + j));
          dw += expr::evaluate<V>(dweight_of, c);
          db += expr::evaluate<V>(dbias_of, c);
          if (dx == nullptr) continue;
          const V d = expr::evaluate<V>(dxhat_of, c);
          if (batch_statistics) {
            expr::store_lanes(dx + b * ctx.ld_dx + j, d);  // dxhat, finished below
            sum_d += d;
            sum_dh += d * xhat;
          } else {
            expr::store_lanes(dx + b * ctx.ld_dx + j, d * rstd);
          }
        }
        expr::store_lanes(dweight + j, dw);
        expr::store_lanes(dbias + j, db);
        if (dx == nullptr || !batch_statistics) return;
        const V mean_d = sum_d / V(T(n));
        const V mean_dh = sum_dh / V(T(n));
        for (std::size_t b = 0; b < B; ++b) {
          const V xhat = (expr::load_lanes<V>(ctx.x + b * ctx.ldx + j) - mean) * rstd;
          T* out = dx + b * ctx.ld_dx + j;
          expr::store_lanes(out, rstd * (expr::load_lanes<V>(out) - mean_d - xhat * mean_dh));
        }
      });
    } else {  // per channel, over B planes of P values
      for (std::size_t c = 0; c < C; ++c) {
        const T mean = means[c];
        const T rstd = rstds[c];
        const T w = weight[c];
        const T bb = bias[c];
        // dweight, dbias, sum of dxhat, sum of dxhat * xhat
        detail::lane_sums<T, 4> sums;
        for (std::size_t b = 0; b < B; ++b) {
          const T* x = ctx.x + b * ctx.ldx + c * P;
          const T* y = ctx.y + b * ctx.ldy + c * P;
          const T* dy = ctx.dy + b * ctx.ldy + c * P;
          T* out = dx != nullptr ? dx + b * ctx.ld_dx + c * P : nullptr;
          expr::for_each_lane<P, T>([&](std::size_t j, auto tag) {
            using V = typename decltype(tag)::type;
            const V xhat = (expr::load_lanes<V>(x + j) - V(mean)) * V(rstd);
            const auto s = affine_context<V>(xhat, V(w), V(bb), expr::load_lanes<V>(y + j),
                                             expr::load_lanes<V>(dy + j));
            sums.add(0, expr::evaluate<V>(dweight_of, s));
            sums.add(1, expr::evaluate<V>(dbias_of, s));
            if (out == nullptr) return;
            const V d = expr::evaluate<V>(dxhat_of, s);
            if (batch_statistics) {
              expr::store_lanes(out + j, d);  // dxhat, finished below
              sums.add(2, d);
              sums.add(3, d * xhat);
            } else {
              expr::store_lanes(out + j, d * V(rstd));
            }
          });
        }
        dweight[c] = sums.total(0);
        dbias[c] = sums.total(1);
        if (dx == nullptr || !batch_statistics) continue;
        const T mean_d = sums.total(2) / T(n);
        const T mean_dh = sums.total(3) / T(n);
        for (std::size_t b = 0; b < B; ++b) {
          const T* x = ctx.x + b * ctx.ldx + c * P;
          T* out = dx + b * ctx.ld_dx + c * P;
          expr::for_each_lane<P, T>([&](std::size_t j, auto tag) {
            using V = typename decltype(tag)::type;
            const V xhat = (expr::load_lanes<V>(x + j) - V(mean)) * V(rstd);
            expr::store_lanes(out + j, V(rstd) * (expr::load_lanes<V>(out + j) - V(mean_d) -
                                                  xhat * V(mean_dh)));
          });
        }
      }
    }
  }
};

}  // namespace nerve
