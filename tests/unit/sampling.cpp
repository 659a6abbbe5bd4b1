// Sampling the next token: greedy, temperature, top-k, from logits or probabilities; argument
// checks; reproducibility from a seed; and statistics over many draws with fixed seeds (each
// empirical frequency within 5 standard errors of its probability, so a correct sampler fails
// less than once in a million runs and a wrong distribution fails at once).
#include <catch2/catch.hpp>

#include <nerve/train/sampling.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <vector>

using namespace nerve;
using Catch::Matchers::Contains;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// Frequencies of each index over `draws` draws of `draw()`.
template <class F>
std::vector<double> frequencies(std::size_t n, std::size_t draws, F&& draw) {
  std::vector<double> counts(n, 0.0);
  for (std::size_t i = 0; i < draws; ++i) counts.at(draw()) += 1.0;
  for (double& c : counts) c /= static_cast<double>(draws);
  return counts;
}

// Each frequency within 5 standard errors of its probability (an index of probability 0 must
// never be drawn).
void check_close(const std::vector<double>& freq, const std::vector<double>& p, std::size_t draws) {
  REQUIRE(freq.size() == p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    INFO("index " << i << ": frequency " << freq[i] << ", probability " << p[i]);
    if (p[i] == 0.0) {
      CHECK(freq[i] == 0.0);
    } else {
      CHECK(std::abs(freq[i] - p[i]) <= 5.0 * std::sqrt(p[i] * (1.0 - p[i]) / static_cast<double>(draws)));
    }
  }
}

std::vector<double> normalised(std::vector<double> w) {
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  for (double& x : w) x /= total;
  return w;
}

std::string invalid_argument_of(auto&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("no std::invalid_argument was thrown");
  return {};
}

}  // namespace

TEST_CASE("greedy: the largest score, the lowest index on ties", "[sampling]") {
  CHECK(greedy(std::vector<float>{0.1f, 2.0f, -1.0f, 2.0f}) == 1);
  CHECK(greedy(std::array<double, 3>{0.2, 0.3, 0.5}) == 2);
  CHECK(greedy(std::vector<double>{-inf, -3.0}) == 1);
  const std::vector<float> one{7.0f};
  CHECK(greedy(std::span<const float>(one)) == 0);
  CHECK_THROWS_AS(greedy(std::vector<float>{}), std::invalid_argument);
  CHECK_THAT(invalid_argument_of([] { greedy(std::vector<double>{1.0, std::nan("")}); }),
             Contains("NaN at index 1"));
}

TEST_CASE("Sampler: bad options and bad scores are std::invalid_argument", "[sampling]") {
  CHECK_THAT(invalid_argument_of([] { Sampler(Seed{1}, {.temperature = 0.0}); }),
             Contains("temperature 0.000000 must be above 0"));
  CHECK_THROWS_AS(Sampler(Seed{1}, {.temperature = -1.0}), std::invalid_argument);
  CHECK_THROWS_AS(Sampler(Seed{1}, {.temperature = std::nan("")}), std::invalid_argument);
  CHECK_THROWS_AS(Sampler(Seed{1}, {.temperature = inf}), std::invalid_argument);
  CHECK_THAT(invalid_argument_of([] { Sampler(Seed{1}, {.top_k = 0}); }), Contains("top_k is 0"));
  Sampler ok(Seed{1});
  CHECK_THROWS_AS(ok.set_options({.top_k = 0}), std::invalid_argument);
  Random random(Seed{1});
  CHECK_THROWS_AS(sample_logits(std::vector<float>{1.0f}, random, {.temperature = 0.0}),
                  std::invalid_argument);

  CHECK_THAT(invalid_argument_of([&] { ok.from_logits(std::vector<float>{}); }),
             Contains("no scores"));
  CHECK_THAT(invalid_argument_of([&] { ok.from_logits(std::vector<double>{0.0, std::nan("")}); }),
             Contains("at index 1"));
  CHECK_THROWS_AS(ok.from_logits(std::vector<double>{0.0, inf}), std::invalid_argument);
  CHECK_THROWS_AS(ok.from_logits(std::vector<double>{-inf, -inf}), std::invalid_argument);
  CHECK_THAT(invalid_argument_of([&] { ok.from_probabilities(std::vector<float>{0.5f, -0.1f}); }),
             Contains("probability -0.100000 at index 1"));
  CHECK_THROWS_AS(ok.from_probabilities(std::vector<double>{0.0, 0.0}), std::invalid_argument);
  CHECK_THROWS_AS(ok.from_probabilities(std::vector<double>{0.5, inf}), std::invalid_argument);
  // top-k keeps only indices of probability 0 here: nothing can be drawn.
  Sampler top1(Seed{1}, {.top_k = 1});
  CHECK_NOTHROW(top1.from_probabilities(std::vector<double>{0.0, 1.0}));
  CHECK_THROWS_AS(top1.from_logits(std::vector<double>{-inf, -inf, -inf}), std::invalid_argument);
}

TEST_CASE("Sampler: the same seed gives the same tokens", "[sampling]") {
  const std::vector<float> logits{0.3f, -1.2f, 2.0f, 0.0f, 1.1f, -0.5f, 0.9f};
  for (SamplingOptions options : {SamplingOptions{}, SamplingOptions{.temperature = 0.7, .top_k = 3}}) {
    Sampler a(Seed{42}, options), b(Seed{42}, options), c(Seed{43}, options);
    std::vector<std::uint32_t> xs, ys, zs;
    for (int i = 0; i < 500; ++i) {
      xs.push_back(a.from_logits(logits));
      ys.push_back(b.from_logits(logits));
      zs.push_back(c.from_logits(logits));
    }
    CHECK(xs == ys);
    CHECK(xs != zs);
    // The free function with a Random of the same seed draws the same.
    Random random(Seed{42});
    std::vector<std::uint32_t> ws;
    for (int i = 0; i < 500; ++i) ws.push_back(sample_logits(logits, random, options));
    CHECK(ws == xs);
    // reseed starts again.
    a.reseed(Seed{42});
    CHECK(a.from_logits(logits) == xs.front());
  }
}

TEST_CASE("Sampler: temperature 1 draws the given distribution", "[sampling]") {
  const std::vector<double> p{0.5, 0.25, 0.15, 0.1, 0.0};
  constexpr std::size_t draws = 200000;
  SECTION("from probabilities") {
    Sampler s(Seed{11});
    check_close(frequencies(p.size(), draws, [&] { return s.from_probabilities(p); }), p, draws);
  }
  SECTION("from probabilities that do not sum to 1") {
    std::vector<float> scaled;
    for (double x : p) scaled.push_back(static_cast<float>(3.0 * x));
    Sampler s(Seed{12});
    check_close(frequencies(p.size(), draws, [&] { return s.from_probabilities(scaled); }), p, draws);
  }
  SECTION("from logits: softmax(z) for any shift of z") {
    std::vector<double> logits;
    for (double x : p) logits.push_back(x > 0 ? std::log(x) + 17.0 : -inf);
    Sampler s(Seed{13});
    check_close(frequencies(p.size(), draws, [&] { return s.from_logits(logits); }), p, draws);
  }
}

TEST_CASE("Sampler: temperature reshapes the distribution as softmax(z / T)", "[sampling]") {
  const std::vector<double> z{1.0, 0.0, -0.5, 2.0};
  constexpr std::size_t draws = 200000;
  for (double t : {0.5, 2.0}) {
    INFO("temperature " << t);
    std::vector<double> expected;
    for (double x : z) expected.push_back(std::exp(x / t));
    expected = normalised(expected);
    Sampler s(Seed{21}, {.temperature = t});
    check_close(frequencies(z.size(), draws, [&] { return s.from_logits(z); }), expected, draws);
    // From probabilities p = softmax(z): p^(1/T), normalised.
    std::vector<double> p;
    for (double x : z) p.push_back(std::exp(x));
    p = normalised(p);
    Sampler q(Seed{22}, {.temperature = t});
    check_close(frequencies(z.size(), draws, [&] { return q.from_probabilities(p); }), expected, draws);
  }
}

TEST_CASE("Sampler: temperature towards 0 approaches greedy", "[sampling]") {
  const std::vector<float> logits{1.0f, 1.5f, 0.2f, 1.45f};
  const std::uint32_t best = greedy(logits);
  std::vector<double> share_of_best;
  for (double t : {1.0, 0.3, 0.1, 0.01, 1e-4}) {
    Sampler s(Seed{31}, {.temperature = t});
    const auto f = frequencies(logits.size(), 20000, [&] { return s.from_logits(logits); });
    share_of_best.push_back(f[best]);
  }
  INFO("share of the best index at T = 1, 0.3, 0.1, 0.01, 1e-4");
  CHECK(std::is_sorted(share_of_best.begin(), share_of_best.end()));
  CHECK(share_of_best[0] < 0.5);
  CHECK(share_of_best.back() == 1.0);  // exp(-0.05 / 1e-4) is 0 in double
}

TEST_CASE("Sampler: top-k never draws outside the k largest", "[sampling]") {
  // 50 logits from a fixed seed; many draws for each k.
  Random values(Seed{5});
  std::vector<float> logits(50);
  for (float& x : logits) x = static_cast<float>(values.normal());
  std::vector<std::uint32_t> by_score(logits.size());
  std::iota(by_score.begin(), by_score.end(), 0u);
  std::sort(by_score.begin(), by_score.end(), [&](auto a, auto b) { return logits[a] > logits[b]; });

  for (std::size_t k : {1, 2, 3, 10, 49}) {
    INFO("k = " << k);
    const std::set<std::uint32_t> allowed(by_score.begin(), by_score.begin() + static_cast<long>(k));
    Sampler s(Seed{k}, {.temperature = 3.0, .top_k = k});  // hot: the tail would be drawn often
    std::set<std::uint32_t> seen;
    for (int i = 0; i < 20000; ++i) seen.insert(s.from_logits(logits));
    CHECK(std::includes(allowed.begin(), allowed.end(), seen.begin(), seen.end()));
    CHECK(seen.size() == k);  // and every one of the k is drawn
  }
  SECTION("k = 1 is greedy; k above the size keeps all") {
    Sampler one(Seed{1}, {.top_k = 1});
    for (int i = 0; i < 100; ++i) CHECK(one.from_logits(logits) == greedy(logits));
    Sampler all(Seed{2}, {.temperature = 5.0, .top_k = 1000});
    std::set<std::uint32_t> seen;
    for (int i = 0; i < 20000; ++i) seen.insert(all.from_logits(logits));
    CHECK(seen.size() == logits.size());
  }
  SECTION("ties at the k-th place go to the lower index") {
    const std::vector<double> tied{1.0, 2.0, 1.0, 1.0};
    Sampler s(Seed{3}, {.temperature = 10.0, .top_k = 2});
    std::set<std::uint32_t> seen;
    for (int i = 0; i < 2000; ++i) seen.insert(s.from_logits(tied));
    CHECK(seen == std::set<std::uint32_t>{0, 1});
  }
  SECTION("the kept ones keep their relative probabilities") {
    const std::vector<double> p{0.1, 0.4, 0.3, 0.2};
    Sampler s(Seed{4}, {.top_k = 2});
    constexpr std::size_t draws = 100000;
    check_close(frequencies(p.size(), draws, [&] { return s.from_probabilities(p); }),
                {0.0, 4.0 / 7.0, 3.0 / 7.0, 0.0}, draws);
  }
}
