// nerve/network/types.hpp: the compile-time facts of a network, apart from the network object,
// so that execution plans can be built while BasicNetwork itself is still being defined.
#pragma once

#include <cstddef>  // std::size_t
#include <tuple>
#include <type_traits>
#include <utility>  // std::index_sequence

#include "nerve/layers/layer.hpp"        // nerve::no_parameters, no_state
#include "nerve/meta/type_list.hpp"      // nerve::meta::type_list, at
#include "nerve/network/plan.hpp"        // nerve::detail::plan
#include "nerve/network/shape_fold.hpp"  // nerve::detail::shapes_of
#include "nerve/shape/shape.hpp"         // nerve::Shape

namespace nerve::detail {

template <class T, bool WellFormed, class... Entries>
struct network_types {
  static constexpr bool well_formed = WellFormed;
  using value_type = T;
  using entries = meta::type_list<Entries...>;
  using shapes = std::conditional_t<WellFormed, shapes_of<Entries...>, meta::type_list<Shape<>>>;
  template <std::size_t I>
  using shape_after_t = meta::at<I, shapes>;

  template <std::size_t I>
  static auto parameters_of() {
    if constexpr (I == 0 || !WellFormed) {
      return no_parameters{};
    } else {
      using L = meta::at<I, entries>;
      return typename L::template parameters<T, shape_after_t<I - 1>>{};
    }
  }
  template <std::size_t I>
  using parameters_t = decltype(parameters_of<I>());

  template <std::size_t I>
  static auto state_of() {
    if constexpr (I == 0 || !WellFormed) {
      return no_state{};
    } else {
      using L = meta::at<I, entries>;
      return typename L::template state<T, shape_after_t<I - 1>>{};
    }
  }
  template <std::size_t I>
  using state_t = decltype(state_of<I>());

  template <class Seq>
  struct tuple_of;
  template <std::size_t... I>
  struct tuple_of<std::index_sequence<I...>> {
    using parameters = std::tuple<parameters_t<I>...>;
    using state = std::tuple<state_t<I>...>;
  };
  // Entry I's trainable arrays at index I (no_parameters where it has none).
  using parameter_tuple = typename tuple_of<std::index_sequence_for<Entries...>>::parameters;
  // Entry I's non-trainable arrays (running statistics) at index I: never trained, never given
  // to an optimizer, saved with the weights.
  using state_tuple = typename tuple_of<std::index_sequence_for<Entries...>>::state;

  using plan_type = std::conditional_t<WellFormed, plan<Entries...>, plan<>>;
};

}  // namespace nerve::detail
