// nerve/network/execute.hpp: the forward and backward passes of a network for a batch of B,
// unrolled at compile time over the fusion groups of network/plan.hpp.
//
// Buffers (one aligned allocation, made when the workspace is built, never after):
//   inference: two ping-pong activation buffers of the widest group output;
//   training : one output buffer per group (the backward pass reads them), a pre-activation
//              buffer where a group's derivative needs it, two ping-pong gradient buffers and a
//              scratch for dz. Rows are padded to 64 bytes (kernels/layout.hpp).
#pragma once

#include <algorithm>  // std::max, std::fill
#include <array>
#include <cstddef>    // std::size_t
#include <tuple>
#include <utility>    // std::index_sequence

#include "nerve/config.hpp"  // xsimd (included there, with g++'s false warnings silenced)

#include "nerve/eval/evaluate.hpp"  // nerve::expr::apply
#include "nerve/kernels/layout.hpp" // nerve::kernels::padded
#include "nerve/network/plan.hpp"   // nerve::detail::plan, chain_function, derivative_form
#include "nerve/shape/shape.hpp"    // nerve::Shape
#include "nerve/tensor/tensor.hpp"  // nerve::Tensor

namespace nerve::detail {

// y = f(x) over n values (rows of element-wise groups), SIMD with a scalar tail.
template <auto F, std::size_t N, class T>
NERVE_INLINE void apply_row(const T* x, T* y) {
  using V = xsimd::batch<T>;
  constexpr std::size_t W = V::size;
  std::size_t i = 0;
  for (; i + W <= N; i += W) expr::apply(F, V::load_unaligned(x + i)).store_unaligned(y + i);
  for (; i < N; ++i) y[i] = expr::apply(F, x[i]);
}

// dx = dy * g(v) over n values.
template <auto G, std::size_t N, class T>
NERVE_INLINE void scale_row(const T* dy, const T* v, T* dx) {
  using V = xsimd::batch<T>;
  constexpr std::size_t W = V::size;
  std::size_t i = 0;
  for (; i + W <= N; i += W) {
    (V::load_unaligned(dy + i) * expr::apply(G, V::load_unaligned(v + i))).store_unaligned(dx + i);
  }
  for (; i < N; ++i) dx[i] = dy[i] * expr::apply(G, v[i]);
}

// f(z) on xsimd batches: the epilogue a contraction kernel applies in registers.
template <auto F>
struct epilogue {
  template <class V>
  NERVE_INLINE V operator()(V z) const {
    return expr::apply(F, z);
  }
};

// dz from (dy, y, z): the prologue of a backward contraction.
template <derivative_form Form, auto G>
struct prologue {
  template <class V>
  NERVE_INLINE V operator()(V dy, V y, V z) const {
    if constexpr (Form == derivative_form::identity) {
      (void)y, (void)z;
      return dy;
    } else if constexpr (Form == derivative_form::from_output) {
      (void)z;
      return dy * expr::apply(G, y);
    } else {
      (void)y;
      return dy * expr::apply(G, z);
    }
  }
};

// Loss fusion: how much of the last group the loss has already differentiated.
//   none     the loss gives dL/d(output)
//   softmax  the loss gives dL/d(input of a final Softmax group), which is skipped
//   last_activation  the loss gives dL/d(input of the final activation of a contraction group)
enum class loss_fusion { none, softmax, last_activation };

// Net: anything with value_type, entries, plan_type, parameter_tuple and shape_after_t<I>
// (network_types below, which BasicNetwork exposes).
template <class Net, std::size_t B, bool Training>
struct program {
  using T = typename Net::value_type;
  using entries = typename Net::entries;
  using plan_type = typename Net::plan_type;
  static constexpr std::size_t G = plan_type::group_count;
  static constexpr auto groups = plan_type::groups;

  template <std::size_t g>
  using in_shape = typename Net::template shape_after_t<groups[g].head - 1>;
  template <std::size_t g>
  using out_shape = typename Net::template shape_after_t<groups[g].last>;
  template <std::size_t g>
  using head = meta::at<groups[g].head, entries>;

  template <std::size_t g>
  static constexpr std::size_t ld_out = kernels::padded<out_shape<g>::size, T>;

  // The first activation entry of group g: after the head of a contraction group, the head itself
  // of an element-wise group.
  template <std::size_t g>
  static constexpr std::size_t first_activation =
      groups[g].kind == fusion_role::contraction ? groups[g].head + 1 : groups[g].head;

  // Activations from the head's output through the last entry.
  template <std::size_t g>
  static constexpr auto function() {
    constexpr std::size_t first = first_activation<g>;
    return chain_function<entries, first, groups[g].last>();
  }

  // The activations whose derivative the backward pass applies; a fused loss has done the last.
  template <std::size_t g, loss_fusion Fusion>
  static constexpr std::size_t backward_last() {
    return (g + 1 == G && Fusion == loss_fusion::last_activation) ? groups[g].last - 1
                                                                   : groups[g].last;
  }

  template <std::size_t g, loss_fusion Fusion>
  static constexpr derivative_form form() {
    constexpr std::size_t first = first_activation<g>;
    constexpr std::size_t last = backward_last<g, Fusion>();
    constexpr fusion_role kind = groups[g].kind;
    if constexpr (kind != fusion_role::contraction && kind != fusion_role::elementwise) {
      return derivative_form::identity;  // not a function of activations: nothing to derive
    } else if constexpr (first > last) {
      return derivative_form::identity;
    } else if constexpr (first == last && meta::at<last, entries>::has_output_derivative &&
                         last == groups[g].last) {
      return derivative_form::from_output;
    } else {
      return derivative_form::from_input;
    }
  }

  // The derivative expression the prologue evaluates, as a function of y or of z.
  template <std::size_t g, loss_fusion Fusion>
  static constexpr auto derivative_expr() {
    constexpr std::size_t first = first_activation<g>;
    constexpr auto f = form<g, Fusion>();
    if constexpr (f == derivative_form::identity) {
      return expr::One{};
    } else if constexpr (f == derivative_form::from_output) {
      return meta::at<first, entries>::output_derivative;
    } else {
      return expr::derivative(chain_function<entries, first, backward_last<g, Fusion>()>());
    }
  }

  // Does group g keep its pre-activation z for the backward pass (under any loss fusion)?
  template <std::size_t g>
  static constexpr bool keeps_z = Training && groups[g].kind == fusion_role::contraction &&
                                  (form<g, loss_fusion::none>() == derivative_form::from_input ||
                                   form<g, loss_fusion::last_activation>() ==
                                       derivative_form::from_input ||
                                   g + 1 == G);

  // ---- buffer layout, in elements --------------------------------------------------------
  static constexpr std::size_t widest = [] {
    std::size_t w = 0;
    [&]<std::size_t... g>(std::index_sequence<g...>) {
      ((w = std::max(w, ld_out<g>)), ...);
      ((w = std::max(w, kernels::padded<in_shape<g>::size, T>)), ...);
    }(std::make_index_sequence<G>{});
    return w;
  }();
  static constexpr std::size_t slab = B * widest;

  struct layout {
    std::array<std::size_t, G> out{};  // offset of each group's output (reshapes: unused)
    std::array<std::size_t, G> z{};    // offset of each group's pre-activation (if kept)
    std::size_t grad[2]{};
    std::size_t scratch{};
    std::size_t total{};
  };

  static constexpr layout offsets = [] {
    layout l{};
    std::size_t at = 0;
    if constexpr (Training) {
      [&]<std::size_t... g>(std::index_sequence<g...>) {
        ((l.out[g] = at, at += groups[g].kind == fusion_role::reshape ? 0 : B * ld_out<g>), ...);
        ((l.z[g] = at, at += keeps_z<g> ? B * ld_out<g> : 0), ...);
      }(std::make_index_sequence<G>{});
      l.grad[0] = at;
      l.grad[1] = at + slab;
      l.scratch = at + 2 * slab;
      at += 3 * slab;
    } else {
      std::size_t flip = 0;
      for (std::size_t g = 0; g < G; ++g) {
        l.out[g] = flip * slab;
        if (groups[g].kind != fusion_role::reshape) flip ^= 1;
      }
      at = 2 * slab;
    }
    l.total = at;
    return l;
  }();

  struct workspace {
    Tensor<T, Shape<offsets.total>> memory;
    // Where each group's output is, and its leading dimension; filled by forward().
    std::array<const T*, G + 1> out{};
    std::array<std::size_t, G + 1> ld{};

    T* at(std::size_t offset) noexcept { return memory.data() + offset; }
  };

  // ---- forward ---------------------------------------------------------------------------
  template <std::size_t g>
  static void forward_group(typename Net::parameter_tuple& params, workspace& ws) {
    using L = head<g>;
    using In = in_shape<g>;
    const T* X = ws.out[g];
    const std::size_t ldx = ws.ld[g];
    T* Y = ws.at(offsets.out[g]);
    constexpr fusion_role kind = groups[g].kind;
    if constexpr (kind == fusion_role::reshape) {
      ws.out[g + 1] = X;
      ws.ld[g + 1] = ldx;
      return;
    } else if constexpr (kind == fusion_role::contraction) {
      T* Z = keeps_z<g> ? ws.at(offsets.z[g]) : nullptr;
      L::template forward<B, T, In>(std::get<groups[g].head>(params), X, ldx, Z, Y,
                                   epilogue<function<g>()>{});
    } else if constexpr (kind == fusion_role::elementwise) {
      for (std::size_t i = 0; i < B; ++i) {
        apply_row<function<g>(), In::size>(X + i * ldx, Y + i * ld_out<g>);
      }
    } else {
      L::template forward<B, T, In>(X, ldx, Y, ld_out<g>);
    }
    ws.out[g + 1] = Y;
    ws.ld[g + 1] = ld_out<g>;
  }

  // Runs the network on B rows of X (ldx apart); returns the output rows (ld() apart).
  static const T* forward(typename Net::parameter_tuple& params, const T* X, std::size_t ldx,
                          workspace& ws) {
    ws.out[0] = X;
    ws.ld[0] = ldx;
    [&]<std::size_t... g>(std::index_sequence<g...>) {
      (forward_group<g>(params, ws), ...);
    }(std::make_index_sequence<G>{});
    return ws.out[G];
  }

  // ---- backward --------------------------------------------------------------------------
  // Zero the padding columns [n, ld) of B rows: gradients there must stay exactly zero.
  static void zero_padding(T* rows, std::size_t n, std::size_t ld) {
    if (n == ld) return;
    for (std::size_t i = 0; i < B; ++i) std::fill(rows + i * ld + n, rows + (i + 1) * ld, T(0));
  }

  template <std::size_t g, loss_fusion Fusion>
  static void backward_group(const typename Net::parameter_tuple& params,
                             typename Net::parameter_tuple& grads, workspace& ws, int& cur) {
    using L = head<g>;
    using In = in_shape<g>;
    constexpr fusion_role kind = groups[g].kind;
    const T* X = ws.out[g];
    const std::size_t ldx = ws.ld[g];
    const T* Y = ws.out[g + 1];
    constexpr std::size_t ly = ld_out<g>;
    constexpr std::size_t ld_in = kernels::padded<In::size, T>;
    const T* dY = ws.at(offsets.grad[cur]);
    T* dX = g == 0 ? nullptr : ws.at(offsets.grad[cur ^ 1]);

    if constexpr (kind == fusion_role::reshape) {
      return;  // the same elements: the gradient stays where it is
    } else if constexpr (g + 1 == G && Fusion == loss_fusion::softmax) {
      return;  // the loss already gave the gradient of the Softmax input
    } else if constexpr (kind == fusion_role::contraction) {
      constexpr auto f = form<g, Fusion>();
      const T* Z = keeps_z<g> ? ws.at(offsets.z[g]) : Y;
      L::template backward<B, T, In>(std::get<groups[g].head>(params),
                                    std::get<groups[g].head>(grads), X, ldx, dY, Y, Z,
                                    prologue<f, derivative_expr<g, Fusion>()>{},
                                    ws.at(offsets.scratch), dX, ld_in);
    } else if (dX != nullptr) {
      if constexpr (kind == fusion_role::elementwise) {
        constexpr auto f = form<g, Fusion>();
        constexpr auto d = derivative_expr<g, Fusion>();
        for (std::size_t i = 0; i < B; ++i) {
          const T* v = f == derivative_form::from_output ? Y + i * ly : X + i * ldx;
          scale_row<d, In::size>(dY + i * ly, v, dX + i * ld_in);
        }
      } else {
        L::template backward<B, T, In>(Y, dY, ly, dX, ld_in);
      }
    }
    if (dX != nullptr) {
      zero_padding(dX, In::size, ld_in);
      cur ^= 1;
    }
  }

  // Gradients of every parameter, accumulated into grads, from the output gradient the loss
  // wrote into grad_buffer(ws) (rows ld_out<G-1> apart, padding zero).
  template <loss_fusion Fusion>
  static void backward(const typename Net::parameter_tuple& params,
                       typename Net::parameter_tuple& grads, workspace& ws) {
    int cur = 0;
    [&]<std::size_t... r>(std::index_sequence<r...>) {
      (backward_group<G - 1 - r, Fusion>(params, grads, ws, cur), ...);
    }(std::make_index_sequence<G>{});
  }

  static T* grad_buffer(workspace& ws) { return ws.at(offsets.grad[0]); }
  // Pre-activation of the last group (kept when training).
  static const T* last_z(workspace& ws) { return ws.at(offsets.z[G - 1]); }
  // Input of the last group: the logits of a final Softmax.
  static const T* last_input(workspace& ws) { return ws.out[G - 1]; }
  static std::size_t last_input_ld(workspace& ws) { return ws.ld[G - 1]; }
};

}  // namespace nerve::detail
