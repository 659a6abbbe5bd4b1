// nerve/io/utf8.hpp: UTF-8 checked by the rules of RFC 3629 (the Unicode standard's table 3-7):
// no overlong forms, no UTF-16 surrogates (U+D800 to U+DFFF), nothing above U+10FFFF.
//
//   utf8::first_error(bytes)   where the first invalid sequence is and what is wrong, if any;
//   utf8::next(bytes, offset)  the code point at offset, and where the next one starts;
//   utf8::decode(bytes)        all code points (std::invalid_argument on invalid UTF-8);
//   utf8::append / encode      code points back to UTF-8.
// The readers above (text.hpp, fortunes.hpp) turn an error into an io_error naming the file.
#pragma once

#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <cstdio>       // std::snprintf
#include <optional>
#include <stdexcept>    // std::invalid_argument
#include <string>
#include <string_view>
#include <utility>      // std::move

namespace nerve::utf8 {

// An invalid sequence: the offset of its first byte, and what is wrong with it.
struct Error {
  std::size_t offset = 0;
  std::string problem;  // "byte 0xff never appears in UTF-8", ...
};

// One decoded code point and the offset just past it.
struct Step {
  char32_t code_point = 0;
  std::size_t next = 0;
};

namespace detail {

inline std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(b));
  return buf;
}

inline bool continuation(unsigned char b) noexcept { return (b & 0xC0u) == 0x80u; }

// Decodes at offset i (i < s.size()); on failure fills problem and returns nullopt.
inline std::optional<Step> decode_one(std::string_view s, std::size_t i, std::string* problem) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80u) return Step{b0, i + 1};
  auto fail = [&](std::string what) -> std::optional<Step> {
    if (problem) *problem = std::move(what);
    return std::nullopt;
  };
  if (continuation(b0)) {
    return fail("byte " + hex_byte(b0) + " is a continuation byte with no lead byte before it");
  }
  if (b0 == 0xC0u || b0 == 0xC1u) {
    return fail("byte " + hex_byte(b0) + " starts an overlong encoding (never valid in UTF-8)");
  }
  if (b0 >= 0xF5u) return fail("byte " + hex_byte(b0) + " never appears in UTF-8");

  const std::size_t length = b0 < 0xE0u ? 2 : b0 < 0xF0u ? 3 : 4;
  // The second byte's range depends on the lead byte (table 3-7); the others are 0x80..0xBF.
  unsigned char low = 0x80u, high = 0xBFu;
  if (b0 == 0xE0u) low = 0xA0u;       // below: overlong
  else if (b0 == 0xEDu) high = 0x9Fu;  // above: a UTF-16 surrogate
  else if (b0 == 0xF0u) low = 0x90u;   // below: overlong
  else if (b0 == 0xF4u) high = 0x8Fu;  // above: beyond U+10FFFF

  char32_t cp = b0 & (length == 2 ? 0x1Fu : length == 3 ? 0x0Fu : 0x07u);
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) {
      return fail("lead byte " + hex_byte(b0) + " needs " + std::to_string(length - 1) +
                  " continuation bytes, but the text ends after " + std::to_string(k - 1));
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (!continuation(b)) {
      return fail("lead byte " + hex_byte(b0) + " is followed by " + hex_byte(b) +
                  ", which is not a continuation byte (0x80 to 0xbf)");
    }
    if (k == 1 && (b < low || b > high)) {
      const char* what = b0 == 0xEDu   ? "a UTF-16 surrogate (U+D800 to U+DFFF)"
                         : b0 == 0xF4u ? "a code point above U+10FFFF"
                                       : "an overlong encoding";
      return fail("bytes " + hex_byte(b0) + " " + hex_byte(b) + " start " + what);
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return Step{cp, i + length};
}

}  // namespace detail

// The code point starting at `offset` (offset < bytes.size()), or nullopt when the bytes there
// are not a valid UTF-8 sequence.
inline std::optional<Step> next(std::string_view bytes, std::size_t offset) {
  return detail::decode_one(bytes, offset, nullptr);
}

// The first invalid sequence of `bytes`, or nullopt when all of it is valid UTF-8.
inline std::optional<Error> first_error(std::string_view bytes) {
  std::size_t i = 0;
  std::string problem;
  while (i < bytes.size()) {
    // ASCII runs are most of most text: skip them without decoding.
    if (static_cast<unsigned char>(bytes[i]) < 0x80u) {
      ++i;
      continue;
    }
    const auto step = detail::decode_one(bytes, i, &problem);
    if (!step) return Error{i, std::move(problem)};
    i = step->next;
  }
  return std::nullopt;
}

// "invalid UTF-8 at byte offset 12 (line 2): byte 0xff never appears in UTF-8": the line
// (counted from 1) makes the place easy to find in an editor.
inline std::string describe(const Error& error, std::string_view bytes) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < error.offset && i < bytes.size(); ++i) line += bytes[i] == '\n';
  return "invalid UTF-8 at byte offset " + std::to_string(error.offset) + " (line " +
         std::to_string(line) + "): " + error.problem;
}

// Appends the UTF-8 form of cp; a surrogate or a value above U+10FFFF is std::invalid_argument.
inline void append(std::string& out, char32_t cp) {
  if ((cp >= 0xD800u && cp <= 0xDFFFu) || cp > 0x10FFFFu) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    throw std::invalid_argument(std::string("utf8::append: ") + buf +
                                " is not a Unicode scalar value (a surrogate or above U+10FFFF)");
  }
  if (cp < 0x80u) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800u) {
    out += static_cast<char>(0xC0u | (cp >> 6));
    out += static_cast<char>(0x80u | (cp & 0x3Fu));
  } else if (cp < 0x10000u) {
    out += static_cast<char>(0xE0u | (cp >> 12));
    out += static_cast<char>(0x80u | ((cp >> 6) & 0x3Fu));
    out += static_cast<char>(0x80u | (cp & 0x3Fu));
  } else {
    out += static_cast<char>(0xF0u | (cp >> 18));
    out += static_cast<char>(0x80u | ((cp >> 12) & 0x3Fu));
    out += static_cast<char>(0x80u | ((cp >> 6) & 0x3Fu));
    out += static_cast<char>(0x80u | (cp & 0x3Fu));
  }
}

inline std::string encode(char32_t cp) {
  std::string out;
  append(out, cp);
  return out;
}

inline std::string encode(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t cp : code_points) append(out, cp);
  return out;
}

// Every code point of `bytes`; invalid UTF-8 is std::invalid_argument saying where and why.
inline std::u32string decode(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  std::string problem;
  for (std::size_t i = 0; i < bytes.size();) {
    const auto step = detail::decode_one(bytes, i, &problem);
    if (!step) throw std::invalid_argument(describe(Error{i, problem}, bytes));
    out += step->code_point;
    i = step->next;
  }
  return out;
}

// How many code points valid UTF-8 holds (every byte that is not a continuation byte).
inline std::size_t length(std::string_view valid_bytes) noexcept {
  std::size_t n = 0;
  for (char c : valid_bytes) n += !detail::continuation(static_cast<unsigned char>(c));
  return n;
}

}  // namespace nerve::utf8
