// nerve/train/dataset.hpp: LabelledData<T, Sample>, samples of one static shape with a class
// label each: what a classifier trains and is evaluated on.
//
// The samples are one contiguous row-major block (sample i starts at i * Sample::size), so a
// batch is a pointer and a count, and sample(i) is a view, never a copy.
#pragma once

#include <cstddef>    // std::size_t
#include <cstdint>    // std::uint32_t
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

}  // namespace nerve
