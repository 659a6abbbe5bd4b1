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
#include <utility>  // std::index_sequence

#include "nerve/layers/input.hpp"         // nerve::is_input
#include "nerve/layers/layer.hpp"         // nerve::Layer
#include "nerve/meta/type_list.hpp"       // nerve::meta::at
#include "nerve/network/shape_fold.hpp"   // nerve::detail::shapes_of
#include "nerve/shape/diagnostics.hpp"    // nerve::diagnostics::*

namespace nerve::detail {

template <class Entry, std::size_t I, class Network>
consteval bool entry_is_valid() {
  using at = at_position<I>;
  if constexpr (I == 0 && !is_input<Entry>) {
    (void)diagnostics::network_must_start_with_input<Entry, at>{};
    return false;
  } else if constexpr (I > 0 && is_input<Entry>) {
    (void)diagnostics::input_must_come_first<Entry, at>{};
    return false;
  } else if constexpr (!Layer<Entry>) {
    (void)diagnostics::not_a_layer<Entry, at>{};
    return false;
  } else if constexpr (!Entry::valid_parameters) {
    (void)typename Entry::template rejects_parameters<at>{};
    return false;
  } else {
    return true;
  }
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
  } else if constexpr (!(entry_is_valid<Entries, I, Network>() && ...)) {
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
