// nerve/train/sampling.hpp: choosing the next token from a model's output.
//
//   greedy(scores)                       the index of the largest score (logits or probabilities);
//   Sampler{Seed, SamplingOptions}       draws an index at random, with a temperature and top-k,
//                                        from logits or from probabilities, reproducibly;
//   sample_logits / sample_probabilities one draw with a Random of your own.
//
// The rule, for logits z (probabilities p are taken as z = log p, so p = 0 is never drawn):
// keep the top_k largest (all when unset; equal values by lower index), then draw index i with
// probability exp(z_i / T) / sum_j exp(z_j / T) over those kept: T = 1 is the model's own
// distribution, T -> 0 approaches greedy, T > 1 flattens it. As in PyTorch's and Hugging Face's
// generate(): logits / temperature, then top-k, then softmax and one multinomial draw.
// Probabilities need not sum to 1 (they are normalised). Each draw takes one uniform number
// from nerve::Random, so a seed gives the same tokens on every machine and standard library.
#pragma once

#include <algorithm>   // std::nth_element, std::sort
#include <cmath>       // std::exp, std::log, std::isnan, std::isfinite, INFINITY
#include <concepts>    // std::floating_point
#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint32_t
#include <limits>      // std::numeric_limits
#include <numeric>     // std::iota
#include <optional>
#include <ranges>      // std::ranges::contiguous_range, range_value_t, data, size
#include <span>
#include <stdexcept>   // std::invalid_argument
#include <string>
#include <type_traits>  // std::remove_cv_t
#include <vector>

#include "nerve/init/random.hpp"  // nerve::Random, nerve::Seed

namespace nerve {

struct SamplingOptions {
  // Divides the logits: above 0 and finite. Lower is more conservative, higher more random.
  double temperature = 1.0;
  // Draw only among the k most likely indices: 1 or more (1 is greedy); unset: all of them.
  // A k above the number of scores keeps them all.
  std::optional<std::size_t> top_k{};
};

// A contiguous range of float or double: std::vector, std::array, std::span, Tensor::flat().
template <class R>
concept ScoreRange = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                     std::floating_point<std::remove_cv_t<std::ranges::range_value_t<R>>>;

namespace detail {

inline void check_sampling_options(const SamplingOptions& o, const char* who) {
  if (!(o.temperature > 0.0) || !std::isfinite(o.temperature)) {
    throw std::invalid_argument(std::string(who) + ": temperature " +
                                std::to_string(o.temperature) +
                                " must be above 0 and finite (for the most likely index, use "
                                "greedy() or top_k = 1)");
  }
  if (o.top_k && *o.top_k == 0) {
    throw std::invalid_argument(std::string(who) +
                                ": top_k is 0, but at least 1 index must be kept (leave it "
                                "unset to keep all)");
  }
}

template <class T>
void check_scores(std::span<const T> x, bool logits, const char* who) {
  if (x.empty()) throw std::invalid_argument(std::string(who) + ": no scores to choose from");
  if (x.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument(std::string(who) + ": more scores than a token id can index");
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = static_cast<double>(x[i]);
    const bool bad = logits ? (std::isnan(v) || v == INFINITY) : !(v >= 0.0 && std::isfinite(v));
    if (bad) {
      throw std::invalid_argument(std::string(who) + ": " + (logits ? "logit " : "probability ") +
                                  std::to_string(v) + " at index " + std::to_string(i) +
                                  (logits ? " (logits must not be NaN or +infinity; -infinity "
                                            "masks an index out)"
                                          : " (probabilities must be finite and not negative)"));
    }
  }
}

// One draw. `weights` and `order` are scratch space, reused between calls.
template <class T>
std::uint32_t sample(std::span<const T> x, bool logits, const SamplingOptions& o, Random& random,
                     std::vector<double>& weights, std::vector<std::uint32_t>& order,
                     const char* who) {
  check_sampling_options(o, who);
  check_scores(x, logits, who);
  const std::size_t n = x.size();
  auto score = [&](std::uint32_t i) -> double {  // the logit, or log p
    const double v = static_cast<double>(x[i]);
    return logits ? v : (v > 0.0 ? std::log(v) : -INFINITY);
  };

  order.resize(n);
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  std::size_t kept = n;
  if (o.top_k && *o.top_k < n) {
    kept = *o.top_k;
    // The k best under a strict order (larger score, then lower index) are one fixed set.
    auto better = [&](std::uint32_t a, std::uint32_t b) {
      const double sa = static_cast<double>(x[a]), sb = static_cast<double>(x[b]);
      return sa != sb ? sa > sb : a < b;
    };
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kept - 1),
                     order.end(), better);
    std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kept));
  }

  double top = -INFINITY;
  for (std::size_t j = 0; j < kept; ++j) top = std::max(top, score(order[j]));
  if (top == -INFINITY) {
    throw std::invalid_argument(std::string(who) + ": every index " +
                                (kept < n ? "kept by top_k " : "") +
                                "has probability 0 (all logits -infinity, or all probabilities 0)");
  }
  weights.resize(kept);
  double total = 0.0;
  for (std::size_t j = 0; j < kept; ++j) {
    const double s = score(order[j]);
    weights[j] = s == -INFINITY ? 0.0 : std::exp((s - top) / o.temperature);
    total += weights[j];
  }
  const double u = random.uniform() * total;
  double sum = 0.0;
  std::size_t last = 0;
  for (std::size_t j = 0; j < kept; ++j) {
    if (weights[j] == 0.0) continue;
    sum += weights[j];
    last = j;
    if (u < sum) return order[j];
  }
  return order[last];  // u within rounding of the total
}

template <ScoreRange R>
auto as_span(const R& r) {
  using T = std::remove_cv_t<std::ranges::range_value_t<R>>;
  return std::span<const T>(std::ranges::data(r), std::ranges::size(r));
}

}  // namespace detail

// The index of the largest score (the lowest such index on ties): the model's most likely
// token, from logits or probabilities alike. Empty or NaN scores are std::invalid_argument.
template <ScoreRange R>
std::uint32_t greedy(const R& scores) {
  const auto x = detail::as_span(scores);
  if (x.empty()) throw std::invalid_argument("greedy: no scores to choose from");
  std::size_t best = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(static_cast<double>(x[i]))) {
      throw std::invalid_argument("greedy: NaN at index " + std::to_string(i));
    }
    if (x[i] > x[best]) best = i;
  }
  return static_cast<std::uint32_t>(best);
}

// Draws token indices reproducibly: the same seed, options and scores give the same indices.
// It keeps its scratch space, so after the first draw of a given size it allocates nothing.
class Sampler {
 public:
  explicit Sampler(Seed seed, SamplingOptions options = {}) : random_(seed), options_(options) {
    detail::check_sampling_options(options_, "Sampler");
  }

  // An index drawn from logits (any real numbers; -infinity masks an index out).
  template <ScoreRange R>
  std::uint32_t from_logits(const R& logits) {
    return detail::sample(detail::as_span(logits), true, options_, random_, weights_, order_,
                          "Sampler::from_logits");
  }
  // An index drawn from probabilities (>= 0, not all 0; normalised here).
  template <ScoreRange R>
  std::uint32_t from_probabilities(const R& probabilities) {
    return detail::sample(detail::as_span(probabilities), false, options_, random_, weights_,
                          order_, "Sampler::from_probabilities");
  }

  const SamplingOptions& options() const noexcept { return options_; }
  // New options for the next draws (checked); the random stream goes on.
  void set_options(const SamplingOptions& options) {
    detail::check_sampling_options(options, "Sampler::set_options");
    options_ = options;
  }
  // Starts the random stream again from a seed.
  void reseed(Seed seed) noexcept { random_ = Random(seed); }
  Random& random() noexcept { return random_; }

 private:
  Random random_;
  SamplingOptions options_;
  std::vector<double> weights_;
  std::vector<std::uint32_t> order_;
};

// One draw from logits with your own Random (allocates its scratch space each time).
template <ScoreRange R>
std::uint32_t sample_logits(const R& logits, Random& random, const SamplingOptions& options = {}) {
  std::vector<double> weights;
  std::vector<std::uint32_t> order;
  return detail::sample(detail::as_span(logits), true, options, random, weights, order,
                        "sample_logits");
}

// One draw from probabilities with your own Random (allocates its scratch space each time).
template <ScoreRange R>
std::uint32_t sample_probabilities(const R& probabilities, Random& random,
                                   const SamplingOptions& options = {}) {
  std::vector<double> weights;
  std::vector<std::uint32_t> order;
  return detail::sample(detail::as_span(probabilities), false, options, random, weights, order,
                        "sample_probabilities");
}

}  // namespace nerve
