// The progress display (bar on a terminal, one line per epoch elsewhere) and the CSV log.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nerve/io/error.hpp>
#include <nerve/train/csv_log.hpp>
#include <nerve/train/progress.hpp>
#include <sstream>
#include <string>

using namespace nerve;

namespace {

// A clock the test moves by hand.
struct fake_clock {
  double now = 100;
  ProgressOptions options(ProgressStyle style, std::size_t columns = 100) {
    return {.style = style, .columns = columns, .clock = [this] { return now; }};
  }
};

EpochSummary third_epoch() {
  // 599,010 samples in 12.3 s: 48,700 samples per second.
  return {.epoch = 3,
          .epochs = 10,
          .loss = 0.31214,
          .accuracy = 0.88921,
          .val_loss = 0.33,
          .val_accuracy = 0.881,
          .seconds = 12.3,
          .samples = 599010};
}

}  // namespace

TEST_CASE("Progress, lines: one plain line per epoch and nothing per batch", "[train][progress]") {
  std::ostringstream out;
  fake_clock clock;
  Progress progress(out, clock.options(ProgressStyle::lines));
  CHECK(progress.style() == ProgressStyle::lines);
  progress.begin_epoch(3, 10, 938);
  for (std::size_t b = 1; b <= 938; ++b) {
    clock.now += 0.01;
    progress.update(b, 0.3, 0.9, b * 64);
  }
  CHECK(out.str().empty());
  CHECK(progress.elapsed() == Approx(9.38));
  progress.end_epoch(third_epoch());
  CHECK(out.str() ==
        "epoch 3/10  loss 0.3121  acc 88.92%  val_loss 0.3300  val_acc 88.10%  12.3 s  "
        "48,700 samples/s\n");

  // Without validation, with epoch numbers taken from begin_epoch, and a longer epoch.
  out.str("");
  progress.begin_epoch(4, 10, 938);
  progress.end_epoch({.loss = 0.25, .accuracy = 0.9, .seconds = 125, .samples = 60000});
  CHECK(out.str() == "epoch 4/10  loss 0.2500  acc 90.00%  2m 05s  480 samples/s\n");
}

TEST_CASE("Progress, automatic: a stream that is not std::cout gets lines", "[train][progress]") {
  std::ostringstream out;
  Progress progress(out);
  CHECK(progress.style() == ProgressStyle::lines);
  Progress to_stdout;
  CHECK(to_stdout.style() == (isatty(STDOUT_FILENO) ? ProgressStyle::bar : ProgressStyle::lines));
}

TEST_CASE("Progress, silent: prints nothing", "[train][progress]") {
  std::ostringstream out;
  fake_clock clock;
  Progress progress(out, clock.options(ProgressStyle::silent));
  progress.begin_epoch(1, 1, 2);
  progress.update(1, 1, 0.5, 10);
  progress.update(2, 1, 0.5, 20);
  progress.end_epoch(third_epoch());
  CHECK(out.str().empty());
}

TEST_CASE("Progress, bar: redrawn in place, at most every 0.1 s, then the epoch line",
          "[train][progress]") {
  std::ostringstream out;
  fake_clock clock;
  Progress progress(out, clock.options(ProgressStyle::bar, 100));
  progress.begin_epoch(3, 10, 938);
  clock.now += 12;
  progress.update(450, 0.31214, 0.88921, 28800);
  // 28,800 samples in 12 s; 12 s for 450 batches leaves 488 * 12 / 450 = 13.0 s.
  // The text around the bar takes 68 columns and one stays free: 31 left, of which the bar
  // takes its maximum, 30 cells; 450 * 30 / 938 = 14 of them are done.
  const std::string first =
      "\repoch 3/10 [==============>               ] 450/938  loss 0.3121  acc 88.92%  2,400/s  "
      "00:12<00:13";
  CHECK(out.str() == first);
  CHECK(first.size() - 1 == 98);

  clock.now += 0.05;  // too soon: no redraw
  progress.update(451, 0.3, 0.9, 28864);
  CHECK(out.str() == first);

  clock.now += 0.06;  // 0.11 s after the last drawing
  progress.update(452, 0.3, 0.9, 28928);
  CHECK(out.str().size() > first.size());
  CHECK(out.str().substr(first.size()).rfind("\repoch 3/10 [", 0) == 0);

  out.str("");
  clock.now += 0.001;  // the last batch is always drawn, however soon
  progress.update(938, 0.3, 0.9, 60000);
  CHECK(out.str().find("] 938/938  loss 0.3000  acc 90.00%") != std::string::npos);
  CHECK(out.str().find("[==============================]") != std::string::npos);
  CHECK(out.str().find("<00:00") != std::string::npos);

  out.str("");
  progress.end_epoch(third_epoch());
  const std::string line =
      "epoch 3/10  loss 0.3121  acc 88.92%  val_loss 0.3300  val_acc 88.10%  12.3 s  "
      "48,700 samples/s";
  // The summary replaces the bar; shorter than the bar, so spaces blank the rest of it.
  CHECK(out.str().rfind("\r" + line, 0) == 0);
  CHECK(out.str().back() == '\n');
  CHECK(out.str().find_first_not_of(' ', line.size() + 1) == out.str().size() - 1);
}

TEST_CASE("Progress, bar: fits a narrow terminal, shows '?' before the first batch ends",
          "[train][progress]") {
  std::ostringstream out;
  fake_clock clock;
  Progress progress(out, clock.options(ProgressStyle::bar, 60));
  progress.begin_epoch(12, 100, 60000);
  progress.update(0, 2.3, 0.1, 0);
  // The times do not fit in 59 columns with a bar of at least 10 cells: they are left out,
  // and the bar takes the 11 columns left.
  CHECK(out.str() == "\repoch 12/100 [           ] 0/60000  loss 2.3000  acc 10.00%");

  std::ostringstream narrow;
  Progress tiny(narrow, clock.options(ProgressStyle::bar, 20));
  tiny.begin_epoch(12, 100, 60000);
  tiny.update(0, 2.3, 0.1, 0);
  CHECK(narrow.str() == "\repoch 12/100 [     ");  // cut to 19 columns as a last resort

  std::ostringstream wide;
  Progress roomy(wide, clock.options(ProgressStyle::bar, 120));
  roomy.begin_epoch(12, 100, 60000);
  roomy.update(0, 2.3, 0.1, 0);
  CHECK(
      wide.str() ==
      "\repoch 12/100 [                              ] 0/60000  loss 2.3000  acc 10.00%  00:00<?");
}

TEST_CASE("Progress: number and duration formats", "[train][progress]") {
  CHECK(detail::group_thousands(0) == "0");
  CHECK(detail::group_thousands(999) == "999");
  CHECK(detail::group_thousands(1000) == "1,000");
  CHECK(detail::group_thousands(48700) == "48,700");
  CHECK(detail::group_thousands(1234567) == "1,234,567");
  CHECK(detail::format_seconds(0.04) == "0.0 s");
  CHECK(detail::format_seconds(12.34) == "12.3 s");
  CHECK(detail::format_seconds(59.99) == "1m 00s");
  CHECK(detail::format_seconds(125) == "2m 05s");
  CHECK(detail::format_seconds(3725) == "1h 02m");
  CHECK(detail::format_clock(0) == "00:00");
  CHECK(detail::format_clock(75.9) == "01:15");
  CHECK(detail::format_clock(3723) == "1:02:03");
}

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("CsvLog: a header, then one row per epoch, empty fields for no validation",
          "[train][csv]") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("nerve_csv_log_" + std::to_string(getpid()) + ".csv");
  {
    CsvLog log(path);
    CHECK(log.path() == path);
    CHECK(read_file(path) == "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n");
    log.write(third_epoch());
    log.write({.epoch = 4, .epochs = 10, .loss = 0.25, .accuracy = 0.9, .seconds = 2.5});
    // Each row is on disk as soon as it is written.
    CHECK(read_file(path) ==
          "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
          "3,0.31214,0.88921,0.33,0.881,12.300\n"
          "4,0.25,0.9,,,2.500\n");
  }
  CsvLog again(path);  // a new log starts the file anew
  CHECK(read_file(path) == "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n");
  std::filesystem::remove(path);
}

TEST_CASE("CsvLog: a file that cannot be opened or written throws io_error naming it",
          "[train][csv]") {
  const std::filesystem::path missing = "/nonexistent-nerve-dir/log.csv";
  try {
    CsvLog log(missing);
    FAIL("no exception");
  } catch (const io_error& e) {
    CHECK(e.path() == missing);
    CHECK(std::string(e.what()) ==
          "/nonexistent-nerve-dir/log.csv: cannot open for writing: No such file or directory");
  }
  if (std::filesystem::exists("/dev/full")) {
    // /dev/full accepts the open and fails every write with ENOSPC.
    CHECK_THROWS_WITH(CsvLog("/dev/full"), "/dev/full: cannot write: No space left on device");
  }
}
