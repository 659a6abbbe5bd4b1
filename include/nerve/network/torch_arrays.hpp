// nerve/network/torch_arrays.hpp: a network's arrays by PyTorch's names and in PyTorch's layouts,
// one call per array: what a checkpoint writes, and what moves weights between nerve and PyTorch
// without touching nerve's packed storage (layers/torch_array.hpp).
//
// Names are PyTorch's state_dict keys for an nn.Sequential of the same layers: "<module>.<array>",
// the module being the entry's index minus one (nn.Sequential has no Input: Network<Input<4>,
// Dense<8>, ReLU, Dense<3>> has "0.weight", "0.bias", "2.weight", "2.bias"), or the name given
// with Named<"name", Layer>. Trainable arrays and state (running statistics) both have names;
// the state is not trained.
#pragma once

#include <cstddef>  // std::size_t
#include <span>
#include <stdexcept>  // std::invalid_argument
#include <string>
#include <string_view>
#include <utility>  // std::index_sequence
#include <vector>

#include "nerve/layers/torch_array.hpp"  // nerve::torch_array, for_each_torch_array

namespace nerve {

// The module name of entry I of Net (I >= 1).
template <class Net, std::size_t I>
std::string module_name() {
  using L = typename Net::template entry<I>;
  if constexpr (requires { L::given_name; }) return std::string(L::given_name);
  else return std::to_string(I - 1);
}

// What each array is to the network.
enum class array_kind { parameter, state };

// f(name, torch_array, kind) for every array of net (parameters, then state, entry by entry), in
// state_dict order. torch_array<const T> for a const network.
template <class Net, class F>
void for_each_named_array(Net& net, F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ([&] {
      if constexpr (I > 0) {
        const std::string module = module_name<std::remove_const_t<Net>, I>();
        for_each_torch_array(net.template parameters<I>(),
                             [&](auto a) { f(module + "." + a.name, a, array_kind::parameter); });
        for_each_torch_array(net.template state<I>(),
                             [&](auto a) { f(module + "." + a.name, a, array_kind::state); });
      }
    }(), ...);
  }(std::make_index_sequence<std::remove_const_t<Net>::depth>{});
}

// Every array's name, in state_dict order.
template <class Net>
std::vector<std::string> array_names(const Net& net) {
  std::vector<std::string> out;
  for_each_named_array(net, [&](const std::string& name, auto, array_kind) { out.push_back(name); });
  return out;
}

namespace detail {
template <class Net, class F>
void with_torch_array(Net& net, std::string_view name, const char* who, F&& f) {
  bool found = false;
  for_each_named_array(net, [&](const std::string& n, auto a, array_kind) {
    if (n == name) found = true, f(a);
  });
  if (!found) {
    std::string known;
    for (const auto& n : array_names(net)) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument(std::string(who) + ": the network has no array named \"" +
                                std::string(name) + "\" (it has " + known + ")");
  }
}
template <class A>
void check_size(const A& a, const std::string& name, std::size_t given, const char* who) {
  if (given != a.size()) {
    throw std::invalid_argument(std::string(who) + ": \"" + name + "\" has shape " + a.shape_text() +
                                ", " + std::to_string(a.size()) + " values, not " +
                                std::to_string(given));
  }
}
}  // namespace detail

// PyTorch's shape of the array called name.
template <class Net>
std::vector<std::size_t> array_shape(const Net& net, std::string_view name) {
  std::vector<std::size_t> out;
  detail::with_torch_array(net, name, "array_shape", [&](auto a) {
    out.assign(a.shape.begin(), a.shape.begin() + static_cast<std::ptrdiff_t>(a.rank));
  });
  return out;
}

// The array called name, in PyTorch's layout (row-major over its PyTorch shape).
template <class Net>
std::vector<typename Net::value_type> read_array(const Net& net, std::string_view name) {
  std::vector<typename Net::value_type> out;
  detail::with_torch_array(net, name, "read_array", [&](auto a) {
    out.resize(a.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = a.at(i);
  });
  return out;
}

// Sets the array called name from values in PyTorch's layout; a wrong name or size is
// std::invalid_argument and changes nothing.
template <class Net>
void write_array(Net& net, std::string_view name, std::span<const typename Net::value_type> values) {
  detail::with_torch_array(net, name, "write_array", [&](auto a) {
    detail::check_size(a, std::string(name), values.size(), "write_array");
    for (std::size_t i = 0; i < values.size(); ++i) a.at(i) = values[i];
  });
}

// The same by entry index and the array's own name: write_array<3>(net, "weight", values).
template <std::size_t I, class Net>
void write_array(Net& net, std::string_view array, std::span<const typename Net::value_type> values) {
  write_array(net, module_name<Net, I>() + "." + std::string(array), values);
}
template <std::size_t I, class Net>
std::vector<typename Net::value_type> read_array(const Net& net, std::string_view array) {
  return read_array(net, module_name<Net, I>() + "." + std::string(array));
}

}  // namespace nerve
