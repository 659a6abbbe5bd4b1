// nerve/network/network.hpp: BasicNetwork<T, Input<...>, Layers...>, a network as a type.
//
// Everything here is known to the compiler: the shape after every layer, the parameter count,
// and, when the list is not a network, one error that says why (network/check.hpp).
#pragma once

#include <cstddef>  // std::size_t
#include <iostream>  // std::cout
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>  // std::index_sequence_for

#include "nerve/layers/layer.hpp"        // nerve::Layer
#include "nerve/meta/type_list.hpp"      // nerve::meta::type_list, at
#include "nerve/network/check.hpp"       // nerve::detail::network_is_valid
#include "nerve/network/shape_fold.hpp"  // nerve::detail::shapes_of
#include "nerve/network/summary.hpp"     // nerve::detail::write_summary
#include "nerve/shape/shape.hpp"         // nerve::Shape

namespace nerve {

template <class T, class... Entries>
class BasicNetwork;

// The network type users write: float parameters and activations.
template <class... Entries>
using Network = BasicNetwork<float, Entries...>;

namespace detail {
template <class Shapes, class... Entries>
struct parameter_total;
template <class Shapes, class Input, class... Ls>
struct parameter_total<Shapes, Input, Ls...> {
  template <std::size_t... I>
  static constexpr std::size_t sum(std::index_sequence<I...>) {
    return (std::size_t{0} + ... + Ls::template parameter_count<meta::at<I, Shapes>>);
  }
  static constexpr std::size_t value = sum(std::index_sequence_for<Ls...>{});
};
}  // namespace detail

template <class T, class... Entries>
class BasicNetwork {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "nerve networks compute in float or double: use Network<...> (float) or "
                "BasicNetwork<double, ...>");

 public:
  // False only after the compiler has already printed why.
  static constexpr bool well_formed =
      detail::network_is_valid<BasicNetwork, Entries...>(std::index_sequence_for<Entries...>{});

  using value_type = T;
  using entries = meta::type_list<Entries...>;
  // shapes: the shape after each entry; index 0 is the input shape.
  using shapes = std::conditional_t<well_formed, detail::shapes_of<Entries...>,
                                    meta::type_list<Shape<>>>;

  // Number of entries, Input included: entry I has index I in summary() and in errors.
  static constexpr std::size_t depth = well_formed ? sizeof...(Entries) : 1;

  template <std::size_t I>
  using entry = meta::at<I, entries>;
  template <std::size_t I>
  using shape_after_t = meta::at<I, shapes>;
  template <std::size_t I>
  static constexpr shape_after_t<I> shape_after{};

  using input_shape_t = shape_after_t<0>;
  using output_shape_t = shape_after_t<depth - 1>;
  static constexpr input_shape_t input_shape{};
  static constexpr output_shape_t output_shape{};

  static constexpr std::size_t parameter_count = [] {
    if constexpr (well_formed) {
      return detail::parameter_total<shapes, Entries...>::value;
    } else {
      return std::size_t{0};
    }
  }();

  // Prints the table: index, layer, output shape, parameters, and the totals.
  static void summary(std::ostream& os = std::cout) { detail::write_summary<BasicNetwork>(os); }
  static std::string summary_string() {
    std::ostringstream os;
    summary(os);
    return os.str();
  }
};

}  // namespace nerve
