// nerve/network/check.hpp: is a list of entries a network? If not, fail with one readable error.
//
// Two passes, each a fold over positions rather than a recursion, so that the instantiation
// chain g++ prints above the message stays a few lines deep whatever the network's depth:
//   1. each entry on its own: Input first and only first, every other entry a layer, every
//      layer's own arguments valid (Dense<0>, Input<-3>);
//   2. each layer against the shape it receives from the fold (Dense after a rank-3 shape);
//   3. each layer against the contract of its role (layers/layer.hpp): forward(ctx), backward(ctx),
//      initialize(ctx) where it has parameters, parameters only where a role can train them.
// Each pass runs only when the one before found nothing, and reports only the first problem.
#pragma once

#include <cstddef>  // std::size_t
#include <type_traits>
#include <utility>  // std::index_sequence

#include "nerve/layers/activation.hpp"    // nerve::ActivationLayer
#include "nerve/layers/input.hpp"         // nerve::is_input
#include "nerve/layers/layer.hpp"         // nerve::Layer
#include "nerve/kernels/epilogue.hpp"     // nerve::kernels::Identity, PassGradient
#include "nerve/meta/type_list.hpp"       // nerve::meta::at
#include "nerve/network/context.hpp"      // nerve::forward_context, backward_context, init_context
#include "nerve/network/shape_fold.hpp"   // nerve::detail::shapes_of
#include "nerve/shape/diagnostics.hpp"    // nerve::diagnostics::*

namespace nerve::detail {

// What is wrong with an entry on its own, found without instantiating any error, so that only
// the first wrong entry is reported (a list with several mistakes reads from its start).
enum class entry_problem {
  none,
  number_type_first,  // Network<double, Input<...>, ...>: the element type is not an entry
  not_input_first,
  input_not_first,
  not_a_layer,
  not_an_activation,  // role elementwise without deriving from activation_layer
  bad_parameters,
};

template <class Entry, std::size_t I>
consteval entry_problem problem_of() {
  if constexpr (I == 0 && std::is_arithmetic_v<Entry>) {
    return entry_problem::number_type_first;
  } else if constexpr (I == 0 && !is_input<Entry>) {
    return entry_problem::not_input_first;
  } else if constexpr (I > 0 && is_input<Entry>) {
    return entry_problem::input_not_first;
  } else if constexpr (!Layer<Entry>) {
    return entry_problem::not_a_layer;
  } else if constexpr (Entry::role == fusion_role::elementwise && !ActivationLayer<Entry>) {
    return entry_problem::not_an_activation;
  } else if constexpr (!Entry::valid_parameters) {
    return entry_problem::bad_parameters;
  } else {
    return entry_problem::none;
  }
}

// Instantiates the error of entry I (whose problem is not none).
template <class Entry, std::size_t I>
consteval void report_entry() {
  using at = at_position<I>;
  constexpr entry_problem problem = problem_of<Entry, I>();
  if constexpr (problem == entry_problem::number_type_first) {
    (void)diagnostics::element_type_is_not_an_entry<Entry, at>{};
  } else if constexpr (problem == entry_problem::not_input_first) {
    (void)diagnostics::network_must_start_with_input<Entry, at>{};
  } else if constexpr (problem == entry_problem::input_not_first) {
    (void)diagnostics::input_must_come_first<Entry, at>{};
  } else if constexpr (problem == entry_problem::not_a_layer) {
    (void)diagnostics::not_a_layer<Entry, at>{};
  } else if constexpr (problem == entry_problem::not_an_activation) {
    (void)diagnostics::elementwise_layer_needs_a_function<Entry, at>{};
  } else if constexpr (problem == entry_problem::bad_parameters) {
    (void)typename Entry::template rejects_parameters<at>{};
  }
}

template <class List, std::size_t... I>
consteval std::size_t first_bad_entry(std::index_sequence<I...>) {
  const entry_problem problems[] = {problem_of<meta::at<I, List>, I>()...};
  for (std::size_t i = 0; i < sizeof...(I); ++i) {
    if (problems[i] != entry_problem::none) return i;
  }
  return sizeof...(I);
}

template <class Entry, std::size_t I, class Shapes>
consteval bool layer_takes_its_input() {
  if constexpr (I == 0) {
    return true;
  } else {
    using In = meta::at<I - 1, Shapes>;
    if constexpr (!AnyShape<In>) {
      return false;  // an earlier layer refused; that is the error to read
    } else if constexpr (!Entry::template accepts<In>) {
      (void)typename Entry::template rejects_input<got<In>, at_position<I>>{};
      return false;
    } else {
      return true;
    }
  }
}

// What is wrong with layer L against its role's contract, on input In (shapes are known here).
enum class contract_problem { none, no_forward, no_backward, no_initialize, parameters_never_train };

template <class L, class In, class Out>
consteval contract_problem contract_problem_of() {
  using P = typename L::template parameters<float, In>;
  using S = typename L::template state<float, In>;
  using forward_ctx = forward_context<float, 1, In, Out, P, S, kernels::Identity>;
  using backward_ctx = backward_context<float, 1, In, Out, P, const S, kernels::PassGradient>;
  using init_ctx = init_context<float, In, Out, P, S>;
  constexpr bool called = L::role == fusion_role::contraction || L::role == fusion_role::general;
  constexpr bool has_parameters = array_total<P> > 0;
  if constexpr (called && !requires(forward_ctx& c) { L::forward(c); }) {
    return contract_problem::no_forward;
  } else if constexpr (called && !requires(backward_ctx& c) { L::backward(c); }) {
    return contract_problem::no_backward;
  } else if constexpr (has_parameters && !called) {
    return contract_problem::parameters_never_train;
  } else if constexpr (has_parameters && !requires(init_ctx& c) { L::initialize(c); }) {
    return contract_problem::no_initialize;
  } else {
    return contract_problem::none;
  }
}

template <class Entry, std::size_t I, class Shapes>
consteval contract_problem contract_problem_at() {
  if constexpr (I == 0) {
    return contract_problem::none;
  } else {
    return contract_problem_of<Entry, meta::at<I - 1, Shapes>, meta::at<I, Shapes>>();
  }
}

// Instantiates the error of entry I, whose contract problem is not none.
template <class Entry, std::size_t I, class Shapes>
consteval void report_contract() {
  using at = at_position<I>;
  constexpr contract_problem problem = contract_problem_at<Entry, I, Shapes>();
  if constexpr (problem == contract_problem::no_forward) {
    (void)diagnostics::layer_has_no_forward<Entry, at>{};
  } else if constexpr (problem == contract_problem::no_backward) {
    (void)diagnostics::layer_has_no_backward<Entry, at>{};
  } else if constexpr (problem == contract_problem::no_initialize) {
    (void)diagnostics::layer_has_parameters_but_no_initialize<Entry, at>{};
  } else if constexpr (problem == contract_problem::parameters_never_train) {
    (void)diagnostics::layer_role_cannot_have_parameters<Entry, at>{};
  }
}

template <class Shapes, class List, std::size_t... I>
consteval std::size_t first_contract_breach(std::index_sequence<I...>) {
  const bool bad[] = {(contract_problem_at<meta::at<I, List>, I, Shapes>() !=
                       contract_problem::none)...};
  for (std::size_t i = 0; i < sizeof...(I); ++i) {
    if (bad[i]) return i;
  }
  return sizeof...(I);
}

template <class Network, class... Entries, std::size_t... I>
consteval bool network_is_valid(std::index_sequence<I...>) {
  if constexpr (sizeof...(Entries) == 0) {
    (void)diagnostics::network_is_empty<Network>{};
    return false;
  } else if constexpr (constexpr std::size_t bad = first_bad_entry<meta::type_list<Entries...>>(
                           std::index_sequence<I...>{});
                       bad < sizeof...(Entries)) {
    report_entry<meta::at<bad, meta::type_list<Entries...>>, bad>();
    return false;
  } else if constexpr (sizeof...(Entries) == 1) {
    (void)diagnostics::network_has_no_layers<Entries...>{};
    return false;
  } else {
    using shapes = shapes_of<Entries...>;
    using list = meta::type_list<Entries...>;
    if constexpr (!(layer_takes_its_input<Entries, I, shapes>() && ...)) {
      return false;
    } else if constexpr (constexpr std::size_t bad =
                             first_contract_breach<shapes, list>(std::index_sequence<I...>{});
                         bad < sizeof...(Entries)) {
      report_contract<meta::at<bad, list>, bad, shapes>();
      return false;
    } else {
      return true;
    }
  }
}

}  // namespace nerve::detail
