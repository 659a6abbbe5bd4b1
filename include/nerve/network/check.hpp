// nerve/network/check.hpp: is a list of entries a network? If not, fail with one readable error.
//
// Two passes, each a fold over positions rather than a recursion, so that the instantiation
// chain g++ prints above the message stays a few lines deep whatever the network's depth:
//   1. each entry on its own: Input first and only first, every other entry a layer, every
//      layer's own arguments valid (Dense<0>, Input<-3>);
//   2. each layer against the shape it receives from the fold (Dense after a rank-3 shape).
// The second pass runs only when the first found nothing, and reports only the first refusal.
#pragma once

#include <cstddef>  // std::size_t
#include <type_traits>
#include <utility>  // std::index_sequence

#include "nerve/layers/activation.hpp"    // nerve::ActivationLayer
#include "nerve/layers/input.hpp"         // nerve::is_input
#include "nerve/layers/layer.hpp"         // nerve::Layer
#include "nerve/meta/type_list.hpp"       // nerve::meta::at
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
    return (layer_takes_its_input<Entries, I, shapes>() && ...);
  }
}

}  // namespace nerve::detail
