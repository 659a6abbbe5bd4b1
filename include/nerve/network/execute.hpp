// nerve/network/execute.hpp: the forward and backward passes of a network for a batch of B, in a
// mode (inference or training), unrolled at compile time over the fusion groups of
// network/plan.hpp, and the memory plan they run in.
//
// Every group's head is called the same way: L::forward(ctx) and L::backward(ctx), with a context
// (network/context.hpp) holding its rows, parameters, state, kept memory, scratch, mode and random
// stream. Element-wise groups are expressions the network evaluates itself; reshapes are views.
//
// The memory plan (one aligned allocation, made when the workspace is built, never after):
//   inference: two ping-pong activation buffers of the widest row, and one scratch region as large
//              as the largest layer's request;
//   training : one output buffer per group (the backward pass reads them), a pre-activation buffer
//              where a group's derivative needs it, each layer's kept memory (alive from its
//              forward to its backward, so never shared), two ping-pong gradient buffers, and the
//              scratch region, shared by every layer (each uses it within one call only).
#pragma once

#include <algorithm>  // std::max, std::fill
#include <array>
#include <cstddef>    // std::size_t
#include <tuple>
#include <utility>    // std::index_sequence

#include "nerve/config.hpp"  // xsimd (included there, with g++'s false warnings silenced)

#include "nerve/eval/evaluate.hpp"     // nerve::expr::apply
#include "nerve/eval/lanes.hpp"        // nerve::expr::for_each_lane, load_lanes, store_lanes
#include "nerve/kernels/epilogue.hpp"  // nerve::kernels::Identity, PassGradient
#include "nerve/kernels/layout.hpp"    // nerve::kernels::padded, round_up
#include "nerve/network/context.hpp"   // nerve::forward_context, backward_context, random_source
#include "nerve/network/plan.hpp"      // nerve::detail::plan, chain_function, derivative_form
#include "nerve/shape/shape.hpp"       // nerve::Shape
#include "nerve/tensor/tensor.hpp"     // nerve::Tensor

namespace nerve::detail {

// y = f(x) over N values (rows of element-wise groups).
template <auto F, std::size_t N, class T>
NERVE_INLINE void apply_row(const T* x, T* y) {
  expr::for_each_lane<N, T>([&](std::size_t i, auto tag) {
    using V = typename decltype(tag)::type;
    expr::store_lanes(y + i, expr::apply(F, expr::load_lanes<V>(x + i)));
  });
}

// dx = dy * g(v) over N values.
template <auto G, std::size_t N, class T>
NERVE_INLINE void scale_row(const T* dy, const T* v, T* dx) {
  expr::for_each_lane<N, T>([&](std::size_t i, auto tag) {
    using V = typename decltype(tag)::type;
    expr::store_lanes(dx + i, expr::load_lanes<V>(dy + i) * expr::apply(G, expr::load_lanes<V>(v + i)));
  });
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

// The plane writer (kernels/epilogue.hpp) of a pooling layer folded into the output pass of the
// layer before it: plane c of that layer's output (shape In, rows RowStride apart) is pooled into
// plane c of Pool's output row.
template <class Pool, AnyShape In, class T>
struct pool_planes {
  template <std::size_t RowStride>
  NERVE_INLINE void plane(const T* src, std::size_t c, T* y) const noexcept {
    constexpr std::size_t out_plane = Pool::template output_shape<In>::size / In::dims[0];
    Pool::template pool_plane<T, In, RowStride>(src, y + c * out_plane);
  }
};

// Where each layer's parameter gradients go: a provider's sinks<h, L>(grads) gives the tuple of
// gradient sinks for entry h (layer L), one per array of grads.arrays() (network/context.hpp).
// This one writes every gradient into grads; a trainer's provider may instead give in-place
// optimizer updates to the layers that use sinks (train/trainer.hpp).
struct write_gradients {
  template <std::size_t h, class L, class T, class Params>
  static auto sinks(Params& grads) noexcept {
    return write_sinks<T>(grads);
  }
};

// Loss fusion: how much of the last group the loss has already differentiated.
//   none             the loss gives dL/d(output)
//   softmax          the loss gives dL/d(input of a final Softmax group), which is skipped
//   last_activation  the loss gives dL/d(input of the final activation of a contraction group)
enum class loss_fusion { none, softmax, last_activation };

// Bytes rounded to whole cache lines, in elements of T: every region starts 64-byte aligned.
template <class T>
constexpr std::size_t aligned_elements(std::size_t n) {
  return kernels::round_up(n, kernels::lanes<T>);
}

// One pass of a network over a batch of B rows in mode M: its memory plan, its forward pass and
// (when Backward) its backward pass. Net: anything with value_type, entries, plan_type,
// parameter_tuple, state_tuple and shape_after_t<I> (network_types, which BasicNetwork exposes).
// Backward: keep what a backward pass needs (true in training; also for the input gradients of an
// inference pass, network.hpp).
template <class Net, std::size_t B, mode M, bool Backward = (M == mode::training)>
struct network_pass {
  using T = typename Net::value_type;
  using entries = typename Net::entries;
  using plan_type = typename Net::plan_type;
  using parameter_tuple = typename Net::parameter_tuple;
  using state_tuple = typename Net::state_tuple;
  // Keeps activations, pre-activations and each layer's kept memory for a backward pass.
  static constexpr bool differentiable = Backward;
  // What the forward pass may change: the state in training (running statistics), nothing else.
  using forward_state = std::conditional_t<M == mode::training, state_tuple, const state_tuple>;
  // The mode whose memory a layer is asked for: a pass to be differentiated keeps what backward needs.
  static constexpr mode memory_mode = Backward ? mode::training : mode::inference;
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

  // A group that moves no data: a reshape, or a layer that is the identity at inference (Dropout).
  template <std::size_t g>
  static constexpr bool is_view = [] {
    if constexpr (groups[g].kind == fusion_role::reshape) {
      return true;
    } else if constexpr (requires { head<g>::identity_at_inference; }) {
      return M == mode::inference && head<g>::identity_at_inference;
    } else {
      return false;
    }
  }();

  // Pooling folded into a convolution's output pass, at inference only: a pooling layer
  // (pools_planes) right after a contraction group whose head makes planes (plane_output, Conv2D;
  // its activations are the epilogue) pools each plane f(z) while it is still in the kernel's
  // scratch, so the full-size map is never written out and read back. The pooling group is then
  // skipped. A pass to be differentiated keeps them apart: its backward reads the convolution's
  // output and the pool's kept positions.
  template <std::size_t g>
  static constexpr bool folded_into_previous = [] {
    if constexpr (differentiable || g == 0) {
      return false;
    } else if constexpr (groups[g].kind != fusion_role::general ||
                         groups[g - 1].kind != fusion_role::contraction) {
      return false;
    } else if constexpr (requires { head<g>::pools_planes; head<g - 1>::plane_output; }) {
      return head<g>::pools_planes && head<g - 1>::plane_output;
    } else {
      return false;
    }
  }();
  // Does group g's head pool its planes with the next group's layer?
  template <std::size_t g>
  static constexpr bool pools_next = [] {
    if constexpr (g + 1 < G) return folded_into_previous<g + 1>;
    else return false;
  }();
  // A group this pass does not run: a view, or a pool run inside the group before it.
  template <std::size_t g>
  static constexpr bool skipped = is_view<g> || folded_into_previous<g>;
  // Where group g's forward writes: its own output rows, or the pooled rows of the next group.
  template <std::size_t g>
  static constexpr std::size_t ld_written = [] {
    if constexpr (pools_next<g>) return ld_out<g + 1>;
    else return ld_out<g>;
  }();

  // The first activation entry of group g: after the head of a contraction group, the head itself
  // of an element-wise group.
  template <std::size_t g>
  static constexpr std::size_t first_activation =
      groups[g].kind == fusion_role::contraction ? groups[g].head + 1 : groups[g].head;

  // Activations from the head's output through the last entry.
  template <std::size_t g>
  static constexpr auto function() {
    return chain_function<entries, first_activation<g>, groups[g].last>();
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
  static constexpr bool keeps_z = differentiable && groups[g].kind == fusion_role::contraction &&
                                  (form<g, loss_fusion::none>() == derivative_form::from_input ||
                                   form<g, loss_fusion::last_activation>() ==
                                       derivative_form::from_input ||
                                   g + 1 == G);

  // What the head of group g asks for (nothing for element-wise groups and views).
  template <std::size_t g>
  static constexpr workspace_request request = [] {
    if constexpr (skipped<g>) {
      return workspace_request{};  // never called in this pass
    } else if constexpr (groups[g].kind == fusion_role::contraction ||
                         groups[g].kind == fusion_role::general) {
      return head<g>::template workspace<T, in_shape<g>, B, memory_mode>;
    } else {
      return workspace_request{};
    }
  }();

  // ---- the memory plan, in elements of T ---------------------------------------------------
  static constexpr std::size_t widest = [] {
    std::size_t w = 0;
    // Rows a pass writes or reads (a map pooled in its convolution's output pass is neither).
    [&]<std::size_t... g>(std::index_sequence<g...>) {
      ((w = std::max(w, folded_into_previous<g> ? 0 : ld_written<g>)), ...);
      ((w = std::max(w, folded_into_previous<g> ? 0 : kernels::padded<in_shape<g>::size, T>)), ...);
    }(std::make_index_sequence<G>{});
    return w;
  }();
  // One batch of the widest row: a ping-pong activation or gradient buffer.
  static constexpr std::size_t rows_size = B * widest;

  struct layout {
    std::array<std::size_t, G> out{};      // offset of each group's output (views: unused)
    std::array<std::size_t, G> z{};        // offset of each group's pre-activation (if kept)
    std::array<std::size_t, G> kept{};     // offset of each head's kept memory (if any)
    std::array<std::size_t, G> kept_size{};
    std::array<std::size_t, G> carry{};    // offset of each head's carried state (if any)
    std::size_t carry_total{};
    std::size_t grad[2]{};
    std::size_t scratch{};
    std::size_t scratch_size{};
    std::size_t activations{};             // outputs and pre-activations
    std::size_t kept_total{};
    std::size_t total{};
  };

  static constexpr layout offsets = [] {
    layout l{};
    std::size_t at = 0;
    [&]<std::size_t... g>(std::index_sequence<g...>) {
      ((l.scratch_size = std::max(l.scratch_size, aligned_elements<T>(request<g>.scratch))), ...);
      if constexpr (differentiable) {
        ((l.out[g] = at, at += is_view<g> ? 0 : B * ld_out<g>), ...);
        ((l.z[g] = at, at += keeps_z<g> ? B * ld_out<g> : 0), ...);
        l.activations = at;
        ((l.kept[g] = at, l.kept_size[g] = aligned_elements<T>(request<g>.kept),
          at += l.kept_size[g]),
         ...);
        l.kept_total = at - l.activations;
        l.grad[0] = at;
        l.grad[1] = at + rows_size;
        at += 2 * rows_size;
      } else {
        std::size_t flip = 0;
        ((l.out[g] = flip * rows_size, flip ^= skipped<g> ? 0 : 1), ...);
        at = 2 * rows_size;
        l.activations = at;
      }
    }(std::make_index_sequence<G>{});
    l.scratch = at;
    at += l.scratch_size;
    const std::size_t carry_begin = at;
    [&]<std::size_t... g>(std::index_sequence<g...>) {
      ((l.carry[g] = at, at += aligned_elements<T>(request<g>.carried)), ...);
    }(std::make_index_sequence<G>{});
    l.carry_total = at - carry_begin;
    l.total = at;
    return l;
  }();

  static constexpr std::size_t bytes = offsets.total * sizeof(T);

  struct workspace {
    Tensor<T, Shape<offsets.total>> memory;
    // Where each group's input and output rows are, and their leading dimensions; set by forward.
    std::array<const T*, G + 1> rows{};
    std::array<std::size_t, G + 1> ld{};
    // The next pass starts from the state the last one carried (stateful layers), not from zero.
    bool resume = false;

    T* at(std::size_t offset) noexcept { return memory.data() + offset; }
    const T* at(std::size_t offset) const noexcept { return memory.data() + offset; }
    T* scratch() noexcept { return offsets.scratch_size ? at(offsets.scratch) : nullptr; }
    // Back to the zero state: the next pass starts every stateful layer afresh.
    void reset() noexcept {
      resume = false;
      std::fill_n(memory.data() + offsets.total - offsets.carry_total, offsets.carry_total, T(0));
    }
  };

  // Does any layer carry state from one pass to the next?
  static constexpr bool stateful = offsets.carry_total > 0;

  // ---- forward ---------------------------------------------------------------------------
  template <std::size_t g>
  static void forward_group(const parameter_tuple& params, forward_state& state, workspace& ws,
                            random_source source) {
    using L = head<g>;
    using In = in_shape<g>;
    constexpr std::size_t h = groups[g].head;
    const T* X = ws.rows[g];
    const std::size_t ldx = ws.ld[g];
    if constexpr (skipped<g>) {  // folded: X is already pooled
      ws.rows[g + 1] = X;
      ws.ld[g + 1] = ldx;
      return;
    } else {
      T* Y = ws.at(offsets.out[g]);
      constexpr fusion_role kind = groups[g].kind;
      if constexpr (kind == fusion_role::elementwise) {
        for (std::size_t i = 0; i < B; ++i) {
          apply_row<function<g>(), In::size>(X + i * ldx, Y + i * ld_out<g>);
        }
      } else {
        using Epilogue = decltype([] {
          if constexpr (kind == fusion_role::contraction) return epilogue<function<g>()>{};
          else return kernels::Identity{};
        }());
        using Planes = decltype([] {
          if constexpr (pools_next<g>) return pool_planes<head<g + 1>, out_shape<g>, T>{};
          else return kernels::CopyPlanes{};
        }());
        using Params = std::tuple_element_t<h, parameter_tuple>;
        using State = std::remove_reference_t<decltype(std::get<h>(state))>;
        source.layer = h;
        forward_context<T, B, In, out_shape<g>, Params, State, Epilogue, Planes> ctx{
            X,
            ldx,
            Y,
            ld_written<g>,
            keeps_z<g> ? ws.at(offsets.z[g]) : nullptr,
            std::get<h>(params),
            std::get<h>(state),
            differentiable && offsets.kept_size[g] ? ws.at(offsets.kept[g]) : nullptr,
            ws.scratch(),
            request<g>.carried ? ws.at(offsets.carry[g]) : nullptr,
            ws.resume,
            M,
            source,
            Epilogue{},
            Planes{}};
        L::forward(ctx);
      }
      ws.rows[g + 1] = Y;
      ws.ld[g + 1] = ld_written<g>;
    }
  }

  // Runs the network on B rows of X (ldx apart); returns the output rows (ld_output apart).
  static const T* forward(const parameter_tuple& params, forward_state& state, const T* X,
                          std::size_t ldx, workspace& ws, random_source source = {}) {
    ws.rows[0] = X;
    ws.ld[0] = ldx;
    [&]<std::size_t... g>(std::index_sequence<g...>) {
      (forward_group<g>(params, state, ws, source), ...);
    }(std::make_index_sequence<G>{});
    return ws.rows[G];
  }

  static constexpr std::size_t ld_output = ld_out<G - 1>;

  // ---- backward (training only) -----------------------------------------------------------
  // Zero the padding columns [n, ld) of B rows: a reader of gradient rows (the dense kernel's
  // dW = dZ^T X) sums whole padded rows, so the padding must hold exact zeros.
  static void zero_padding(T* rows, std::size_t n, std::size_t ld) {
    if (n == ld) return;
    for (std::size_t i = 0; i < B; ++i) std::fill(rows + i * ld + n, rows + (i + 1) * ld, T(0));
  }

  // dx0: where the gradient of the network's input goes (rows ld_dx0 apart), or null.
  template <std::size_t g, loss_fusion Fusion, class SinkProvider>
  static void backward_group(const parameter_tuple& params, parameter_tuple& grads,
                             const state_tuple& state, workspace& ws, random_source source,
                             SinkProvider& provider, int& current, T* dx0, std::size_t ld_dx0) {
    using L = head<g>;
    using In = in_shape<g>;
    constexpr std::size_t h = groups[g].head;
    constexpr fusion_role kind = groups[g].kind;
    const T* X = ws.rows[g];
    const std::size_t ldx = ws.ld[g];
    const T* Y = ws.rows[g + 1];
    constexpr std::size_t ly = ld_out<g>;
    constexpr std::size_t ld_in = kernels::padded<In::size, T>;
    const T* dY = ws.at(offsets.grad[current]);
    T* dX = g == 0 ? dx0 : ws.at(offsets.grad[current ^ 1]);
    const std::size_t ld_dx = g == 0 ? ld_dx0 : ld_in;

    if constexpr (is_view<g>) {  // a reshape, or a layer that is the identity in this mode
      if constexpr (g == 0) {  // the gradient is where it was; copy it out for the caller
        if (dX != nullptr) {
          for (std::size_t i = 0; i < B; ++i) std::copy_n(dY + i * ly, In::size, dX + i * ld_dx);
        }
      }
      return;  // the same elements: the gradient stays where it is
    } else if constexpr (g + 1 == G && Fusion == loss_fusion::softmax) {
      return;  // the loss already gave the gradient of the Softmax input
    } else if constexpr (kind == fusion_role::elementwise) {
      if (dX != nullptr) {
        constexpr auto f = form<g, Fusion>();
        constexpr auto d = derivative_expr<g, Fusion>();
        for (std::size_t i = 0; i < B; ++i) {
          const T* v = f == derivative_form::from_output ? Y + i * ly : X + i * ldx;
          scale_row<d, In::size>(dY + i * ly, v, dX + i * ld_dx);
        }
      }
    } else {
      using Prologue = decltype([] {
        if constexpr (kind == fusion_role::contraction) {
          return prologue<form<g, Fusion>(), derivative_expr<g, Fusion>()>{};
        } else {
          return kernels::PassGradient{};
        }
      }());
      using Params = std::tuple_element_t<h, parameter_tuple>;
      using State = std::remove_reference_t<decltype(std::get<h>(state))>;
      source.layer = h;
      auto sinks = provider.template sinks<h, L, T>(std::get<h>(grads));
      backward_context<T, B, In, out_shape<g>, Params, State, Prologue, decltype(sinks)> ctx{
          X,
          ldx,
          Y,
          dY,
          ly,
          keeps_z<g> ? ws.at(offsets.z[g]) : Y,
          dX,
          ld_dx,
          std::get<h>(params),
          std::get<h>(grads),
          std::get<h>(state),
          offsets.kept_size[g] ? ws.at(offsets.kept[g]) : nullptr,
          ws.scratch(),
          M,
          source,
          Prologue{},
          sinks};
      L::backward(ctx);
    }
    if (dX != nullptr) {
      zero_padding(dX, In::size, ld_dx);
      current ^= 1;
    }
  }

  // Every parameter gradient from the output gradient the loss wrote into grad_buffer(ws) (rows
  // ld_output apart, padding zero), handed to the provider's sinks (the first form: written into
  // grads); the input's gradient into dx0 if given. Groups run last to first, each layer once.
  template <loss_fusion Fusion>
  static void backward(const parameter_tuple& params, parameter_tuple& grads, const state_tuple& state,
                       workspace& ws, random_source source = {}, T* dx0 = nullptr,
                       std::size_t ld_dx0 = 0) {
    write_gradients provider;
    backward<Fusion>(params, grads, state, ws, source, provider, dx0, ld_dx0);
  }
  template <loss_fusion Fusion, class SinkProvider>
  static void backward(const parameter_tuple& params, parameter_tuple& grads, const state_tuple& state,
                       workspace& ws, random_source source, SinkProvider& provider,
                       T* dx0 = nullptr, std::size_t ld_dx0 = 0) {
    static_assert(differentiable, "backward needs the memory of a pass made with Backward = true");
    int current = 0;
    [&]<std::size_t... r>(std::index_sequence<r...>) {
      (backward_group<G - 1 - r, Fusion>(params, grads, state, ws, source, provider, current, dx0,
                                         ld_dx0),
       ...);
    }(std::make_index_sequence<G>{});
  }

  static T* grad_buffer(workspace& ws) { return ws.at(offsets.grad[0]); }
  // Pre-activation of the last group (kept when differentiable).
  static const T* last_z(const workspace& ws) { return ws.at(offsets.z[G - 1]); }
  // Input of the last group: the logits of a final Softmax.
  static const T* last_input(const workspace& ws) { return ws.rows[G - 1]; }
  static std::size_t last_input_ld(const workspace& ws) { return ws.ld[G - 1]; }
};

}  // namespace nerve::detail
