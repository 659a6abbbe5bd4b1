// nerve/eval/pointwise.hpp: a function of several variables with several outputs, run over
// arrays element by element, forward and backward, in one SIMD pass each: what a recurrent cell's
// gate arithmetic is (LSTM: i, f, g, o and c_prev in; c and h out).
//
// Fs = functions(F_0, F_1, ...) of variable<0..NV-1> and param<0..NP-1>. The forward pass
// computes the outputs in order, and output K reads outputs 0..K-1 instead of recomputing them
// (h = sigmoid(o) * tanh(c) reads c). The backward pass evaluates vjp<Fs, variable<I>>() for each
// variable: the derivative expressions, derived from the op rules, read the outputs the forward
// pass kept where they occur (tanh(c), not tanh of c rebuilt from the gates).
//
// A training step can keep more: forward_keeping() also stores the costly terms the gradients
// share (an LSTM's three sigmoids and two tanh, expr/shared_terms.hpp) as it computes them, and
// backward() given those arrays reads them instead of evaluating exponentials and divisions
// again. The backward pass then reads a variable only where a gradient names it outside every
// term (backward_reads<I>: an LSTM's c_{t-1}, a GRU's r_n and h_{t-1}), so a caller need not keep
// the others.
#pragma once

#include <array>
#include <cstddef>  // std::size_t
#include <type_traits>  // std::remove_cvref_t
#include <utility>  // std::index_sequence

#include "nerve/autodiff/vjp.hpp"    // nerve::expr::vjp
#include "nerve/config.hpp"          // NERVE_INLINE
#include "nerve/eval/evaluate.hpp"   // nerve::expr::evaluate, symbol_context
#include "nerve/eval/lanes.hpp"      // nerve::expr::for_each_lane, load_lanes, store_lanes
#include "nerve/expr/functions.hpp"  // nerve::expr::Functions
#include "nerve/expr/node.hpp"       // nerve::expr::Variable, Param
#include "nerve/expr/reuse.hpp"      // nerve::expr::reuse, occurs
#include "nerve/expr/shared_terms.hpp"  // nerve::expr::shared_terms

namespace nerve::expr {

template <auto Fs, std::size_t NV, std::size_t NP = 0>
struct pointwise {
  static constexpr std::size_t outputs = std::remove_cvref_t<decltype(Fs)>::size;

  // Output K as the forward pass evaluates it: F_K with outputs 0..K-1 read back.
  template <std::size_t K>
  static constexpr auto forward_expression = [] {
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return reuse<Fs.template get<K>(), Fs.template get<J>()...>();
    }(std::make_index_sequence<K>{});
  }();
  // dL/d(variable I) and dL/d(param I) from the output gradients: derived, outputs reused.
  template <std::size_t I>
  static constexpr auto variable_gradient = vjp<Fs, Variable<I>>();
  template <std::size_t I>
  static constexpr auto parameter_gradient = vjp<Fs, Param<I>>();

  // The first variable whose gradient is the same expression as variable I's (I itself if
  // none): an LSTM's input and hidden products enter each gate as a sum, so their gradients are
  // one expression, evaluated once and stored twice.
  // The types are those of the vjp calls, not decltype(variable_gradient<J>): clang (19, and
  // others since 9: llvm/llvm-project#178860) gives decltype of a static member variable template
  // declared `auto` that nothing instantiated yet as `auto` itself, so every gradient compared
  // equal and every variable got variable 0's gradient. A call's type is deduced everywhere.
  template <std::size_t I>
  using variable_gradient_type = std::remove_cvref_t<decltype(vjp<Fs, Variable<I>>())>;
  template <std::size_t I>
  static constexpr std::size_t same_gradient_as = [] {
    std::size_t first = I;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((first = first == I && std::is_same_v<variable_gradient_type<J>, variable_gradient_type<I>>
                    ? J
                    : first),
       ...);
    }(std::make_index_sequence<I>{});
    return first;
  }();

  // The costly terms the gradients share (expr/shared_terms.hpp), computed once per element
  // into the context's slots after the outputs: slot outputs + j holds term j.
  using term_list = decltype([]<std::size_t... I>(std::index_sequence<I...>) {
    return shared_terms<vjp<Fs, Variable<I>>()...>{};
  }(std::make_index_sequence<NV>{}));
  static constexpr std::size_t terms = term_list::size;
  template <std::size_t j>
  static constexpr auto term = nth_term<j>(term_list{});
  // E with the outputs and the first n terms read from their slots.
  template <auto E, std::size_t n>
  static constexpr auto read_back = [] {
    return []<std::size_t... K, std::size_t... J>(std::index_sequence<K...>, std::index_sequence<J...>) {
      return reuse<E, Output<K>{}..., term<J>...>();
    }(std::make_index_sequence<outputs>{}, std::make_index_sequence<n>{});
  }();

  // to[k] = V's worth of from[k] + i, for every k (none when M is 0).
  template <class V, class T, std::size_t M>
  NERVE_INLINE static void load_all(std::array<V, M>& to, const std::array<const T*, M>& from,
                                    std::size_t i) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      ((to[K] = load_lanes<V>(from[K] + i)), ...);
    }(std::make_index_sequence<M>{});
  }

  // ---- kept terms ---------------------------------------------------------------------------
  // Whether the backward pass, given the kept terms, reads variable I.
  template <std::size_t I>
  static constexpr bool backward_reads = [] {
    bool reads = false;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((reads = reads || occurs(read_back<variable_gradient<J>, terms>, Variable<I>{})), ...);
    }(std::make_index_sequence<NV>{});
    return reads;
  }();
  // The forward pass computes term j just before the first output whose expression holds it
  // (its stage), inner terms first; terms no output holds, after the outputs.
  template <std::size_t j>
  static constexpr std::size_t stage = [] {
    std::size_t first = outputs;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      ((first = first == outputs && occurs(forward_expression<K>, term<j>) ? K : first), ...);
    }(std::make_index_sequence<outputs>{});
    return first;
  }();

  // out[K][i] = F_K(v[0][i], ..., p[0][i], ...) for i < N.
  template <std::size_t N, class T>
  static void forward(const std::array<const T*, NV>& v, const std::array<const T*, NP>& p,
                      const std::array<T*, outputs>& out) {
    for_each_lane<N, T>([&](std::size_t i, auto tag) NERVE_TILE_LAMBDA {
      using V = typename decltype(tag)::type;
      symbol_context<V, NV, NP, outputs> c{};
      load_all(c.variables, v, i);
      load_all(c.params, p, i);
      [&]<std::size_t... K>(std::index_sequence<K...>) NERVE_TILE_LAMBDA {
        ((c.outputs[K] = evaluate<V>(forward_expression<K>, c), store_lanes(out[K] + i, c.outputs[K])),
         ...);
      }(std::make_index_sequence<outputs>{});
    });
  }

  // forward(), and kept[j][i] = term j (the same values backward() would compute).
  template <std::size_t N, class T>
  static void forward_keeping(const std::array<const T*, NV>& v, const std::array<const T*, NP>& p,
                              const std::array<T*, outputs>& out, const std::array<T*, terms>& kept) {
    for_each_lane<N, T>([&](std::size_t i, auto tag) NERVE_TILE_LAMBDA {
      using V = typename decltype(tag)::type;
      symbol_context<V, NV, NP, outputs + terms> c{};
      load_all(c.variables, v, i);
      load_all(c.params, p, i);
      // The terms of stage K, each reading the outputs before K and the terms before it.
      const auto terms_of = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) NERVE_TILE_LAMBDA {
        [&]<std::size_t... J>(std::index_sequence<J...>) NERVE_TILE_LAMBDA {
          (([&] {
             if constexpr (stage<J> == K) {
               c.outputs[outputs + J] = evaluate<V>(read_back<term<J>, J>, c);
               store_lanes(kept[J] + i, c.outputs[outputs + J]);
             }
           }()),
           ...);
        }(std::make_index_sequence<terms>{});
      };
      [&]<std::size_t... K>(std::index_sequence<K...>) NERVE_TILE_LAMBDA {
        ((terms_of(std::integral_constant<std::size_t, K>{}),
          c.outputs[K] = evaluate<V>(read_back<forward_expression<K>, terms>, c),
          store_lanes(out[K] + i, c.outputs[K])),
         ...);
      }(std::make_index_sequence<outputs>{});
      terms_of(std::integral_constant<std::size_t, outputs>{});
    });
  }

  // dv[I][i] = dL/d(variable I) from the outputs y and their gradients dy; dv[I] may be null
  // (a variable nobody needs the gradient of, as the input of a first layer).
  template <std::size_t N, class T>
  static void backward(const std::array<const T*, NV>& v, const std::array<const T*, NP>& p,
                       const std::array<const T*, outputs>& y,
                       const std::array<const T*, outputs>& dy, const std::array<T*, NV>& dv) {
    backward_pass<N, T, false>(v, p, y, dy, {}, dv);
  }
  // The same from the terms forward_keeping() stored: v[I] is read only where backward_reads<I>
  // (the others may be null).
  template <std::size_t N, class T>
  static void backward(const std::array<const T*, NV>& v, const std::array<const T*, NP>& p,
                       const std::array<const T*, outputs>& y,
                       const std::array<const T*, outputs>& dy,
                       const std::array<const T*, terms>& kept, const std::array<T*, NV>& dv) {
    backward_pass<N, T, true>(v, p, y, dy, kept, dv);
  }

 private:
  template <std::size_t N, class T, bool Kept>
  static void backward_pass(const std::array<const T*, NV>& v, const std::array<const T*, NP>& p,
                            const std::array<const T*, outputs>& y,
                            const std::array<const T*, outputs>& dy,
                            const std::array<const T*, terms>& kept, const std::array<T*, NV>& dv) {
    for_each_lane<N, T>([&](std::size_t i, auto tag) {
      using V = typename decltype(tag)::type;
      symbol_context<V, NV, NP, outputs + terms> c{};
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (([&] {
           if constexpr (!Kept || backward_reads<I>) c.variables[I] = load_lanes<V>(v[I] + i);
         }()),
         ...);
      }(std::make_index_sequence<NV>{});
      load_all(c.params, p, i);
      for (std::size_t k = 0; k < outputs; ++k) {
        c.outputs[k] = load_lanes<V>(y[k] + i);
        c.output_grads[k] = load_lanes<V>(dy[k] + i);
      }
      [&]<std::size_t... J>(std::index_sequence<J...>) {
        if constexpr (Kept) ((c.outputs[outputs + J] = load_lanes<V>(kept[J] + i)), ...);
        else ((c.outputs[outputs + J] = evaluate<V>(read_back<term<J>, J>, c)), ...);
      }(std::make_index_sequence<terms>{});
      std::array<V, NV> g{};
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (([&] {
           if constexpr (same_gradient_as<I> != I) g[I] = g[same_gradient_as<I>];
           else g[I] = evaluate<V>(read_back<variable_gradient<I>, terms>, c);
         }()),
         ...);
        ((dv[I] != nullptr ? store_lanes(dv[I] + i, g[I]) : void()), ...);
      }(std::make_index_sequence<NV>{});
    });
  }
};

}  // namespace nerve::expr
