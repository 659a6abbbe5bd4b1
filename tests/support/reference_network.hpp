// tests/support/reference_network.hpp: a network's forward pass in plain scalar loops, written
// from the layers' definitions and not from nerve's kernels: the oracle of the value tests.
#pragma once

#include <nerve/nerve.hpp>

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace nerve_test {

template <class L>
double reference_activation(double z) {
  if constexpr (std::is_same_v<L, nerve::ReLU>) return z > 0 ? z : 0;
  else if constexpr (std::is_same_v<L, nerve::Tanh>) return std::tanh(z);
  else if constexpr (std::is_same_v<L, nerve::Sigmoid>) return 1 / (1 + std::exp(-z));
  else if constexpr (requires { L::slope; }) return z > 0 ? z : L::slope * z;
  else return nerve::expr::apply(L::function, z);  // user expressions: nerve's scalar path
}

template <class Net, std::size_t I = 1>
void reference_forward_from(const Net& net, std::vector<double>& v) {
  if constexpr (I < Net::depth) {
    using L = typename Net::template entry<I>;
    if constexpr (requires { L::units; }) {
      const auto& p = net.template parameters<I>();
      std::vector<double> out(L::units);
      for (std::size_t m = 0; m < L::units; ++m) {
        double acc = 0;
        if constexpr (L::has_bias) acc = p.b(m);
        for (std::size_t k = 0; k < v.size(); ++k) acc += static_cast<double>(p.w(m, k)) * v[k];
        out[m] = acc;
      }
      v = out;
    } else if constexpr (std::is_same_v<L, nerve::Softmax>) {
      double peak = v[0], total = 0;
      for (double e : v) peak = e > peak ? e : peak;
      for (double& e : v) total += (e = std::exp(e - peak));
      for (double& e : v) e /= total;
    } else if constexpr (std::is_same_v<L, nerve::Flatten>) {
    } else {
      for (double& e : v) e = reference_activation<L>(e);
    }
    reference_forward_from<Net, I + 1>(net, v);
  }
}

template <class Net, class T>
std::vector<double> reference_forward(const Net& net, const T* input) {
  std::vector<double> v(input, input + Net::input_shape_t::size);
  reference_forward_from(net, v);
  return v;
}

}  // namespace nerve_test
