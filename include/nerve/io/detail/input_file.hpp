// nerve/io/detail/input_file.hpp: input_file, a byte stream from a file that is read plainly
// or, when it starts with the gzip magic 1f 8b, decompressed with zlib on the fly.
//
// Every failure is an io_error naming the file: missing, unreadable, a directory, a corrupt or
// cut-short gzip stream (with zlib's own words), or bytes after the gzip stream.
// Readers above it (IDX, checkpoints) see only decompressed bytes and a count of how many
// they got, so they can say "truncated" with numbers.
#pragma once

#include <zlib.h>  // z_stream, inflate

#include <algorithm>   // std::min
#include <cerrno>      // errno
#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint8_t
#include <cstdio>      // std::FILE, std::fopen, std::fread
#include <cstring>     // std::memcpy, std::memmove, std::strerror
#include <filesystem>  // std::filesystem::path, is_directory
#include <limits>      // std::numeric_limits
#include <memory>      // std::unique_ptr
#include <string>
#include <utility>     // std::move
#include <vector>

#include "nerve/io/error.hpp"  // nerve::io_error

namespace nerve::detail {

class input_file {
 public:
  explicit input_file(std::filesystem::path path) : path_(std::move(path)), buffer_(chunk) {
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec)) fail("is a directory, not a file");
    errno = 0;
    file_.reset(std::fopen(path_.c_str(), "rb"));
    if (!file_) {
      const int err = errno;
      fail(std::string("cannot open: ") + (err ? std::strerror(err) : "unknown error"));
    }
    fill();
    gzip_ = available_ >= 2 && buffer_[begin_] == 0x1f && buffer_[begin_ + 1] == 0x8b;
    if (gzip_) start_inflate();
  }

  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;
  ~input_file() {
    if (inflating_) inflateEnd(&z_);
  }

  const std::filesystem::path& path() const noexcept { return path_; }
  bool gzipped() const noexcept { return gzip_; }

  // Reads up to n bytes into out; fewer only when the (decompressed) data ends.
  std::size_t read(std::uint8_t* out, std::size_t n) {
    return gzip_ ? read_gzip(out, n) : read_plain(out, n);
  }

  // Reads and discards everything left; returns how many bytes that was.
  std::size_t skip_rest() {
    std::vector<std::uint8_t> sink(chunk);
    std::size_t total = 0;
    while (std::size_t got = read(sink.data(), sink.size())) total += got;
    return total;
  }

  [[noreturn]] void fail(std::string problem) const { throw io_error(path_, std::move(problem)); }

 private:
  static constexpr std::size_t chunk = std::size_t{1} << 16;

  struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };

  // Moves the unread bytes to the front of the buffer and reads more after them.
  void fill() {
    if (begin_ > 0 && available_ > 0) std::memmove(buffer_.data(), buffer_.data() + begin_, available_);
    begin_ = 0;
    if (end_of_file_) return;
    const std::size_t want = buffer_.size() - available_;
    errno = 0;
    const std::size_t got = std::fread(buffer_.data() + available_, 1, want, file_.get());
    available_ += got;
    if (got < want) {
      if (std::ferror(file_.get())) {
        const int err = errno;
        fail(std::string("read error: ") + (err ? std::strerror(err) : "unknown error"));
      }
      end_of_file_ = true;  // a short read without an error is the end of the file
    }
  }

  std::size_t read_plain(std::uint8_t* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      if (available_ == 0) {
        fill();
        if (available_ == 0) break;
      }
      const std::size_t take = std::min(n - done, available_);
      std::memcpy(out + done, buffer_.data() + begin_, take);
      begin_ += take;
      available_ -= take;
      done += take;
    }
    return done;
  }

  void start_inflate() {
    z_ = z_stream{};
    // 15 + 16: a gzip wrapper (not zlib or raw deflate), the largest window.
    if (inflateInit2(&z_, 15 + 16) != Z_OK) fail("cannot start gzip decompression: out of memory");
    inflating_ = true;
  }

  std::string zlib_message(const char* fallback) const {
    return z_.msg ? std::string(z_.msg) : std::string(fallback);
  }

  std::size_t read_gzip(std::uint8_t* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n && !finished_) {
      if (available_ == 0) fill();
      const auto in_before = static_cast<uInt>(std::min<std::size_t>(available_, max_uint));
      const auto out_before = static_cast<uInt>(std::min<std::size_t>(n - done, max_uint));
      z_.next_in = buffer_.data() + begin_;
      z_.avail_in = in_before;
      z_.next_out = out + done;
      z_.avail_out = out_before;
      const int status = inflate(&z_, Z_NO_FLUSH);
      const std::size_t consumed = in_before - z_.avail_in;
      begin_ += consumed;
      available_ -= consumed;
      done += out_before - z_.avail_out;
      const bool stuck = consumed == 0 && out_before == z_.avail_out;
      switch (status) {
        case Z_OK:
        case Z_BUF_ERROR:
          // No progress and no more input: the stream stops before its end. (With input left,
          // the loop reads more; inflate may also hold output from input already consumed.)
          if (stuck && available_ == 0 && end_of_file_) {
            fail("corrupt gzip stream: unexpected end of file (the compressed data is cut short)");
          }
          break;
        case Z_STREAM_END:
          next_member();
          break;
        case Z_NEED_DICT:
          fail("corrupt gzip stream: " + zlib_message("needs a preset dictionary"));
        case Z_MEM_ERROR:
          fail("out of memory while decompressing");
        default:  // Z_DATA_ERROR, Z_STREAM_ERROR
          fail("corrupt gzip stream: " + zlib_message("invalid data"));
      }
    }
    return done;
  }

  // A gzip file may hold several members back to back; anything else after one is garbage.
  void next_member() {
    if (available_ < 2) fill();
    if (available_ == 0) {
      finished_ = true;
      return;
    }
    if (available_ >= 2 && buffer_[begin_] == 0x1f && buffer_[begin_ + 1] == 0x8b) {
      inflateReset(&z_);
      return;
    }
    std::size_t extra = available_;
    available_ = 0;
    while (true) {
      fill();
      if (available_ == 0) break;
      extra += available_;
      available_ = 0;
    }
    fail("trailing garbage: " + std::to_string(extra) + " bytes after the end of the gzip stream");
  }

  static constexpr std::size_t max_uint = std::numeric_limits<uInt>::max();

  std::filesystem::path path_;
  std::unique_ptr<std::FILE, file_closer> file_;
  std::vector<std::uint8_t> buffer_;  // raw file bytes not yet used: [begin_, begin_ + available_)
  std::size_t begin_ = 0;
  std::size_t available_ = 0;
  bool end_of_file_ = false;
  bool gzip_ = false;
  z_stream z_{};
  bool inflating_ = false;
  bool finished_ = false;  // the last gzip member ended and nothing follows it
};

}  // namespace nerve::detail
