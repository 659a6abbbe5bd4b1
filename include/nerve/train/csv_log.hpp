// nerve/train/csv_log.hpp: one CSV row per epoch, for plotting a run after it ends.
//
//   epoch,loss,accuracy,val_loss,val_accuracy,seconds
//   1,0.512347,0.81915,0.44321,0.8421,3.127
//   2,0.381204,0.86355,,,2.981        (no validation set: the fields stay empty)
//   3,0.012345,,0.013001,,0.412       (regression data: no accuracy, its fields stay empty)
//
// Accuracies are fractions in [0, 1]. Each row is flushed as it is written, so a run that is
// stopped keeps the epochs it finished. A file that cannot be opened or written throws
// nerve::io_error naming the path and the reason.
#pragma once

#include <cerrno>      // errno
#include <cstdio>      // std::snprintf
#include <cstring>     // std::strerror
#include <filesystem>  // std::filesystem::path
#include <fstream>     // std::ofstream
#include <optional>    // std::optional
#include <string>      // std::string
#include <utility>     // std::move

#include "nerve/io/error.hpp"       // nerve::io_error
#include "nerve/train/metrics.hpp"  // nerve::EpochSummary

namespace nerve {

class CsvLog {
 public:
  static constexpr const char* header = "epoch,loss,accuracy,val_loss,val_accuracy,seconds";

  // Creates (or truncates) the file and writes the header.
  explicit CsvLog(std::filesystem::path path) : path_(std::move(path)) {
    errno = 0;
    file_.open(path_, std::ios::out | std::ios::trunc);
    if (!file_) fail("cannot open for writing");
    file_ << header << '\n';
    flush();
  }

  void write(const EpochSummary& s) {
    file_ << row(s) << '\n';
    flush();
  }

  const std::filesystem::path& path() const noexcept { return path_; }

  // The row write() appends, without its newline.
  static std::string row(const EpochSummary& s) {
    return std::to_string(s.epoch) + ',' + number("%.6g", s.loss) + ',' +
           optional_number(s.accuracy) + ',' + optional_number(s.val_loss) + ',' +
           optional_number(s.val_accuracy) + ',' + number("%.3f", s.seconds);
  }

 private:
  static std::string number(const char* format, double value) {
    char text[48];
    std::snprintf(text, sizeof text, format, value);
    return text;
  }
  static std::string optional_number(const std::optional<double>& value) {
    return value ? number("%.6g", *value) : std::string();
  }

  void flush() {
    errno = 0;
    file_.flush();
    if (!file_) fail("cannot write");
  }

  [[noreturn]] void fail(const char* what) const {
    // The stream does not say why; errno, where the library set it, does.
    const int reason = errno;
    throw io_error(path_, reason ? std::string(what) + ": " + std::strerror(reason) : what);
  }

  std::filesystem::path path_;
  std::ofstream file_;
};

}  // namespace nerve
