// tests/support/random_values.hpp: seeded random values for tests: plain vectors, and a network
// entry's parameters moved off their start (so that a layer's identity start hides no bug).
#pragma once

#include <nerve/nerve.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nerve_test {

// n values of U(low, high) as T, from a seed.
template <class T>
std::vector<T> uniform_values(std::size_t n, std::uint64_t seed, double low, double high) {
  nerve::Random rng(nerve::Seed{seed});
  std::vector<T> v(n);
  for (auto& e : v) e = static_cast<T>(rng.uniform(low, high));
  return v;
}

// Every value of every array of entry I drawn from U(low, high).
template <std::size_t I, class Net>
void perturb(Net& net, double low, double high, std::uint64_t seed) {
  nerve::Random rng(nerve::Seed{seed});
  net.template parameters<I>().for_each([&](const char*, auto& t) {
    for (std::size_t e = 0; e < t.size; ++e) t.data()[e] = rng.uniform(low, high);
  });
}

// The (weight, bias) of a normalisation layer at entry I: weight in [0.5, 1.5], bias in
// [-0.5, 0.5], so that its affine part is not the identity.
template <std::size_t I, class Net>
void perturb_weight_and_bias(Net& net, std::uint64_t seed) {
  using T = typename Net::value_type;
  auto& p = net.template parameters<I>();
  const auto w = uniform_values<T>(p.weight.size, seed, 0.5, 1.5);
  const auto b = uniform_values<T>(p.bias.size, seed + 1, -0.5, 0.5);
  std::copy(w.begin(), w.end(), p.weight.data());
  std::copy(b.begin(), b.end(), p.bias.data());
}

}  // namespace nerve_test
