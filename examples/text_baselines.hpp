// examples/text_baselines.hpp: the baselines that the text examples of issue 8 must beat, on the
// same split as their models:
//   TrigramModel          a character trigram language model with interpolated Kneser-Ney
//                         smoothing down to a uniform distribution: held-out bits per symbol
//                         (what examples/char_lm.cpp compares its LSTM with);
//   majority_accuracy     the held-out accuracy of always answering the most frequent
//                         training label;
//   BagOfCharacters       multinomial naive Bayes over each document's symbol counts, add-alpha
//                         smoothing (alpha = 1) and class log-priors (what
//                         examples/text_classify.cpp compares its sequence classifier with).
// Token ids are std::uint32_t below a vocabulary size V (a nerve::Vocabulary's size(), id 0 the
// unknown symbol). Plain C++20, nothing from nerve, so the figures do not depend on the library
// they judge.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace example::baselines {

namespace detail {

inline void check_ids(std::span<const std::uint32_t> ids, std::size_t vocabulary, const char* who) {
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] >= vocabulary)
      throw std::invalid_argument(std::string(who) + ": id " + std::to_string(ids[i]) +
                                  " at position " + std::to_string(i) +
                                  " is not below the vocabulary size " +
                                  std::to_string(vocabulary));
}

// Kneser and Ney's estimate of the absolute discount from the counts of counts of one order,
// D = n1 / (n1 + 2 n2) (Ney, Essen and Kneser 1994). It lies in (0, 1] whenever n1 > 0; with
// no singletons it would be 0 and leave no mass for unseen symbols, so `fallback` is used.
inline double estimate_discount(std::span<const std::uint32_t> counts, double fallback) {
  std::size_t n1 = 0, n2 = 0;
  for (const std::uint32_t c : counts) {
    n1 += c == 1;
    n2 += c == 2;
  }
  if (n1 == 0) return fallback;
  return static_cast<double>(n1) / static_cast<double>(n1 + 2 * n2);
}

// The index of `key` in the sorted `keys`, if present.
inline std::optional<std::size_t> find(const std::vector<std::uint64_t>& keys, std::uint64_t key) {
  const auto it = std::lower_bound(keys.begin(), keys.end(), key);
  if (it == keys.end() || *it != key) return std::nullopt;
  return static_cast<std::size_t>(it - keys.begin());
}

}  // namespace detail

// A character trigram language model, interpolated Kneser-Ney (Chen and Goodman 1998, section
// 3.5, with one discount per order), three levels:
//
//   p3(c | a,b) = max(n(abc) - D3, 0) / n(ab.)  +  D3 * T(ab.) / n(ab.) * p2(c | b)
//   p2(c | b)   = max(N(.bc) - D2, 0) / N(.b.)  +  D2 * T(b.)  / N(.b.) * p1(c)
//   p1(c)       = max(N(.c)  - D1, 0) / N(..)   +  D1 * T(.)   / N(..)  * 1 / V
//
// n(abc): how often the trigram abc occurs in the training sequence; n(ab.) its sum over c;
// T(ab.): how many distinct c follow ab. The lower orders count contexts, not occurrences
// (Kneser-Ney's continuation counts): N(.bc) is the number of distinct a with n(abc) > 0,
// N(.b.) its sum over c, T(b.) the number of c with N(.bc) > 0; N(.c) is the number of distinct
// b with N(.bc) > 0, N(..) its sum, T(.) the number of c with N(.c) > 0. A context never seen
// (n(ab.) = 0, N(.b.) = 0) takes the lower level whole. Each level sums to 1 over the V symbols
// (the discounted mass D T / N is exactly what the lower level spreads), and the uniform 1/V at
// the bottom makes every probability positive, an unknown or unseen symbol's too.
//
// The counts are sorted vectors of packed keys ((a V + b) V + c), built with one sort of the
// training trigrams, and lookups by binary search: on the 2.3 million training symbols of the
// Debian fortunes (V = 114), 0.1 s to fit and 0.03 s to score 256 thousand held-out symbols.
class TrigramModel {
 public:
  struct Discounts {
    double trigram = 0.75, bigram = 0.75, unigram = 0.75;  // D3, D2, D1
  };

  // Counts the trigrams of `ids` (every id below `vocabulary`). `discount`: the same D for the
  // three orders (in (0, 1]); unset, each order's D is estimated from its counts of counts
  // (detail::estimate_discount, 0.75 where that is undefined).
  void fit(std::span<const std::uint32_t> ids, std::size_t vocabulary,
           std::optional<double> discount = std::nullopt) {
    if (vocabulary == 0) throw std::invalid_argument("TrigramModel::fit: vocabulary size 0");
    if (vocabulary > (std::size_t{1} << 21))  // (a V + b) V + c must fit in 64 bits
      throw std::invalid_argument("TrigramModel::fit: vocabulary size " +
                                  std::to_string(vocabulary) + " is above 2^21");
    if (discount && !(*discount > 0.0 && *discount <= 1.0))
      throw std::invalid_argument("TrigramModel::fit: the discount must be in (0, 1], not " +
                                  std::to_string(*discount));
    detail::check_ids(ids, vocabulary, "TrigramModel::fit");
    *this = TrigramModel{};
    vocabulary_ = vocabulary;
    const std::uint64_t v = vocabulary;

    // Trigram occurrences: sorted keys, then runs of equal keys -> trigram types and counts.
    std::vector<std::uint64_t> keys;
    if (ids.size() >= 3) keys.reserve(ids.size() - 2);
    for (std::size_t t = 2; t < ids.size(); ++t)
      keys.push_back((ids[t - 2] * v + ids[t - 1]) * v + ids[t]);
    std::sort(keys.begin(), keys.end());
    for (std::size_t i = 0; i < keys.size();) {
      std::size_t j = i;
      while (j < keys.size() && keys[j] == keys[i]) ++j;
      trigram_keys_.push_back(keys[i]);
      trigram_counts_.push_back(static_cast<std::uint32_t>(j - i));
      i = j;
    }
    // Trigram contexts ab: the types are sorted by (ab, c), so each context is one run.
    for (std::size_t i = 0; i < trigram_keys_.size();) {
      const std::uint64_t ab = trigram_keys_[i] / v;
      std::size_t j = i;
      std::uint64_t total = 0;
      for (; j < trigram_keys_.size() && trigram_keys_[j] / v == ab; ++j) total += trigram_counts_[j];
      context_keys_.push_back(ab);
      context_totals_.push_back(static_cast<double>(total));
      context_types_.push_back(static_cast<double>(j - i));
      i = j;
    }

    // Continuation counts N(.bc): each trigram type abc adds one to its suffix bc.
    std::vector<std::uint64_t> suffixes;
    suffixes.reserve(trigram_keys_.size());
    for (const std::uint64_t abc : trigram_keys_) suffixes.push_back(abc % (v * v));
    std::sort(suffixes.begin(), suffixes.end());
    bigram_context_totals_.assign(vocabulary, 0.0);
    bigram_context_types_.assign(vocabulary, 0.0);
    unigram_counts_.assign(vocabulary, 0);
    for (std::size_t i = 0; i < suffixes.size();) {
      std::size_t j = i;
      while (j < suffixes.size() && suffixes[j] == suffixes[i]) ++j;
      const std::uint64_t bc = suffixes[i];
      bigram_keys_.push_back(bc);
      bigram_counts_.push_back(static_cast<std::uint32_t>(j - i));
      bigram_context_totals_[bc / v] += static_cast<double>(j - i);  // N(.b.)
      bigram_context_types_[bc / v] += 1.0;                          // T(b.)
      ++unigram_counts_[bc % v];                                     // N(.c): one per type bc
      i = j;
    }
    for (const std::uint32_t n : unigram_counts_) {
      unigram_total_ += n;
      unigram_types_ += n > 0;
    }

    if (discount) {
      discounts_ = {*discount, *discount, *discount};
    } else {
      discounts_.trigram = detail::estimate_discount(trigram_counts_, 0.75);
      discounts_.bigram = detail::estimate_discount(bigram_counts_, 0.75);
      discounts_.unigram = detail::estimate_discount(unigram_counts_, 0.75);
    }
    if (ids.size() >= 1) last_.push_back(ids[ids.size() - 1]);
    if (ids.size() >= 2) last_.insert(last_.begin(), ids[ids.size() - 2]);
  }

  std::size_t vocabulary() const noexcept { return vocabulary_; }
  const Discounts& discounts() const noexcept { return discounts_; }
  std::size_t trigram_types() const noexcept { return trigram_keys_.size(); }

  // p1(c): the continuation unigram, interpolated with the uniform distribution.
  double unigram_probability(std::uint32_t c) const {
    check(c);
    const double uniform = 1.0 / static_cast<double>(vocabulary_);
    if (unigram_total_ == 0) return uniform;
    const double d = discounts_.unigram, n = static_cast<double>(unigram_total_);
    return std::max(unigram_counts_[c] - d, 0.0) / n + d * unigram_types_ / n * uniform;
  }

  // p2(c | b).
  double bigram_probability(std::uint32_t b, std::uint32_t c) const {
    check(b);
    const double lower = unigram_probability(c);
    const double n = bigram_context_totals_[b];
    if (n == 0.0) return lower;
    const std::uint64_t v = vocabulary_;
    const auto at = detail::find(bigram_keys_, b * v + c);
    const double count = at ? bigram_counts_[*at] : 0.0;
    const double d = discounts_.bigram;
    return std::max(count - d, 0.0) / n + d * bigram_context_types_[b] / n * lower;
  }

  // p3(c | a, b): the probability that c follows a, b.
  double probability(std::uint32_t a, std::uint32_t b, std::uint32_t c) const {
    check(a);
    const double lower = bigram_probability(b, c);
    const std::uint64_t v = vocabulary_;
    const auto context = detail::find(context_keys_, a * v + b);
    if (!context) return lower;
    const auto at = detail::find(trigram_keys_, (a * v + b) * v + c);
    const double count = at ? trigram_counts_[*at] : 0.0;
    const double n = context_totals_[*context], d = discounts_.trigram;
    return std::max(count - d, 0.0) / n + d * context_types_[*context] / n * lower;
  }

  // Mean of -log2 p(x_t | x_{t-2}, x_{t-1}) over the held-out sequence. The held-out text is
  // taken to continue the training text (as a held-out split of one stream does), so its first
  // two symbols condition on the training sequence's last two ids; where the training sequence
  // was shorter than two, the missing context falls to the bigram or unigram level.
  double bits_per_symbol(std::span<const std::uint32_t> held_out) const {
    if (vocabulary_ == 0) throw std::logic_error("TrigramModel::bits_per_symbol: not fitted");
    if (held_out.empty())
      throw std::invalid_argument("TrigramModel::bits_per_symbol: empty held-out sequence");
    detail::check_ids(held_out, vocabulary_, "TrigramModel::bits_per_symbol");
    std::vector<std::uint32_t> history = last_;  // at most two ids: the context so far
    double bits = 0.0;
    for (const std::uint32_t c : held_out) {
      const std::size_t h = history.size();
      const double p = h >= 2   ? probability(history[h - 2], history[h - 1], c)
                       : h == 1 ? bigram_probability(history[0], c)
                                : unigram_probability(c);
      bits -= std::log2(p);
      if (h >= 2) history.erase(history.begin());
      history.push_back(c);
    }
    return bits / static_cast<double>(held_out.size());
  }

 private:
  void check(std::uint32_t id) const {
    if (id >= vocabulary_)
      throw std::invalid_argument("TrigramModel: id " + std::to_string(id) +
                                  " is not below the vocabulary size " +
                                  std::to_string(vocabulary_));
  }

  std::size_t vocabulary_ = 0;
  Discounts discounts_{};
  std::vector<std::uint64_t> trigram_keys_;     // (a V + b) V + c, sorted
  std::vector<std::uint32_t> trigram_counts_;   // n(abc)
  std::vector<std::uint64_t> context_keys_;     // a V + b, sorted
  std::vector<double> context_totals_;          // n(ab.)
  std::vector<double> context_types_;           // T(ab.)
  std::vector<std::uint64_t> bigram_keys_;      // b V + c, sorted
  std::vector<std::uint32_t> bigram_counts_;    // N(.bc)
  std::vector<double> bigram_context_totals_;   // N(.b.), by b
  std::vector<double> bigram_context_types_;    // T(b.), by b
  std::vector<std::uint32_t> unigram_counts_;   // N(.c), by c
  std::uint64_t unigram_total_ = 0;             // N(..)
  std::uint64_t unigram_types_ = 0;             // T(.)
  std::vector<std::uint32_t> last_;             // the training sequence's last (up to) two ids
};

// The most frequent label of `train_labels` (the smallest such label on a tie).
inline std::uint32_t majority_class(std::span<const std::uint32_t> train_labels,
                                    std::size_t classes) {
  if (train_labels.empty()) throw std::invalid_argument("majority_class: no training labels");
  detail::check_ids(train_labels, classes, "majority_class");
  std::vector<std::size_t> counts(classes, 0);
  for (const std::uint32_t label : train_labels) ++counts[label];
  return static_cast<std::uint32_t>(std::max_element(counts.begin(), counts.end()) -
                                    counts.begin());
}

// The held-out accuracy of always answering the training majority class: the floor any
// classifier must clear, and on unbalanced classes much more than 1 / classes.
inline double majority_accuracy(std::span<const std::uint32_t> train_labels,
                                std::span<const std::uint32_t> test_labels, std::size_t classes) {
  if (test_labels.empty()) throw std::invalid_argument("majority_accuracy: no test labels");
  detail::check_ids(test_labels, classes, "majority_accuracy");
  const std::uint32_t majority = majority_class(train_labels, classes);
  return static_cast<double>(std::count(test_labels.begin(), test_labels.end(), majority)) /
         static_cast<double>(test_labels.size());
}

// A bag-of-characters classifier: multinomial naive Bayes. A document is its vector of symbol
// counts x over the vocabulary (order ignored); the class is
//   argmax_k  log prior_k + sum_v x_v log theta_kv,   theta_kv = (n_kv + alpha) / (n_k + alpha V),
// n_kv the occurrences of v in the training documents of class k, n_k their sum, prior_k the
// share of training documents in class k. Add-alpha keeps every theta positive, so a symbol
// unseen in a class lowers its score instead of ruling it out. It sees which symbols a text
// uses and how often (digits, capitals, punctuation, line ends), nothing of their order: what
// a sequence model has to beat by reading the order.
class BagOfCharacters {
 public:
  // `labels[i]` is the class of `documents[i]`, below `classes`; every id below `vocabulary`.
  void fit(std::span<const std::vector<std::uint32_t>> documents,
           std::span<const std::uint32_t> labels, std::size_t vocabulary, std::size_t classes,
           double alpha = 1.0) {
    if (documents.size() != labels.size())
      throw std::invalid_argument("BagOfCharacters::fit: " + std::to_string(documents.size()) +
                                  " documents but " + std::to_string(labels.size()) + " labels");
    if (documents.empty()) throw std::invalid_argument("BagOfCharacters::fit: no documents");
    if (vocabulary == 0 || classes == 0)
      throw std::invalid_argument("BagOfCharacters::fit: vocabulary and classes must be positive");
    if (!(alpha > 0.0)) throw std::invalid_argument("BagOfCharacters::fit: alpha must be > 0");
    detail::check_ids(labels, classes, "BagOfCharacters::fit (labels)");
    vocabulary_ = vocabulary;
    classes_ = classes;
    std::vector<double> counts(classes * vocabulary, 0.0), totals(classes, 0.0);
    std::vector<double> docs(classes, 0.0);
    for (std::size_t i = 0; i < documents.size(); ++i) {
      detail::check_ids(documents[i], vocabulary, "BagOfCharacters::fit");
      const std::uint32_t k = labels[i];
      docs[k] += 1.0;
      totals[k] += static_cast<double>(documents[i].size());
      for (const std::uint32_t v : documents[i]) counts[k * vocabulary + v] += 1.0;
    }
    log_prior_.assign(classes, 0.0);
    log_theta_.assign(classes * vocabulary, 0.0);
    for (std::size_t k = 0; k < classes; ++k) {
      // A class without training documents can never be chosen (its prior is 0).
      log_prior_[k] = docs[k] > 0.0 ? std::log(docs[k] / static_cast<double>(documents.size()))
                                    : -std::numeric_limits<double>::infinity();
      const double denominator = totals[k] + alpha * static_cast<double>(vocabulary);
      for (std::size_t v = 0; v < vocabulary; ++v)
        log_theta_[k * vocabulary + v] = std::log((counts[k * vocabulary + v] + alpha) / denominator);
    }
  }

  std::size_t classes() const noexcept { return classes_; }

  // log prior_k + sum_t log theta_{k, doc_t} for each class k (the log joint, up to the
  // multinomial coefficient, which is the same for every class).
  std::vector<double> scores(std::span<const std::uint32_t> document) const {
    if (classes_ == 0) throw std::logic_error("BagOfCharacters: not fitted");
    detail::check_ids(document, vocabulary_, "BagOfCharacters::scores");
    std::vector<double> out(log_prior_);
    for (std::size_t k = 0; k < classes_; ++k)
      for (const std::uint32_t v : document) out[k] += log_theta_[k * vocabulary_ + v];
    return out;
  }

  // The class of highest score (the smallest such class on a tie).
  std::uint32_t predict(std::span<const std::uint32_t> document) const {
    const std::vector<double> s = scores(document);
    return static_cast<std::uint32_t>(std::max_element(s.begin(), s.end()) - s.begin());
  }

  // The share of `documents` whose predicted class is their label.
  double accuracy(std::span<const std::vector<std::uint32_t>> documents,
                  std::span<const std::uint32_t> labels) const {
    if (documents.size() != labels.size())
      throw std::invalid_argument("BagOfCharacters::accuracy: " +
                                  std::to_string(documents.size()) + " documents but " +
                                  std::to_string(labels.size()) + " labels");
    if (documents.empty()) throw std::invalid_argument("BagOfCharacters::accuracy: no documents");
    std::size_t right = 0;
    for (std::size_t i = 0; i < documents.size(); ++i) right += predict(documents[i]) == labels[i];
    return static_cast<double>(right) / static_cast<double>(documents.size());
  }

 private:
  std::size_t vocabulary_ = 0, classes_ = 0;
  std::vector<double> log_prior_;  // by class
  std::vector<double> log_theta_;  // [class][symbol]
};

}  // namespace example::baselines
