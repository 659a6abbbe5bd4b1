// nerve/io/text.hpp: read_text, a whole text file as one std::string, checked.
//
// A text is read as UTF-8 code points (TextUnit::code_points: the bytes must be valid UTF-8, and
// a byte-order mark at the start is dropped) or as raw bytes (TextUnit::bytes: any file, each
// byte one symbol, as for a byte-level model or text in an unknown encoding). The file may be
// gzipped (detected by its magic bytes). A missing file, a directory, an empty file and invalid
// UTF-8 are io_errors naming the file; invalid UTF-8 also gives the byte offset and line.
// The symbols of a text become token ids through a Vocabulary (vocabulary.hpp).
#pragma once

#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint8_t
#include <filesystem>  // std::filesystem::path
#include <string>
#include <string_view>

#include "nerve/io/detail/input_file.hpp"  // nerve::detail::input_file
#include "nerve/io/error.hpp"              // nerve::io_error
#include "nerve/io/utf8.hpp"               // nerve::utf8::first_error

namespace nerve {

// What one symbol of a text is.
enum class TextUnit {
  code_points,  // a Unicode code point; the text must be valid UTF-8
  bytes,        // a byte, 0 to 255; any data is accepted
};

constexpr std::string_view to_string(TextUnit unit) noexcept {
  return unit == TextUnit::bytes ? "bytes" : "code_points";
}

struct TextOptions {
  TextUnit unit = TextUnit::code_points;
  // An empty file (or one holding only a byte-order mark) is an io_error unless this is set.
  bool allow_empty = false;
};

inline constexpr std::string_view utf8_byte_order_mark = "\xEF\xBB\xBF";

namespace detail {

// Every (decompressed) byte of the file; io_error if it cannot be read. *gzipped tells whether
// the file was gzipped, when asked.
inline std::string read_all_bytes(const std::filesystem::path& path, bool* gzipped = nullptr) {
  input_file in(path);
  if (gzipped != nullptr) *gzipped = in.gzipped();
  std::string out;
  std::size_t size = 0;
  constexpr std::size_t chunk = std::size_t{1} << 16;
  while (true) {
    out.resize(size + chunk);
    const std::size_t got = in.read(reinterpret_cast<std::uint8_t*>(out.data() + size), chunk);
    size += got;
    if (got < chunk) break;
  }
  out.resize(size);
  return out;
}

// io_error naming `path` when `bytes` is not valid UTF-8. In a gzipped file the offset counts
// the decompressed text, not the file's bytes: the message says so.
inline void require_utf8(const std::filesystem::path& path, std::string_view bytes,
                         bool gzipped = false) {
  if (const auto error = utf8::first_error(bytes)) {
    throw io_error(path, utf8::describe(*error, bytes) +
                             (gzipped ? " (the offset counts the decompressed text)" : "") +
                             " (to read it anyway, take its symbols as bytes: TextUnit::bytes)");
  }
}

}  // namespace detail

// The text of a file: UTF-8 (checked) for TextUnit::code_points, the raw bytes for
// TextUnit::bytes. Never returns an empty string unless options.allow_empty.
inline std::string read_text(const std::filesystem::path& path, const TextOptions& options = {}) {
  bool gzipped = false;
  std::string text = detail::read_all_bytes(path, &gzipped);
  if (options.unit == TextUnit::code_points) {
    // Before the mark is dropped: offsets are the file's (or its decompressed text's).
    detail::require_utf8(path, text, gzipped);
    if (text.starts_with(utf8_byte_order_mark)) text.erase(0, utf8_byte_order_mark.size());
  }
  if (text.empty() && !options.allow_empty) {
    throw io_error(path, "empty: the file holds no text");
  }
  return text;
}

}  // namespace nerve
