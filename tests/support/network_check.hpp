// tests/support/network_check.hpp: finite-difference gradient checks and plain-loop references
// for whole networks, shared by the gradient-check and reference tests.
#pragma once

#include <nerve/nerve.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace nerve_test {

// f(entry index, array index j, tensor) for every trainable array of a parameter tuple.
// (Plain function templates: g++ 12 fails on nested template lambdas here.)
template <std::size_t I, class Arrays, class F, std::size_t... J>
void for_each_array_of([[maybe_unused]] Arrays arrays, F& f, std::index_sequence<J...>) {
  (f(I, J, std::get<J>(arrays)), ...);
}
template <class Tuple, class F, std::size_t... I>
void for_each_array_in(Tuple& params, F& f, std::index_sequence<I...>) {
  (for_each_array_of<I>(std::get<I>(params).arrays(), f,
                        std::make_index_sequence<std::tuple_size_v<
                            decltype(std::get<I>(params).arrays())>>{}),
   ...);
}
template <class Tuple, class F>
void for_each_array(Tuple& params, F&& f) {
  for_each_array_in(params, f, std::make_index_sequence<std::tuple_size_v<Tuple>>{});
}

struct gradcheck_result {
  double worst_relative_error = 0;  // over entries whose gradient is not ~0 on both sides
  double largest_gradient = 0;
  std::size_t checked = 0;
  std::string worst_where;
};

// Compares every parameter gradient of one batch against central differences of the loss.
// Relative error |fd - g| / max(|fd| + |g|, 1e-4): below 1e-4 the difference quotient's own
// rounding (about 1e-10 here) would dominate, so there the error is measured absolutely.
template <class Trainer, class Target>
gradcheck_result gradcheck(Trainer& trainer, const std::vector<double>& X, const Target* targets,
                           double h = 1e-6) {
  constexpr std::size_t K = Trainer::inputs;
  trainer.compute_gradients(X.data(), K, targets);
  auto grads = trainer.gradients();  // a copy: batch_loss below reuses the workspace only
  gradcheck_result r;
  auto& params = trainer.network().parameter_arrays();
  std::vector<std::tuple<std::size_t, std::size_t, double*, const double*, std::size_t>> arrays;
  for_each_array(params, [&](std::size_t i, std::size_t j, auto& t) {
    arrays.emplace_back(i, j, t.data(), nullptr, t.size);
  });
  std::size_t n = 0;
  for_each_array(grads, [&](std::size_t, std::size_t, auto& t) { std::get<3>(arrays[n++]) = t.data(); });
  for (auto& [entry, which, p, g, size] : arrays) {
    for (std::size_t e = 0; e < size; ++e) {
      const double old = p[e];
      p[e] = old + h;
      const double up = trainer.batch_loss(X.data(), K, targets, nullptr);
      p[e] = old - h;
      const double down = trainer.batch_loss(X.data(), K, targets, nullptr);
      p[e] = old;
      const double fd = (up - down) / (2 * h);
      const double scale = std::abs(fd) + std::abs(g[e]);
      r.largest_gradient = std::max(r.largest_gradient, std::abs(g[e]));
      if (scale < 1e-7) continue;
      ++r.checked;
      const double err = std::abs(fd - g[e]) / std::max(scale, 1e-4);
      if (err > r.worst_relative_error) {
        r.worst_relative_error = err;
        r.worst_where = "entry " + std::to_string(entry) + " array " + std::to_string(which) +
                        " element " + std::to_string(e) + ": analytic " + std::to_string(g[e]) +
                        " finite difference " + std::to_string(fd);
      }
    }
  }
  return r;
}

inline std::vector<double> random_inputs(std::size_t n, std::uint64_t seed) {
  nerve::Random rng(nerve::Seed{seed});
  std::vector<double> v(n);
  for (auto& x : v) x = rng.uniform(-1.0, 1.0);
  return v;
}

}  // namespace nerve_test
