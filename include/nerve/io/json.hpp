// nerve/io/json.hpp: reading and writing JSON text (RFC 8259), nerve's own.
//
// A safetensors checkpoint (io/checkpoint.hpp) starts with a JSON header; this is all nerve needs
// to read and write it, so that saving a checkpoint costs no dependency and little compile time.
//
//   json::parse(text)             the document as a json::value tree, or json::parse_error
//                                 ("at byte 17: expected ':' after an object key")
//   json::write_string(out, s)    appends s as a quoted JSON string
//   json::write_integers(out, v)  appends [1,2,3]
//
// The reader takes any file, hostile ones included (tests/fuzz/): strict RFC 8259 syntax, UTF-8
// checked inside strings, nesting limited to max_depth, and an object with a key twice is an error
// (which of two safetensors entries of one name would be meant?).
#pragma once

#include <charconv>     // std::from_chars
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t
#include <optional>
#include <set>
#include <span>
#include <stdexcept>    // std::runtime_error
#include <string>
#include <string_view>
#include <utility>      // std::move
#include <vector>

#include "nerve/io/utf8.hpp"  // nerve::utf8::next, first_error, append

namespace nerve::json {

// Arrays and objects nested deeper are an error: the reader recurses once per level.
inline constexpr int max_depth = 128;

// Bad JSON: what() is "at byte <offset>: <problem>", the offset counted from the text's start.
class parse_error : public std::runtime_error {
 public:
  parse_error(std::size_t offset, const std::string& problem)
      : std::runtime_error("at byte " + std::to_string(offset) + ": " + problem), offset_(offset) {}
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

enum class kind { null, boolean, number, string, array, object };

struct member;

struct value {
  json::kind kind = json::kind::null;
  bool boolean = false;
  std::string text;             // a string's UTF-8, or a number as written (checked syntax)
  std::vector<value> items;     // an array's elements
  std::vector<member> members;  // an object's, in file order

  bool is_string() const noexcept { return kind == json::kind::string; }
  bool is_array() const noexcept { return kind == json::kind::array; }
  bool is_object() const noexcept { return kind == json::kind::object; }

  // An object's member, or nullptr (for any other kind too).
  const value* find(std::string_view key) const noexcept;
  // A number written as a non-negative integer that fits: not "-0", "1.0", "1e3" or 2^64.
  std::optional<std::uint64_t> as_uint64() const noexcept;
};

// One key and its value. (Not a std::pair: clang cannot instantiate std::pair<std::string, value>
// from within value, which the pair's traits need complete.)
struct member {
  std::string key;
  json::value value;
};

inline const value* value::find(std::string_view key) const noexcept {
  for (const auto& m : members)
    if (m.key == key) return &m.value;
  return nullptr;
}

inline std::optional<std::uint64_t> value::as_uint64() const noexcept {
  if (kind != json::kind::number || text.empty() || text[0] == '-') return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

namespace detail {

class parser {
 public:
  explicit parser(std::string_view text) : text_(text) {}

  value document() {
    value v = parse_value(0);
    skip_whitespace();
    if (at_ != text_.size()) fail(at_, "unexpected " + found() + " after the JSON value");
    return v;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;

  [[noreturn]] static void fail(std::size_t offset, const std::string& problem) {
    throw parse_error(offset, problem);
  }
  // What is at the current position, for messages: 'x', byte 0x01 or the end of the text.
  std::string found() const {
    if (at_ >= text_.size()) return "the end of the text";
    const auto c = static_cast<unsigned char>(text_[at_]);
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    static constexpr char digits[] = "0123456789abcdef";
    return std::string("byte 0x") + digits[c >> 4] + digits[c & 15];
  }
  bool at_end() const noexcept { return at_ >= text_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : text_[at_]; }
  bool digit() const noexcept { return !at_end() && text_[at_] >= '0' && text_[at_] <= '9'; }
  void skip_whitespace() noexcept {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++at_;
  }

  value parse_value(int depth) {
    skip_whitespace();
    value v;
    switch (peek()) {
      case '{': return parse_object(depth);
      case '[': return parse_array(depth);
      case '"': v.kind = kind::string; v.text = parse_string(); return v;
      case 't': literal("true"); v.kind = kind::boolean; v.boolean = true; return v;
      case 'f': literal("false"); v.kind = kind::boolean; return v;
      case 'n': literal("null"); return v;
      default:
        if (peek() == '-' || digit()) return parse_number();
        fail(at_, "expected a value, found " + found());
    }
  }

  void literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) fail(at_, "expected " + std::string(word));
    at_ += word.size();
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, kept as written: no digit is lost to a double.
  value parse_number() {
    const std::size_t start = at_;
    if (peek() == '-') ++at_;
    if (!digit()) fail(at_, "expected a digit after '-', found " + found());
    if (peek() == '0') {
      ++at_;
      if (digit()) fail(start, "a number with a leading zero");
    }
    while (digit()) ++at_;
    if (peek() == '.') {
      ++at_;
      if (!digit()) fail(at_, "expected a digit after the decimal point, found " + found());
      while (digit()) ++at_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++at_;
      if (peek() == '+' || peek() == '-') ++at_;
      if (!digit()) fail(at_, "expected a digit in the exponent, found " + found());
      while (digit()) ++at_;
    }
    value v;
    v.kind = kind::number;
    v.text = std::string(text_.substr(start, at_ - start));
    return v;
  }

  // The four hex digits of a \u escape whose backslash is at at_.
  char32_t hex4() {
    char32_t cp = 0;
    for (std::size_t i = at_ + 2; i < at_ + 6; ++i) {
      const char c = i < text_.size() ? text_[i] : '\0';
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) fail(at_, "\\u needs four hex digits");
      cp = cp * 16 + static_cast<char32_t>(d);
    }
    at_ += 6;
    return cp;
  }

  std::string parse_string() {
    const std::size_t start = at_++;  // the opening quote
    const auto unclosed = [&] {
      fail(at_, "the text ends inside the string that starts at byte " + std::to_string(start));
    };
    std::string out;
    for (;;) {
      if (at_end()) unclosed();
      const auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        ++at_;
        return out;
      }
      if (c < 0x20) fail(at_, "control character " + found() + " in a string (JSON wants it escaped)");
      if (c >= 0x80) {  // copied as it is, once checked: RFC 8259 text is UTF-8
        const auto step = utf8::next(text_, at_);
        if (!step) fail(at_, "invalid UTF-8 in a string: " + utf8::first_error(text_.substr(at_))->problem);
        out.append(text_.substr(at_, step->next - at_));
        at_ = step->next;
      } else if (c != '\\') {
        out += static_cast<char>(c);
        ++at_;
      } else if (at_ + 1 == text_.size()) {
        ++at_;
        unclosed();
      } else {
        escape(out);
      }
    }
  }

  // Decodes the escape whose backslash is at at_ onto out.
  void escape(std::string& out) {
    const std::size_t start = at_;
    switch (text_[at_ + 1]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        char32_t cp = hex4();
        // UTF-16 surrogates come in pairs, high (d800-dbff) then low (dc00-dfff), for one code point.
        const std::string written(text_.substr(start, 6));
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          fail(start, "lone surrogate " + written + " (a low one, with no high one before it)");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const char32_t low = text_.substr(at_, 2) == "\\u" ? hex4() : 0;
          if (low < 0xDC00 || low > 0xDFFF) {
            fail(start, "lone surrogate " + written +
                            " (a high one, not followed by a low one, \\udc00 to \\udfff)");
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        utf8::append(out, cp);
        return;
      }
      default:
        ++at_;
        fail(start, "invalid escape: '\\' followed by " + found() + " in a string");
    }
    at_ += 2;
  }

  // Each level of nesting is a level of recursion: the limit keeps a hostile file from the stack's end.
  void too_deep(int depth) const {
    if (depth >= max_depth) fail(at_, "arrays and objects nested deeper than " + std::to_string(max_depth));
  }

  value parse_array(int depth) {
    too_deep(depth);
    ++at_;  // '['
    value v;
    v.kind = kind::array;
    skip_whitespace();
    if (peek() == ']') {
      ++at_;
      return v;
    }
    for (;;) {
      v.items.push_back(parse_value(depth + 1));
      skip_whitespace();
      if (peek() == ']') {
        ++at_;
        return v;
      }
      if (peek() != ',') fail(at_, "expected ',' or ']' after an array element, found " + found());
      ++at_;
      skip_whitespace();
      if (peek() == ']') fail(at_, "a trailing comma before ']'");
    }
  }

  value parse_object(int depth) {
    too_deep(depth);
    ++at_;  // '{'
    value v;
    v.kind = kind::object;
    std::set<std::string> keys;  // (a search of the members per key is quadratic in a hostile file)
    skip_whitespace();
    if (peek() == '}') {
      ++at_;
      return v;
    }
    for (;;) {
      if (peek() != '"') fail(at_, "expected a string key, found " + found());
      const std::size_t key_at = at_;
      std::string key = parse_string();
      if (!keys.insert(key).second) fail(key_at, "the key \"" + key + "\" appears twice in one object");
      skip_whitespace();
      if (peek() != ':') fail(at_, "expected ':' after an object key, found " + found());
      ++at_;
      value item = parse_value(depth + 1);
      v.members.push_back({std::move(key), std::move(item)});
      skip_whitespace();
      if (peek() == '}') {
        ++at_;
        return v;
      }
      if (peek() != ',') fail(at_, "expected ',' or '}' after an object member, found " + found());
      ++at_;
      skip_whitespace();
      if (peek() == '}') fail(at_, "a trailing comma before '}'");
    }
  }
};

}  // namespace detail

// The JSON document that is all of `text` (whitespace around it allowed); parse_error otherwise.
inline value parse(std::string_view text) { return detail::parser(text).document(); }

// Appends s as a JSON string: quotes, backslashes and control characters escaped, every other
// byte as it is (UTF-8 passes through).
inline void write_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += digits[c >> 4];
          out += digits[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

// Appends [a,b,...] (no spaces, as safetensors headers are written).
inline void write_integers(std::string& out, std::span<const std::size_t> values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  out += ']';
}

}  // namespace nerve::json
