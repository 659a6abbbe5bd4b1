// nerve/train/split.hpp: a training / held-out split of N items (documents, fortunes, samples),
// deterministic from a Seed.
//
//   split_indices(n, fraction, seed)           round(n * fraction) items held out, at random;
//   stratified_split(labels, fraction, seed)   the same within each label, so every class keeps
//                                              its share on both sides (a classifier's split);
//   select(items, indices)                     copies of the chosen items, in index order.
// Both parts list their indices in increasing order, so documents keep their order in the
// source. The same (n or labels, fraction, seed) gives the same split on every machine and
// standard library (nerve::Random, not <random>).
#pragma once

#include <algorithm>   // std::sort
#include <cmath>       // std::floor, std::isfinite
#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint32_t, std::uint64_t
#include <numeric>     // std::iota
#include <span>
#include <stdexcept>   // std::invalid_argument, std::out_of_range
#include <string>
#include <utility>     // std::move
#include <vector>

#include "nerve/init/random.hpp"  // nerve::Random, nerve::Seed

namespace nerve {

struct Split {
  std::vector<std::size_t> train;     // increasing
  std::vector<std::size_t> held_out;  // increasing
};

namespace detail {

inline void check_fraction(double fraction, const char* who) {
  if (!(fraction >= 0.0 && fraction < 1.0)) {  // also rejects NaN
    throw std::invalid_argument(std::string(who) + ": held_out_fraction " +
                                std::to_string(fraction) + " is not in [0, 1)");
  }
}

// How many of n items to hold out: n * fraction rounded to nearest, but at least one when the
// fraction is above 0, and never all of them, when n >= 2.
inline std::size_t held_out_count(std::size_t n, double fraction) {
  auto k = static_cast<std::size_t>(std::floor(static_cast<double>(n) * fraction + 0.5));
  if (n >= 2 && fraction > 0.0) k = std::clamp<std::size_t>(k, 1, n - 1);
  return std::min(k, n);
}

// Holds out `k` of `members` (in place order), drawing from `random`.
inline void split_group(std::vector<std::size_t> members, std::size_t k, Random& random,
                        Split& out) {
  random.shuffle(members.begin(), members.size());
  out.held_out.insert(out.held_out.end(), members.begin(), members.begin() + k);
  out.train.insert(out.train.end(), members.begin() + k, members.end());
}

}  // namespace detail

// Holds out round(n * held_out_fraction) of n items, chosen at random from the seed (at least
// one and never all, when n >= 2 and the fraction is above 0). A fraction outside [0, 1) is
// std::invalid_argument.
inline Split split_indices(std::size_t n, double held_out_fraction, Seed seed) {
  detail::check_fraction(held_out_fraction, "split_indices");
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  Random random(seed);
  Split out;
  detail::split_group(std::move(all), detail::held_out_count(n, held_out_fraction), random, out);
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.held_out.begin(), out.held_out.end());
  return out;
}

// As split_indices, within each label separately: the items of label c are split with the
// fraction, so a class of n_c items puts about n_c * fraction on the held-out side (a class
// with one item goes to training).
inline Split stratified_split(std::span<const std::uint32_t> labels, double held_out_fraction,
                              Seed seed) {
  detail::check_fraction(held_out_fraction, "stratified_split");
  std::uint32_t classes = 0;
  for (std::uint32_t l : labels) classes = std::max(classes, l + 1);
  std::vector<std::vector<std::size_t>> groups(classes);
  for (std::size_t i = 0; i < labels.size(); ++i) groups[labels[i]].push_back(i);
  Random random(seed);
  Split out;
  for (auto& g : groups) {
    const std::size_t k = detail::held_out_count(g.size(), held_out_fraction);
    detail::split_group(std::move(g), k, random, out);
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.held_out.begin(), out.held_out.end());
  return out;
}

// Copies of items[i] for each i of indices, in that order; std::out_of_range past the end.
template <class T>
std::vector<T> select(std::span<const T> items, std::span<const std::size_t> indices) {
  std::vector<T> out;
  out.reserve(indices.size());
  for (std::size_t i : indices) {
    if (i >= items.size()) {
      throw std::out_of_range("select: index " + std::to_string(i) + " is past the end of " +
                              std::to_string(items.size()) + " items");
    }
    out.push_back(items[i]);
  }
  return out;
}
template <class T>
std::vector<T> select(const std::vector<T>& items, std::span<const std::size_t> indices) {
  return select(std::span<const T>(items), indices);
}

}  // namespace nerve
