// nerve/network/shape_fold.hpp: the shape after every entry of a network, at compile time.
//
// shape_fold<Input<...>, L1, L2, ...> is type_list<S0, S1, S2, ...>: S0 is the input shape and
// S(i) = L(i)::output_shape<S(i-1)>. Where a layer refuses its input (or is no layer), that shape
// and every later one is invalid_shape: network/check.hpp reports the first refusal, once.
#pragma once

#include <type_traits>

#include "nerve/layers/input.hpp"        // nerve::is_input
#include "nerve/layers/layer.hpp"        // nerve::Layer
#include "nerve/meta/type_list.hpp"      // nerve::meta::type_list
#include "nerve/shape/diagnostics.hpp"   // nerve::invalid_shape

namespace nerve::detail {

// True where layer L can take shape In: the guard of every shape rule.
template <class L, class In>
consteval bool layer_accepts() {
  if constexpr (!AnyShape<In> || !Layer<L> || is_input<L>) {
    return false;
  } else if constexpr (!L::valid_parameters) {
    return false;
  } else {
    return L::template accepts<In>;
  }
}

template <class In, class L, bool = layer_accepts<L, In>()>
struct shape_step {
  using type = invalid_shape;
};
template <class In, class L>
struct shape_step<In, L, true> {
  using type = typename L::template output_shape<In>;
};

template <class Current, class Done, class... Rest>
struct shape_fold_impl {
  using type = Done;
};
template <class Current, class... Done, class L, class... Rest>
struct shape_fold_impl<Current, meta::type_list<Done...>, L, Rest...> {
  using next = typename shape_step<Current, L>::type;
  using type = typename shape_fold_impl<next, meta::type_list<Done..., next>, Rest...>::type;
};

template <class... Entries>
struct shape_fold {
  using type = meta::type_list<invalid_shape>;  // empty, or not starting with a valid Input
};
template <class First, class... Ls>
  requires is_input<First> && First::valid_parameters
struct shape_fold<First, Ls...> {
  using type = typename shape_fold_impl<typename First::shape,
                                        meta::type_list<typename First::shape>, Ls...>::type;
};

template <class... Entries>
using shapes_of = typename shape_fold<Entries...>::type;

}  // namespace nerve::detail
