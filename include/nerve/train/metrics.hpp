// nerve/train/metrics.hpp: what a training loop measures: a running mean (of the loss),
// accuracy, a confusion matrix, argmax, and the summary of one epoch that progress bars and
// logs print.
#pragma once

#include <array>      // std::array
#include <cmath>      // std::isnan
#include <cstddef>    // std::size_t
#include <optional>   // std::optional
#include <ranges>     // std::ranges::contiguous_range, std::ranges::data, std::ranges::size
#include <stdexcept>  // std::out_of_range
#include <string>     // std::to_string

namespace nerve {

// Index of the largest element; the first one on ties. NaN never wins (a diverged output must
// not look like a confident prediction); an all-NaN or empty span gives 0.
// Takes any contiguous range: a std::span, Tensor::flat(), a std::array or std::vector.
template <std::ranges::contiguous_range R>
std::size_t argmax(const R& values) noexcept {
  const auto* data = std::ranges::data(values);
  const std::size_t size = std::ranges::size(values);
  std::size_t best = 0;
  bool found = false;
  for (std::size_t i = 0; i < size; ++i) {
    if (std::isnan(data[i])) continue;
    if (!found || data[i] > data[best]) best = i, found = true;
  }
  return best;
}

// The mean of values added one at a time, or as batch means weighted by their sample count.
// Sums in double, so a float loss averaged over 60,000 samples keeps its digits.
class RunningMean {
 public:
  void add(double value, std::size_t count = 1) noexcept {
    sum_ += value * static_cast<double>(count);
    count_ += count;
  }
  double mean() const noexcept { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  std::size_t count() const noexcept { return count_; }
  void reset() noexcept { *this = RunningMean{}; }

 private:
  double sum_ = 0;
  std::size_t count_ = 0;
};

// Fraction of predictions equal to their labels.
class Accuracy {
 public:
  void add(std::size_t predicted, std::size_t label) noexcept {
    correct_ += predicted == label;
    ++total_;
  }
  // A prediction given as scores (logits or probabilities): its argmax is the predicted class.
  template <std::ranges::contiguous_range R>
  void add(const R& scores, std::size_t label) noexcept {
    add(argmax(scores), label);
  }
  // Counts already summed elsewhere, e.g. by a batched kernel.
  void add_counts(std::size_t correct, std::size_t total) noexcept {
    correct_ += correct;
    total_ += total;
  }
  double value() const noexcept {
    return total_ ? static_cast<double>(correct_) / static_cast<double>(total_) : 0.0;
  }
  std::size_t correct() const noexcept { return correct_; }
  std::size_t total() const noexcept { return total_; }
  void reset() noexcept { *this = Accuracy{}; }

 private:
  std::size_t correct_ = 0;
  std::size_t total_ = 0;
};

// counts(label, predicted): how often class `label` was predicted as `predicted`.
template <std::size_t Classes>
class ConfusionMatrix {
  static_assert(Classes >= 2, "ConfusionMatrix<Classes> needs at least 2 classes");

 public:
  static constexpr std::size_t classes = Classes;

  // Throws std::out_of_range for a class outside [0, Classes): a bad label in a data set must
  // be reported, not written past the matrix.
  void add(std::size_t label, std::size_t predicted) {
    if (label >= Classes || predicted >= Classes)
      throw std::out_of_range("ConfusionMatrix<" + std::to_string(Classes) + ">::add: class " +
                              std::to_string(label >= Classes ? label : predicted) +
                              " is out of range; classes are 0 to " + std::to_string(Classes - 1));
    ++counts_[label * Classes + predicted];
    ++total_;
  }
  template <std::ranges::contiguous_range R>
  void add_scores(const R& scores, std::size_t label) {
    add(label, argmax(scores));
  }

  std::size_t operator()(std::size_t label, std::size_t predicted) const noexcept {
    return counts_[label * Classes + predicted];
  }
  std::size_t total() const noexcept { return total_; }

  double accuracy() const noexcept {
    std::size_t diagonal = 0;
    for (std::size_t c = 0; c < Classes; ++c) diagonal += (*this)(c, c);
    return total_ ? static_cast<double>(diagonal) / static_cast<double>(total_) : 0.0;
  }
  // Of the samples labelled c, the fraction predicted as c (0 when c never occurs).
  double recall(std::size_t c) const noexcept {
    std::size_t row = 0;
    for (std::size_t p = 0; p < Classes; ++p) row += (*this)(c, p);
    return row ? static_cast<double>((*this)(c, c)) / static_cast<double>(row) : 0.0;
  }
  // Of the samples predicted as c, the fraction labelled c (0 when c is never predicted).
  double precision(std::size_t c) const noexcept {
    std::size_t column = 0;
    for (std::size_t l = 0; l < Classes; ++l) column += (*this)(l, c);
    return column ? static_cast<double>((*this)(c, c)) / static_cast<double>(column) : 0.0;
  }
  void reset() noexcept { *this = ConfusionMatrix{}; }

 private:
  std::array<std::size_t, Classes * Classes> counts_{};
  std::size_t total_ = 0;
};

// One epoch as the trainer saw it; progress bars and CSV logs print it.
struct EpochSummary {
  std::size_t epoch = 0;                              // counted from 1
  std::size_t epochs = 0;                             // how many the run has
  double loss = 0;                                    // mean training loss
  std::optional<double> accuracy = std::nullopt;      // training accuracy, a fraction in [0, 1];
                                                      // absent for data without classes (regression)
  std::optional<double> val_loss = std::nullopt;      // absent without a validation set
  std::optional<double> val_accuracy = std::nullopt;  // a fraction in [0, 1]
  double seconds = 0;                                 // wall time of the epoch
  std::size_t samples = 0;                            // training samples seen in the epoch
};

}  // namespace nerve
