// Helpers for the io tests: a temporary folder, IDX bytes written by hand (big-endian, most
// significant byte first), files written plainly or through zlib's gzwrite, and catching the
// io_error a bad file must give.
#pragma once

#include <catch2/catch.hpp>
#include <stdlib.h>  // mkdtemp
#include <zlib.h>    // gzopen, gzwrite

#include <bit>  // std::bit_cast
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include <nerve/io/error.hpp>  // nerve::io_error

namespace nerve_test {

using Bytes = std::vector<std::uint8_t>;

// A fresh folder under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nerve-io-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The bits of v, most significant byte first: how IDX stores every element.
template <class T>
void append_be(Bytes& out, T v) {
  using U = std::conditional_t<sizeof(T) == 1, std::uint8_t,
            std::conditional_t<sizeof(T) == 2, std::uint16_t,
            std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  const std::uint64_t bits = std::bit_cast<U>(v);
  for (std::size_t i = sizeof(T); i-- > 0;) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

// 00 00 type rank, then each dimension as a big-endian uint32.
inline Bytes idx_header(std::uint8_t type, std::initializer_list<std::uint32_t> dims) {
  Bytes out{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims) append_be(out, d);
  return out;
}

inline void write_plain(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline void write_gzip(const std::filesystem::path& path, const Bytes& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  REQUIRE(gz != nullptr);
  if (!bytes.empty()) {
    REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) ==
            static_cast<int>(bytes.size()));
  }
  REQUIRE(gzclose(gz) == Z_OK);
}

inline Bytes read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs f, which must throw nerve::io_error; returns it. Any other outcome fails the test.
template <class F>
nerve::io_error expect_io_error(F&& f) {
  try {
    f();
  } catch (const nerve::io_error& e) {
    return e;
  }
  FAIL("no nerve::io_error was thrown");
  return nerve::io_error("", "");
}

}  // namespace nerve_test
