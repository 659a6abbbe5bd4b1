// nerve/layers/named.hpp: Named<"encoder", LSTM<128>>, a layer with a name of its own, for the
// arrays' names in checkpoints and in PyTorch ("encoder.weight_ih_l0" instead of "0.weight_ih_l0"),
// as a submodule's attribute name in a PyTorch model. It is the layer in every other respect.
#pragma once

#include <algorithm>  // std::copy_n
#include <cstddef>    // std::size_t
#include <string>
#include <string_view>
#include <type_traits>  // std::conditional_t

#include "nerve/layers/layer.hpp"          // nerve::Layer
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false

namespace nerve {

// A string literal as a template argument.
template <std::size_t N>
struct layer_name {
  char text[N]{};
  constexpr layer_name(const char (&s)[N]) { std::copy_n(s, N, text); }
  constexpr std::string_view view() const { return std::string_view(text, N - 1); }
};

namespace detail {
// The base of a Named layer's rejects_parameters when its name is the problem.
struct no_rejection {};
}  // namespace detail

template <layer_name Name, Layer L>
struct Named : L {
  // A bad name is one of the layer's invalid arguments (rejects_parameters, layer.hpp); a good
  // name passes the wrapped layer's own problems on.
  static constexpr bool valid_name =
      Name.view().size() > 0 && Name.view().find('.') == std::string_view::npos;
  static constexpr bool valid_parameters = valid_name && L::valid_parameters;
  template <class At>
  struct rejects_parameters
      : std::conditional_t<valid_name, typename L::template rejects_parameters<At>,
                           detail::no_rejection> {
    static_assert(valid_name || meta::dependent_false<At>,
                  "Named<\"name\", Layer>: the name must not be empty nor contain '.' (PyTorch "
                  "separates module names with dots)");
  };
  static constexpr std::string_view given_name = Name.view();
  static std::string name() { return L::name() + " as \"" + std::string(given_name) + "\""; }
};

}  // namespace nerve
