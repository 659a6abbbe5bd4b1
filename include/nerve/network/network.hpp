// nerve/network/network.hpp: BasicNetwork<T, Input<...>, Layers...>, a network as a type.
//
// Everything about it is known to the compiler: the shape after every layer, the parameter
// count, the fusion plan, the buffers; and, when the list is not a network, one error that says
// why (network/check.hpp). An object of it holds the parameters and the two inference buffers:
// net(x) allocates nothing.
#pragma once

#include <cstddef>   // std::size_t
#include <iostream>  // std::cout
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>   // std::index_sequence_for

#include "nerve/init/random.hpp"         // nerve::Seed, nerve::Random
#include "nerve/layers/activation.hpp"   // nerve::ActivationLayer
#include "nerve/layers/layer.hpp"        // nerve::Layer
#include "nerve/meta/type_list.hpp"      // nerve::meta::type_list, at
#include "nerve/network/check.hpp"       // nerve::detail::network_is_valid
#include "nerve/network/execute.hpp"     // nerve::detail::program
#include "nerve/network/explain.hpp"     // nerve::detail::write_explain
#include "nerve/network/summary.hpp"     // nerve::detail::write_summary
#include "nerve/network/types.hpp"       // nerve::detail::network_types
#include "nerve/shape/shape.hpp"         // nerve::Shape
#include "nerve/tensor/tensor.hpp"       // nerve::Tensor, TensorView

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
class BasicNetwork
    // The validity check runs right here, in the base-class argument, so that g++ prints one
    // short chain of instantiations above an error and the sentence comes within a few lines.
    : public detail::network_types<T,
                                   detail::network_is_valid<BasicNetwork<T, Entries...>, Entries...>(
                                       std::index_sequence_for<Entries...>{}),
                                   Entries...> {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "nerve networks compute in float or double: use Network<...> (float) or "
                "BasicNetwork<double, ...>");
  using types = typename BasicNetwork::network_types;  // the base above, by its injected name

 public:
  // False only after the compiler has already printed why.
  static constexpr bool well_formed = types::well_formed;

  using typename types::entries;
  using typename types::parameter_tuple;
  using typename types::plan_type;
  using typename types::shapes;
  using typename types::value_type;

  // Number of entries, Input included: entry I has index I in summary() and in errors.
  static constexpr std::size_t depth = well_formed ? sizeof...(Entries) : 1;

  template <std::size_t I>
  using entry = meta::at<I, entries>;
  template <std::size_t I>
  using shape_after_t = typename types::template shape_after_t<I>;
  template <std::size_t I>
  static constexpr shape_after_t<I> shape_after{};

  using input_shape_t = shape_after_t<0>;
  using output_shape_t = shape_after_t<depth - 1>;
  static constexpr input_shape_t input_shape{};
  static constexpr output_shape_t output_shape{};
  using input_type = Tensor<T, input_shape_t>;
  using output_type = Tensor<T, output_shape_t>;

  static constexpr std::size_t parameter_count = [] {
    if constexpr (well_formed) {
      return detail::parameter_total<shapes, Entries...>::value;
    } else {
      return std::size_t{0};
    }
  }();

  // The fused loops, as groups of entries: see explain().
  static constexpr std::size_t fusion_group_count = plan_type::group_count;

  // Parameters drawn from the seed (He before rectifiers, Glorot elsewhere, zero biases).
  explicit BasicNetwork(Seed seed = Seed{0}) { initialize(seed); }

  void initialize(Seed seed) {
    Random rng(seed);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (initialize_entry<I>(rng), ...);
    }(std::index_sequence_for<Entries...>{});
  }

  // Batch-1 inference: the output is a view of an internal buffer, valid until the next call.
  // No allocation, no virtual call, no lock.
  TensorView<const T, output_shape_t> operator()(const T* input) noexcept {
    return TensorView<const T, output_shape_t>(inference::forward(params_, input, input_shape_t::size, ws_));
  }
  template <class S>
  TensorView<const T, output_shape_t> operator()(const Tensor<T, input_shape_t, S>& x) noexcept {
    return (*this)(x.data());
  }
  template <class S>
  TensorView<const T, output_shape_t> operator()(const Tensor<const T, input_shape_t, S>& x) noexcept {
    return (*this)(x.data());
  }

  // The trainable arrays of entry I (layers without any have none).
  template <std::size_t I>
  auto& parameters() noexcept { return std::get<I>(params_); }
  template <std::size_t I>
  const auto& parameters() const noexcept { return std::get<I>(params_); }
  parameter_tuple& parameter_arrays() noexcept { return params_; }
  const parameter_tuple& parameter_arrays() const noexcept { return params_; }

  // f(entry index, array name, tensor) for every trainable array, in a fixed order.
  template <class F>
  void for_each_parameter(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (std::get<I>(params_).for_each([&](const char* name, auto& t) { f(I, name, t); }), ...);
    }(std::index_sequence_for<Entries...>{});
  }
  template <class F>
  void for_each_parameter(F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (std::get<I>(params_).for_each([&](const char* name, const auto& t) { f(I, name, t); }), ...);
    }(std::index_sequence_for<Entries...>{});
  }

  // Prints the table: index, layer, output shape, parameters, and the totals.
  static void summary(std::ostream& os = std::cout) { detail::write_summary<BasicNetwork>(os); }
  static std::string summary_string() {
    std::ostringstream os;
    summary(os);
    return os.str();
  }
  // Prints the fusion plan: which entries became one loop, what each keeps, the buffers.
  static void explain(std::ostream& os = std::cout) { detail::write_explain<BasicNetwork>(os); }
  static std::string explain_string() {
    std::ostringstream os;
    explain(os);
    return os.str();
  }

 private:
  using inference = detail::program<types, 1, false>;

  template <std::size_t I>
  void initialize_entry(Random& rng) {
    if constexpr (I > 0 && well_formed) {
      using L = entry<I>;
      if constexpr (requires { L::template initialize<T, shape_after_t<I - 1>>; }) {
        constexpr bool before_rectifier = [] {
          if constexpr (I + 1 < sizeof...(Entries)) {
            using Next = entry<I + 1>;
            if constexpr (ActivationLayer<Next>) return Next::rectifier;
            else return false;
          } else {
            return false;
          }
        }();
        L::template initialize<T, shape_after_t<I - 1>>(std::get<I>(params_), rng,
                                                        before_rectifier);
      }
    }
  }

  parameter_tuple params_;
  typename inference::workspace ws_;
};

}  // namespace nerve
