// nerve/train/dataset.hpp: what Trainer::fit and evaluate read.
//   LabelledData<T, Sample>              samples with a class label each (classification);
//   RegressionData<T, Sample, Target>    samples with Target::size continuous targets each;
//   DataView<T, Target>                  samples and targets the caller holds (a std::vector, an
//                                        array), not copied: the trainer's view of them;
//   concept TrainingData                 anything with samples() and either labels() and
//                                        classes(), or targets(): what fit/evaluate accept.
//
// The samples are one contiguous row-major block (sample i starts at i * Sample::size), so a
// batch is a pointer and a count, and sample(i) is a view, never a copy.
#pragma once

#include <cstddef>    // std::size_t
#include <concepts>   // std::convertible_to
#include <cstdint>    // std::uint32_t
#include <ranges>     // std::ranges::range_value_t
#include <span>
#include <stdexcept>  // std::invalid_argument, std::out_of_range
#include <string>
#include <utility>    // std::move
#include <vector>

#include "nerve/shape/shape.hpp"    // nerve::AnyShape
#include "nerve/tensor/tensor.hpp"  // nerve::TensorView

namespace nerve {

template <class T, AnyShape Sample>
class LabelledData {
 public:
  using value_type = T;
  using sample_shape = Sample;
  static constexpr Sample shape{};

  LabelledData() = default;

  // Takes samples (N * Sample::size values, row-major) and N labels, each below `classes`.
  // Mismatched counts or a label out of range is a std::invalid_argument naming the culprit.
  LabelledData(std::vector<T> samples, std::vector<std::uint32_t> labels, std::size_t classes)
      : samples_(std::move(samples)), labels_(std::move(labels)), classes_(classes) {
    if (samples_.size() % Sample::size != 0) {
      throw std::invalid_argument("LabelledData: " + std::to_string(samples_.size()) +
                                  " values are not a whole number of samples of shape " +
                                  Sample::to_string() + " (" + std::to_string(Sample::size) +
                                  " values each)");
    }
    if (const std::size_t n = samples_.size() / Sample::size; labels_.size() != n) {
      throw std::invalid_argument("LabelledData: " + std::to_string(labels_.size()) +
                                  " labels for " + std::to_string(n) + " samples");
    }
    for (std::size_t i = 0; i < labels_.size(); ++i) {
      if (labels_[i] >= classes_) {
        throw std::invalid_argument("LabelledData: label out of range: label " +
                                    std::to_string(labels_[i]) + " at index " +
                                    std::to_string(i) + ", but there are " +
                                    std::to_string(classes_) + " classes");
      }
    }
  }

  // Number of samples.
  std::size_t size() const noexcept { return labels_.size(); }
  bool empty() const noexcept { return labels_.empty(); }
  // Number of classes; every label is below it.
  std::size_t classes() const noexcept { return classes_; }

  TensorView<const T, Sample> sample(std::size_t i) const {
    check_index(i, "sample");
    return TensorView<const T, Sample>(samples_.data() + i * Sample::size);
  }
  std::uint32_t label(std::size_t i) const {
    check_index(i, "label");
    return labels_[i];
  }

  // Every sample, back to back (size() * Sample::size values), and every label.
  std::span<const T> samples() const noexcept { return samples_; }
  std::span<const std::uint32_t> labels() const noexcept { return labels_; }

  // A copy of samples [begin, begin + n): a small slice for a quick test or a validation split.
  LabelledData slice(std::size_t begin, std::size_t n) const {
    if (begin > size() || n > size() - begin) {
      throw std::out_of_range("LabelledData::slice: samples [" + std::to_string(begin) + ", " +
                              std::to_string(begin) + " + " + std::to_string(n) +
                              ") are past the end of " + std::to_string(size()) + " samples");
    }
    const auto first = samples_.begin() + static_cast<std::ptrdiff_t>(begin * Sample::size);
    const auto first_label = labels_.begin() + static_cast<std::ptrdiff_t>(begin);
    return LabelledData(std::vector<T>(first, first + static_cast<std::ptrdiff_t>(n * Sample::size)),
                        std::vector<std::uint32_t>(first_label,
                                                   first_label + static_cast<std::ptrdiff_t>(n)),
                        classes_);
  }
  // A copy of the first n samples, or of all of them if there are fewer.
  LabelledData head(std::size_t n) const { return slice(0, n < size() ? n : size()); }

 private:
  void check_index(std::size_t i, const char* what) const {
    if (i >= size()) {
      throw std::out_of_range(std::string("LabelledData::") + what + ": index " +
                              std::to_string(i) + " is past the end of " +
                              std::to_string(size()) + " samples");
    }
  }

  std::vector<T> samples_;
  std::vector<std::uint32_t> labels_;
  std::size_t classes_ = 0;
};

// Samples of one static shape with Target::size continuous values each: regression data.
// RegressionData<float, Shape<1>> is y = f(x) with one input and one target per sample.
template <class T, AnyShape Sample, AnyShape Target = Shape<1>>
class RegressionData {
 public:
  using value_type = T;
  using target_type = T;
  using sample_shape = Sample;
  using target_shape = Target;

  RegressionData() = default;

  // Takes samples (N * Sample::size values, row-major) and their targets (N * Target::size
  // values). Counts that do not match are a std::invalid_argument naming them.
  RegressionData(std::vector<T> samples, std::vector<T> targets)
      : samples_(std::move(samples)), targets_(std::move(targets)) {
    if (samples_.size() % Sample::size != 0) {
      throw std::invalid_argument("RegressionData: " + std::to_string(samples_.size()) +
                                  " values are not a whole number of samples of shape " +
                                  Sample::to_string() + " (" + std::to_string(Sample::size) +
                                  " values each)");
    }
    if (const std::size_t n = samples_.size() / Sample::size; targets_.size() != n * Target::size) {
      throw std::invalid_argument("RegressionData: " + std::to_string(targets_.size()) +
                                  " target values for " + std::to_string(n) + " samples of " +
                                  std::to_string(Target::size) + " target" +
                                  (Target::size == 1 ? "" : "s") + " each (" +
                                  std::to_string(n * Target::size) + " needed)");
    }
  }

  std::size_t size() const noexcept { return samples_.size() / Sample::size; }
  bool empty() const noexcept { return samples_.empty(); }

  TensorView<const T, Sample> sample(std::size_t i) const {
    check_index(i, "sample");
    return TensorView<const T, Sample>(samples_.data() + i * Sample::size);
  }
  TensorView<const T, Target> target(std::size_t i) const {
    check_index(i, "target");
    return TensorView<const T, Target>(targets_.data() + i * Target::size);
  }

  // Every sample, back to back, and every target (size() * Target::size values).
  std::span<const T> samples() const noexcept { return samples_; }
  std::span<const T> targets() const noexcept { return targets_; }

  // A copy of samples [begin, begin + n) with their targets.
  RegressionData slice(std::size_t begin, std::size_t n) const {
    if (begin > size() || n > size() - begin) {
      throw std::out_of_range("RegressionData::slice: samples [" + std::to_string(begin) + ", " +
                              std::to_string(begin) + " + " + std::to_string(n) +
                              ") are past the end of " + std::to_string(size()) + " samples");
    }
    const auto s = samples_.begin() + static_cast<std::ptrdiff_t>(begin * Sample::size);
    const auto t = targets_.begin() + static_cast<std::ptrdiff_t>(begin * Target::size);
    return RegressionData(std::vector<T>(s, s + static_cast<std::ptrdiff_t>(n * Sample::size)),
                          std::vector<T>(t, t + static_cast<std::ptrdiff_t>(n * Target::size)));
  }
  RegressionData head(std::size_t n) const { return slice(0, n < size() ? n : size()); }

 private:
  void check_index(std::size_t i, const char* what) const {
    if (i >= size()) {
      throw std::out_of_range(std::string("RegressionData::") + what + ": index " +
                              std::to_string(i) + " is past the end of " +
                              std::to_string(size()) + " samples");
    }
  }

  std::vector<T> samples_;
  std::vector<T> targets_;
};

// Samples and targets held by the caller, seen without a copy: inputs back to back (the network's
// input size each), targets as the loss takes them (Trainer::target_type, targets_per_sample
// each: class indices for CrossEntropy, values for MSE, BCE, Huber). Like PyTorch's
// TensorDataset(x, y); the trainer checks the counts when it is given one. The memory must
// outlive the view.
template <class T, class Target = T>
class DataView {
 public:
  using value_type = T;
  using target_type = Target;

  DataView() = default;
  DataView(std::span<const T> inputs, std::span<const Target> targets) noexcept
      : inputs_(inputs), targets_(targets) {}

  std::span<const T> samples() const noexcept { return inputs_; }
  std::span<const Target> targets() const noexcept { return targets_; }
  bool empty() const noexcept { return inputs_.empty() && targets_.empty(); }

 private:
  std::span<const T> inputs_;
  std::span<const Target> targets_;
};

template <std::ranges::contiguous_range I, std::ranges::contiguous_range G>
DataView(const I&, const G&)
    -> DataView<std::ranges::range_value_t<I>, std::ranges::range_value_t<G>>;

// Data with a class label per sample: accuracy is measured, targets are made from the labels.
template <class D>
concept LabelledSamples = requires(const D& d) {
  typename D::value_type;
  { d.samples() } -> std::convertible_to<std::span<const typename D::value_type>>;
  { d.labels() } -> std::convertible_to<std::span<const std::uint32_t>>;
  { d.classes() } -> std::convertible_to<std::size_t>;
};

// Data with the loss's targets per sample (continuous values, or class indices for CrossEntropy).
template <class D>
concept TargetSamples = requires(const D& d) {
  typename D::value_type;
  typename D::target_type;
  { d.samples() } -> std::convertible_to<std::span<const typename D::value_type>>;
  { d.targets() } -> std::convertible_to<std::span<const typename D::target_type>>;
};

// What Trainer::fit and evaluate accept.
template <class D>
concept TrainingData = LabelledSamples<D> || TargetSamples<D>;

}  // namespace nerve
