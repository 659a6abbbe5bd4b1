// nerve/train/progress.hpp: what a person sees while a network trains.
//
// On a terminal, one line redrawn in place with '\r' (at most every redraw_seconds):
//   epoch 3/10 [=========>          ] 450/938  loss 0.3121  acc 88.92%  48,700/s  00:12<00:10
// (elapsed<left, as tqdm writes it). Into a file or a pipe, where redrawing would leave
// hundreds of lines, only one plain line per epoch:
//   epoch 3/10  loss 0.3121  acc 88.92%  val_loss 0.3300  val_acc 88.10%  12.3 s  48,700 samples/s
// On a terminal the bar is replaced by that same line when the epoch ends. Without an accuracy
// (regression data) the acc fields are left out.
//
// The trainer drives it: begin_epoch, update after each batch, end_epoch. The stream, the
// terminal decision, the clock and the width are injectable so tests can check the text.
#pragma once

#include <algorithm>   // std::clamp, std::max, std::min
#include <chrono>      // std::chrono::steady_clock
#include <cstddef>     // std::size_t
#include <cstdio>      // std::snprintf, stdout
#include <cstdlib>     // std::getenv, std::strtoul
#include <cstring>     // std::strcmp
#include <functional>  // std::function
#include <iostream>    // std::cout
#include <optional>    // std::optional
#include <ostream>     // std::ostream
#include <string>      // std::string
#include <utility>     // std::move

#if defined(_WIN32)
#include <io.h>  // _isatty, _fileno
#else
#include <sys/ioctl.h>  // ioctl, TIOCGWINSZ, winsize
#include <unistd.h>     // isatty, STDOUT_FILENO
#endif

#include "nerve/train/metrics.hpp"  // nerve::EpochSummary

namespace nerve {

enum class ProgressStyle {
  automatic,  // a bar when writing to std::cout and stdout is a terminal, lines otherwise
  bar,        // always the redrawn bar
  lines,      // one plain line per epoch
  silent,     // nothing
};

struct ProgressOptions {
  ProgressStyle style = ProgressStyle::automatic;
  std::size_t columns = 0;        // line width for the bar; 0: ask the terminal
  std::function<double()> clock;  // seconds from any origin; empty: steady_clock
  double redraw_seconds = 0.1;    // the bar is redrawn at most this often
};

namespace detail {

// 48700 -> "48,700": rates are easier to read with groups.
inline std::string group_thousands(unsigned long long n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A duration for the epoch line: "12.3 s", "2m 05s", "1h 02m".
inline std::string format_seconds(double s) {
  char text[32];
  if (!(s >= 0)) s = 0;
  if (s < 59.95) {
    std::snprintf(text, sizeof text, "%.1f s", s);
  } else if (s < 3600) {
    const auto whole = static_cast<unsigned long>(s + 0.5);
    std::snprintf(text, sizeof text, "%lum %02lus", whole / 60, whole % 60);
  } else {
    const auto minutes = static_cast<unsigned long>(s / 60 + 0.5);
    std::snprintf(text, sizeof text, "%luh %02lum", minutes / 60, minutes % 60);
  }
  return text;
}

// A duration for the bar, as a clock: "00:12", "1:02:03".
inline std::string format_clock(double s) {
  char text[32];
  if (!(s >= 0) || s > 359999) s = s > 0 ? 359999 : 0;
  const auto whole = static_cast<unsigned long>(s);
  if (whole >= 3600)
    std::snprintf(text, sizeof text, "%lu:%02lu:%02lu", whole / 3600, whole / 60 % 60, whole % 60);
  else
    std::snprintf(text, sizeof text, "%02lu:%02lu", whole / 60, whole % 60);
  return text;
}

inline std::string format_fixed(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

inline bool stdout_is_terminal() {
#if defined(_WIN32)
  return _isatty(_fileno(stdout)) != 0;
#else
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) != 0 && !(term && std::strcmp(term, "dumb") == 0);
#endif
}

inline std::size_t terminal_columns() {
#if !defined(_WIN32)
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
#endif
  if (const char* columns = std::getenv("COLUMNS")) {
    const unsigned long n = std::strtoul(columns, nullptr, 10);
    if (n > 0) return n;
  }
  return 80;
}

inline double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace detail

class Progress {
 public:
  // To std::cout: a bar on a terminal, lines otherwise.
  Progress() : Progress(std::cout) {}

  explicit Progress(std::ostream& out, ProgressOptions options = {})
      : out_(&out), options_(std::move(options)) {
    if (!options_.clock) options_.clock = detail::steady_seconds;
    style_ = options_.style;
    const bool to_stdout = &out == &std::cout;
    if (style_ == ProgressStyle::automatic)
      style_ =
          to_stdout && detail::stdout_is_terminal() ? ProgressStyle::bar : ProgressStyle::lines;
    if (options_.columns == 0) options_.columns = to_stdout ? detail::terminal_columns() : 80;
  }

  // The style decided at construction (never automatic).
  ProgressStyle style() const noexcept { return style_; }

  // epoch counts from 1; batches is how many update() calls the epoch will make.
  void begin_epoch(std::size_t epoch, std::size_t epochs, std::size_t batches) {
    epoch_ = epoch;
    epochs_ = epochs;
    batches_ = batches;
    start_ = options_.clock();
    last_draw_ = start_;
    drawn_ = false;
    drawn_length_ = 0;
  }

  // After each batch: how many batches and samples the epoch has done, and the running means
  // (accuracy absent for data without classes).
  void update(std::size_t batches_done, double mean_loss, std::optional<double> accuracy,
              std::size_t samples_done) {
    if (style_ != ProgressStyle::bar) return;
    const double now = options_.clock();
    const bool last = batches_done >= batches_;
    if (drawn_ && !last && now - last_draw_ < options_.redraw_seconds) return;
    last_draw_ = now;
    drawn_ = true;
    draw(bar_line(batches_done, mean_loss, accuracy, samples_done, now - start_));
  }

  // The epoch's line. Fields left 0 in the summary (epoch, epochs) are taken from begin_epoch.
  void end_epoch(const EpochSummary& summary) {
    if (style_ == ProgressStyle::silent) return;
    EpochSummary s = summary;
    if (s.epoch == 0) s.epoch = epoch_;
    if (s.epochs == 0) s.epochs = epochs_;
    const std::string line = summary_line(s);
    if (style_ == ProgressStyle::bar) {
      draw(line);
      *out_ << '\n';
    } else {
      *out_ << line << '\n';
    }
    out_->flush();
    drawn_length_ = 0;
  }

  // Seconds since begin_epoch by this progress's clock: the trainer's epoch time.
  double elapsed() const { return options_.clock() - start_; }

  // The plain line of an epoch, as lines mode prints it.
  static std::string summary_line(const EpochSummary& s) {
    std::string line = "epoch " + std::to_string(s.epoch) + "/" + std::to_string(s.epochs);
    line += "  loss " + detail::format_fixed("%.4f", s.loss);
    if (s.accuracy) line += "  acc " + detail::format_fixed("%.2f%%", 100 * *s.accuracy);
    if (s.val_loss) line += "  val_loss " + detail::format_fixed("%.4f", *s.val_loss);
    if (s.val_accuracy)
      line += "  val_acc " + detail::format_fixed("%.2f%%", 100 * *s.val_accuracy);
    line += "  " + detail::format_seconds(s.seconds);
    if (s.seconds > 0)
      line += "  " +
              detail::group_thousands(static_cast<unsigned long long>(
                  static_cast<double>(s.samples) / s.seconds + 0.5)) +
              " samples/s";
    return line;
  }

 private:
  std::string bar_line(std::size_t done, double loss, std::optional<double> accuracy,
                       std::size_t samples, double elapsed) const {
    // Appended piece by piece: g++ 12 warns (-Wrestrict, a false alarm) on "literal" + string
    // chains here once inlined.
    std::string head = "epoch ";
    head.append(std::to_string(epoch_)).append("/").append(std::to_string(epochs_)).append(" ");
    std::string count = " ";
    count.append(std::to_string(done)).append("/").append(std::to_string(batches_));
    const std::string loss_text = "  loss " + detail::format_fixed("%.4f", loss);
    const std::string acc_text =
        accuracy ? "  acc " + detail::format_fixed("%.2f%%", 100 * *accuracy) : std::string();
    const std::string left =
        done > 0 ? detail::format_clock(elapsed / static_cast<double>(done) *
                                        static_cast<double>(batches_ - std::min(done, batches_)))
                 : std::string("?");
    const std::string times_text = "  " + detail::format_clock(elapsed) + "<" + left;
    const std::string rate_text = elapsed > 0
                                      ? "  " +
                                            detail::group_thousands(static_cast<unsigned long long>(
                                                static_cast<double>(samples) / elapsed + 0.5)) +
                                            "/s"
                                      : std::string();
    // When the line is too narrow, fields are given up in this order: the rate, the times,
    // accuracy, loss. kept counts how many stay.
    auto tail_of = [&](int kept) {
      std::string tail = count;
      if (kept > 0) tail += loss_text;
      if (kept > 1) tail += acc_text;
      if (kept > 3) tail += rate_text;
      if (kept > 2) tail += times_text;
      return tail;
    };
    constexpr std::size_t min_cells = 10, max_cells = 30;
    // One column stays free so that the cursor never wraps to a new line.
    const std::size_t room = options_.columns > 1 ? options_.columns - 1 : 0;
    int kept = 4;
    while (kept > 0 && head.size() + 2 + min_cells + tail_of(kept).size() > room) --kept;
    const std::string tail = tail_of(kept);
    const std::size_t used = head.size() + 2 + tail.size();
    const std::size_t cells =
        room > used ? std::clamp(room - used, min_cells, max_cells) : min_cells;
    const std::size_t filled = batches_ ? std::min(done, batches_) * cells / batches_ : cells;
    std::string bar(cells, ' ');
    for (std::size_t i = 0; i < filled; ++i) bar[i] = '=';
    if (filled < cells && done > 0) bar[filled] = '>';
    std::string line = head + "[" + bar + "]" + tail;
    if (line.size() > room) line.resize(room);  // only when even "epoch e/n [bar] b/n" is too wide
    return line;
  }

  // Back to the line's start, write, and blank what a longer previous line left behind.
  void draw(const std::string& line) {
    *out_ << '\r' << line;
    if (line.size() < drawn_length_) *out_ << std::string(drawn_length_ - line.size(), ' ');
    drawn_length_ = line.size();
    out_->flush();
  }

  std::ostream* out_;
  ProgressOptions options_;
  ProgressStyle style_ = ProgressStyle::lines;
  std::size_t epoch_ = 0, epochs_ = 0, batches_ = 0;
  double start_ = 0, last_draw_ = 0;
  bool drawn_ = false;
  std::size_t drawn_length_ = 0;
};

}  // namespace nerve
