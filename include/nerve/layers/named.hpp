// nerve/layers/named.hpp: Named<"encoder", LSTM<128>>, a layer with a name of its own, for the
// arrays' names in checkpoints and in PyTorch ("encoder.weight_ih_l0" instead of "0.weight_ih_l0"),
// as a submodule's attribute name in a PyTorch model. It is the layer in every other respect.
#pragma once

#include <algorithm>  // std::copy_n
#include <cstddef>    // std::size_t
#include <string>
#include <string_view>

#include "nerve/layers/layer.hpp"  // nerve::Layer

namespace nerve {

// A string literal as a template argument.
template <std::size_t N>
struct layer_name {
  char text[N]{};
  constexpr layer_name(const char (&s)[N]) { std::copy_n(s, N, text); }
  constexpr std::string_view view() const { return std::string_view(text, N - 1); }
};

template <layer_name Name, Layer L>
struct Named : L {
  static_assert(Name.view().size() > 0 && Name.view().find('.') == std::string_view::npos,
                "Named<\"name\", Layer>: the name must not be empty nor contain '.' (PyTorch "
                "separates module names with dots)");
  static constexpr std::string_view given_name = Name.view();
  static std::string name() { return L::name() + " as \"" + std::string(given_name) + "\""; }
};

}  // namespace nerve
