// tests/fuzz/fuzz_support.hpp: what the fuzz targets share (docs/fuzzing.md).
//
// Each target's body is a header (idx.hpp, checkpoint.hpp, text.hpp, onnx.hpp, ...) with one
// function taking the input's bytes: the libFuzzer entry point (idx.cpp, ...) calls it under
// clang with ASan and UBSan, and the unit test tests/unit/fuzz_replay.cpp calls it with g++ on
// every committed regression input and seed, so the normal suite guards what fuzzing found.
//
// A body catches only the errors a reader documents (nerve::io_error, nerve_codegen::
// codegen_error, std::invalid_argument where that is the documented error) and lets everything
// else out: a crash, a sanitizer report, any other exception (libFuzzer reports an escaping
// exception as a crash) or a broken property (property_violated, below).
#pragma once

#include <stdlib.h>    // mkstemp
#include <sys/mman.h>  // memfd_create
#include <unistd.h>    // pwrite, ftruncate, close, unlink

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>  // std::strerror
#include <filesystem>
#include <stdexcept>
#include <string>

namespace nerve_fuzz {

// A property of a reader's result that does not hold: a bug even without a crash.
struct property_violated : std::logic_error {
  using std::logic_error::logic_error;
};

#define NERVE_FUZZ_CHECK(condition)                                                              \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      throw ::nerve_fuzz::property_violated(std::string(__FILE__ ":") + std::to_string(__LINE__) + \
                                            ": property violated: " #condition);                 \
    }                                                                                            \
  } while (0)

// One file per process, rewritten with each input: for the readers that take a path (read_idx,
// read_text, fortunes::read_file, nerve::load). An anonymous file in memory (memfd_create), opened
// by its /proc/self/fd path, so no disk is touched (truncating a disk file thousands of times a
// second waits on writeback) and nothing is left behind; a file under the temporary directory,
// removed at exit, where memfd_create is missing.
class scratch_file {
 public:
  scratch_file() {
    fd_ = ::memfd_create("nerve-fuzz", 0);
    if (fd_ >= 0) {
      path_ = "/proc/self/fd/" + std::to_string(fd_);
      return;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "nerve-fuzz-XXXXXX").string();
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) throw std::runtime_error("nerve fuzz: cannot create " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
    temporary_ = true;
  }
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;
  ~scratch_file() {
    ::close(fd_);
    if (temporary_) ::unlink(path_.c_str());
  }

  // The file now holds exactly these bytes.
  const std::filesystem::path& write(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) fail("truncate");
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) fail("write");
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error(std::string("nerve fuzz: cannot ") + what + " " + path_.string() + ": " +
                             std::strerror(errno));
  }
  int fd_ = -1;
  std::filesystem::path path_;
  bool temporary_ = false;
};

inline scratch_file& scratch() {
  static scratch_file file;
  return file;
}

}  // namespace nerve_fuzz
