// The baselines of the text examples (examples/text_baselines.hpp): the Kneser-Ney trigram
// model against values worked out by hand, each of its conditional distributions summing to 1
// over the whole vocabulary with every probability positive, bits per symbol of a uniform
// source near log2 V and of a periodic one near 0; the majority class; naive Bayes against
// hand-computed scores.
#include <catch2/catch.hpp>

#include "../../examples/text_baselines.hpp"

#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

using namespace example::baselines;

namespace {

// `n` ids drawn uniformly from [0, v) (std::mt19937's output is fixed by the standard).
std::vector<std::uint32_t> uniform_ids(std::size_t n, std::uint32_t v, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<std::uint32_t> ids(n);
  for (auto& id : ids) id = static_cast<std::uint32_t>(random() % v);
  return ids;
}

// A skewed, order-dependent sequence over ids 1 to 5 of a vocabulary of 7: id 0 (unknown) and
// id 6 never occur, some pairs never occur, some trigrams once or twice (so the estimated
// discounts differ from one another and from 0.75).
std::vector<std::uint32_t> skewed_ids(std::size_t n) {
  std::mt19937 random(7);
  std::vector<std::uint32_t> ids{1, 2};
  while (ids.size() < n) {
    const std::uint32_t a = ids[ids.size() - 2], b = ids[ids.size() - 1];
    const std::uint32_t r = random() % 16;
    std::uint32_t next = r < 8 ? (a + b) % 5 + 1 : r < 12 ? b : r < 15 ? 1 + r % 5 : 5;
    if (b == 3 && next == 4) next = 2;  // the pair 3 4 never occurs
    ids.push_back(next);
  }
  return ids;
}

// Every conditional distribution of the model over all V symbols: sums to 1, all positive.
void check_normalised(const TrigramModel& model) {
  const auto v = static_cast<std::uint32_t>(model.vocabulary());
  double unigram = 0.0;
  for (std::uint32_t c = 0; c < v; ++c) {
    CHECK(model.unigram_probability(c) > 0.0);
    unigram += model.unigram_probability(c);
  }
  CHECK(unigram == Approx(1.0).margin(1e-12));
  for (std::uint32_t b = 0; b < v; ++b) {
    double bigram = 0.0;
    for (std::uint32_t c = 0; c < v; ++c) {
      CHECK(model.bigram_probability(b, c) > 0.0);
      bigram += model.bigram_probability(b, c);
    }
    INFO("context b=" << b);
    CHECK(bigram == Approx(1.0).margin(1e-12));
  }
  for (std::uint32_t a = 0; a < v; ++a)
    for (std::uint32_t b = 0; b < v; ++b) {
      double trigram = 0.0;
      for (std::uint32_t c = 0; c < v; ++c) {
        CHECK(model.probability(a, b, c) > 0.0);
        trigram += model.probability(a, b, c);
      }
      INFO("context a=" << a << " b=" << b);
      CHECK(trigram == Approx(1.0).margin(1e-12));
    }
}

}  // namespace

TEST_CASE("TrigramModel: Kneser-Ney values of \"abababab\" worked out by hand", "[text][baselines]") {
  // a = 1, b = 2, V = 3 (id 0 unused), D = 0.75 at every order. Trigrams: aba 3 times, bab 3.
  // Continuation counts: N(.ba) = 1 (only a before ba), N(.ab) = 1; N(.a) = 1, N(.b) = 1.
  //   p1(a) = p1(b) = (1 - .75)/2 + .75 * 2/2 * 1/3 = 0.375;  p1(0) = .75 * 2/2 * 1/3 = 0.25
  //   p2(a | b) = (1 - .75)/1 + .75 * 1/1 * p1(a) = 0.53125;  p2(b | b) = .75 * .375 = 0.28125
  //   p2(0 | b) = .75 * .25 = 0.1875
  //   p3(a | a,b) = (3 - .75)/3 + .75 * 1/3 * p2(a | b) = 0.75 + 0.25 * 0.53125 = 0.8828125
  //   p3(b | a,b) = 0.25 * 0.28125 = 0.0703125;  p3(0 | a,b) = 0.25 * 0.1875 = 0.046875
  // Context a,a never occurs: p3(. | a,a) = p2(. | a); context 0,0 neither, nor 0 as a b:
  // p3(. | 0,0) = p2(. | 0) = p1(.).
  const std::vector<std::uint32_t> ids{1, 2, 1, 2, 1, 2, 1, 2};
  TrigramModel model;
  model.fit(ids, 3, 0.75);
  CHECK(model.trigram_types() == 2);
  CHECK(model.unigram_probability(1) == Approx(0.375));
  CHECK(model.unigram_probability(2) == Approx(0.375));
  CHECK(model.unigram_probability(0) == Approx(0.25));
  CHECK(model.bigram_probability(2, 1) == Approx(0.53125));
  CHECK(model.bigram_probability(2, 2) == Approx(0.28125));
  CHECK(model.bigram_probability(2, 0) == Approx(0.1875));
  CHECK(model.probability(1, 2, 1) == Approx(0.8828125));
  CHECK(model.probability(1, 2, 2) == Approx(0.0703125));
  CHECK(model.probability(1, 2, 0) == Approx(0.046875));
  CHECK(model.probability(2, 1, 2) == Approx(0.8828125));  // the same by symmetry
  CHECK(model.probability(1, 1, 2) == Approx(model.bigram_probability(1, 2)));
  CHECK(model.bigram_probability(1, 2) == Approx(0.53125));
  CHECK(model.probability(0, 0, 1) == Approx(0.375));
  check_normalised(model);

  // The held-out text continues the training text: its first symbol conditions on "a b".
  const std::vector<std::uint32_t> next{1};
  CHECK(model.bits_per_symbol(next) == Approx(-std::log2(0.8828125)));
  const std::vector<std::uint32_t> two{1, 1};  // then "b a" -> a: p3(a | b,a) = 0.0703125
  CHECK(model.bits_per_symbol(two) ==
        Approx((-std::log2(0.8828125) - std::log2(0.0703125)) / 2.0));

  // Estimated discounts: the trigram counts are 3 and 3 (no singleton: 0.75), the
  // continuation counts all 1 (n1 / (n1 + 2 n2) = 1).
  TrigramModel estimated;
  estimated.fit(ids, 3);
  CHECK(estimated.discounts().trigram == 0.75);
  CHECK(estimated.discounts().bigram == 1.0);
  CHECK(estimated.discounts().unigram == 1.0);
  check_normalised(estimated);
}

TEST_CASE("TrigramModel: the discount estimate n1 / (n1 + 2 n2)", "[text][baselines]") {
  const std::vector<std::uint32_t> counts{1, 1, 1, 2, 5, 0};
  CHECK(detail::estimate_discount(counts, 0.75) == Approx(3.0 / 5.0));
  const std::vector<std::uint32_t> no_singletons{2, 3};
  CHECK(detail::estimate_discount(no_singletons, 0.75) == 0.75);
}

TEST_CASE("TrigramModel: every distribution sums to 1 over the vocabulary, all positive",
          "[text][baselines]") {
  const std::vector<std::uint32_t> ids = skewed_ids(5000);
  TrigramModel model;
  SECTION("estimated discounts") {
    model.fit(ids, 7);
    const auto& d = model.discounts();
    CHECK(d.trigram > 0.0);  // estimated, so not all the fallback
    CHECK(d.trigram <= 1.0);
    CHECK(d.trigram != 0.75);
    CHECK(d.bigram > 0.0);
    CHECK(d.bigram <= 1.0);
    CHECK(d.unigram > 0.0);
    CHECK(d.unigram <= 1.0);
    check_normalised(model);
  }
  SECTION("a fixed discount") {
    model.fit(ids, 7, 0.5);
    check_normalised(model);
  }
  SECTION("a training text too short for any trigram: the uniform distribution") {
    const std::vector<std::uint32_t> short_ids{3, 4};
    model.fit(short_ids, 7);
    CHECK(model.probability(3, 4, 5) == Approx(1.0 / 7.0));
    check_normalised(model);
    const std::vector<std::uint32_t> held_out{1, 2, 3};
    CHECK(model.bits_per_symbol(held_out) == Approx(std::log2(7.0)));
  }
}

TEST_CASE("TrigramModel: bits per symbol of a uniform source near log2 V, of a periodic one near 0",
          "[text][baselines]") {
  TrigramModel model;
  model.fit(uniform_ids(300000, 16, 1), 16);
  const double bits = model.bits_per_symbol(uniform_ids(30000, 16, 2));
  // Held-out cross-entropy is the source's entropy (4 bits) plus the model's divergence from
  // it, small with about 1200 occurrences of each context.
  CHECK(bits > 4.0 - 0.01);
  CHECK(bits < 4.0 + 0.03);

  std::vector<std::uint32_t> periodic;
  for (int i = 0; i < 3000; ++i) periodic.push_back(static_cast<std::uint32_t>(1 + i % 5));
  model.fit(periodic, 8);
  const std::vector<std::uint32_t> next{1, 2, 3, 4, 5, 1, 2};  // training ended on 4, 5
  CHECK(model.bits_per_symbol(next) < 0.01);
  const std::vector<std::uint32_t> unknown{0, 7};  // never seen: costly, but finite
  const double surprise = model.bits_per_symbol(unknown);
  CHECK(std::isfinite(surprise));
  CHECK(surprise > 5.0);
}

TEST_CASE("TrigramModel: argument checks", "[text][baselines]") {
  TrigramModel model;
  const std::vector<std::uint32_t> ids{1, 2, 3, 1, 2};
  CHECK_THROWS_AS(model.bits_per_symbol(ids), std::logic_error);  // not fitted
  CHECK_THROWS_AS(model.fit(ids, 3), std::invalid_argument);      // id 3 is not below 3
  CHECK_THROWS_AS(model.fit(ids, 4, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(model.fit(ids, 4, 1.5), std::invalid_argument);
  model.fit(ids, 4);
  const std::vector<std::uint32_t> outside{4};
  CHECK_THROWS_AS(model.bits_per_symbol(outside), std::invalid_argument);
  CHECK_THROWS_AS(model.bits_per_symbol(std::vector<std::uint32_t>{}), std::invalid_argument);
  CHECK_THROWS_AS(model.probability(1, 2, 4), std::invalid_argument);
}

TEST_CASE("majority_accuracy: the most frequent training label, on held-out labels",
          "[text][baselines]") {
  const std::vector<std::uint32_t> train{0, 1, 1, 2, 1, 0};
  CHECK(majority_class(train, 3) == 1);
  const std::vector<std::uint32_t> test{1, 1, 0, 2};
  CHECK(majority_accuracy(train, test, 3) == 0.5);
  const std::vector<std::uint32_t> tie{2, 0, 2, 0};  // a tie goes to the smaller label
  CHECK(majority_class(tie, 3) == 0);
  CHECK(majority_accuracy(tie, test, 3) == 0.25);
  CHECK_THROWS_AS(majority_accuracy(train, test, 2), std::invalid_argument);  // label 2
  CHECK_THROWS_AS(majority_accuracy({}, test, 3), std::invalid_argument);
}

TEST_CASE("BagOfCharacters: naive Bayes scores worked out by hand", "[text][baselines]") {
  // V = 3 (x = 1, y = 2), alpha = 1. Class 0: "xxy", "xx" -> counts (0, 4, 1) of 5,
  // theta0 = (1, 5, 2) / 8. Class 1: "yyx", "y" -> counts (0, 1, 3) of 4, theta1 = (1, 2, 4) / 7.
  // Priors 1/2 each. "xy": class 0 scores 5/8 * 2/8 = 0.15625, class 1 2/7 * 4/7 = 0.1633:
  // class 1, though "x" alone is class 0 (5/8 > 2/7) and the unknown id 0 class 1 (1/7 > 1/8).
  const std::vector<std::vector<std::uint32_t>> train{{1, 1, 2}, {1, 1}, {2, 2, 1}, {2}};
  const std::vector<std::uint32_t> labels{0, 0, 1, 1};
  BagOfCharacters model;
  model.fit(train, labels, 3, 2);
  const std::vector<std::uint32_t> xy{1, 2};
  const std::vector<double> scores = model.scores(xy);
  REQUIRE(scores.size() == 2);
  CHECK(scores[0] == Approx(std::log(0.5 * 5.0 / 8.0 * 2.0 / 8.0)));
  CHECK(scores[1] == Approx(std::log(0.5 * 2.0 / 7.0 * 4.0 / 7.0)));
  CHECK(model.predict(xy) == 1);
  CHECK(model.predict(std::vector<std::uint32_t>{1}) == 0);
  CHECK(model.predict(std::vector<std::uint32_t>{0}) == 1);
  const std::vector<std::vector<std::uint32_t>> test{{1, 1}, {2}, {1, 2}};
  const std::vector<std::uint32_t> test_labels{0, 1, 0};
  CHECK(model.accuracy(test, test_labels) == Approx(2.0 / 3.0));

  // The priors decide a document with no symbols: three documents of class 0, one of class 1.
  const std::vector<std::vector<std::uint32_t>> unbalanced{{1}, {1}, {2}, {2}};
  const std::vector<std::uint32_t> unbalanced_labels{0, 0, 0, 1};
  model.fit(unbalanced, unbalanced_labels, 3, 2);
  CHECK(model.predict(std::vector<std::uint32_t>{}) == 0);
  CHECK(model.scores(std::vector<std::uint32_t>{})[1] == Approx(std::log(0.25)));

  CHECK_THROWS_AS(model.fit(train, std::vector<std::uint32_t>{0, 1}, 3, 2), std::invalid_argument);
  CHECK_THROWS_AS(model.fit(train, labels, 2, 2), std::invalid_argument);  // id 2
  CHECK_THROWS_AS(model.accuracy(test, std::vector<std::uint32_t>{0}), std::invalid_argument);
}

TEST_CASE("BagOfCharacters: separates two sources by their symbol frequencies",
          "[text][baselines]") {
  // Class 0 draws ids 1-4 with ids 1, 2 three times as likely; class 1 favours 3, 4. Documents
  // of 40 symbols: naive Bayes is the Bayes-optimal rule here, so it is nearly always right.
  std::mt19937 random(3);
  auto document = [&](std::uint32_t k) {
    std::vector<std::uint32_t> doc(40);
    for (auto& id : doc) {
      const std::uint32_t r = random() % 8;  // 0-5 favoured pair, 6-7 the other
      const std::uint32_t favoured = k == 0 ? 1 : 3, other = k == 0 ? 3 : 1;
      id = r < 6 ? favoured + r % 2 : other + r % 2;
    }
    return doc;
  };
  std::vector<std::vector<std::uint32_t>> train, test;
  std::vector<std::uint32_t> train_labels, test_labels;
  for (int i = 0; i < 200; ++i) {
    const auto k = static_cast<std::uint32_t>(i % 2);
    train.push_back(document(k));
    train_labels.push_back(k);
    test.push_back(document(k));
    test_labels.push_back(k);
  }
  BagOfCharacters model;
  model.fit(train, train_labels, 5, 2);
  CHECK(model.accuracy(test, test_labels) > 0.97);
  CHECK(majority_accuracy(train_labels, test_labels, 2) == 0.5);
}
