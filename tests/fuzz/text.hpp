// tests/fuzz/text.hpp: the text corpus reader on any bytes, plain or gzipped: read_text
// (nerve/io/text.hpp) as code points and as bytes, utf8::decode/encode (utf8.hpp), a Vocabulary
// built from the text and its encode/decode (vocabulary.hpp), and fortunes::read_file
// (fortunes.hpp). io_error is the documented outcome of a bad file, std::invalid_argument that
// of invalid UTF-8 given to utf8::decode; the results must agree with each other.
#pragma once

#include <algorithm>  // std::all_of
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nerve/io/fortunes.hpp>
#include <nerve/io/text.hpp>
#include <nerve/io/utf8.hpp>
#include <nerve/io/vocabulary.hpp>

#include "fuzz/fuzz_support.hpp"

namespace nerve_fuzz {

namespace detail {

// utf8 on the raw bytes: decode throws exactly when first_error finds an error, and valid text
// decodes and encodes back to itself.
inline void check_utf8(std::string_view bytes) {
  const std::optional<nerve::utf8::Error> error = nerve::utf8::first_error(bytes);
  std::u32string points;
  bool decoded = false;
  try {
    points = nerve::utf8::decode(bytes);
    decoded = true;
  } catch (const std::invalid_argument&) {
  }
  NERVE_FUZZ_CHECK(decoded == !error.has_value());
  if (error) {
    NERVE_FUZZ_CHECK(error->offset < bytes.size());
    NERVE_FUZZ_CHECK(!nerve::utf8::next(bytes, error->offset).has_value());
    return;
  }
  NERVE_FUZZ_CHECK(nerve::utf8::length(bytes) == points.size());
  NERVE_FUZZ_CHECK(nerve::utf8::encode(points) == bytes);
}

// A vocabulary of the text itself holds every symbol: encode then decode gives the text back. A
// small one maps the rest to the unknown id, and still decodes.
inline void check_vocabulary(const std::string& text, nerve::TextUnit unit) {
  const nerve::Vocabulary all = nerve::Vocabulary::build(text, {.unit = unit});
  const std::vector<std::uint32_t> ids = all.encode(text);
  NERVE_FUZZ_CHECK(ids.size() == (unit == nerve::TextUnit::bytes ? text.size() : nerve::utf8::length(text)));
  for (const std::uint32_t id : ids) NERVE_FUZZ_CHECK(id != nerve::Vocabulary::unknown_id && id < all.size());
  if (unit == nerve::TextUnit::code_points) NERVE_FUZZ_CHECK(all.decode(ids) == text);
  // The same symbols given as a list make the same vocabulary.
  const nerve::Vocabulary listed(all.symbols().substr(1), unit);
  NERVE_FUZZ_CHECK(listed == all);

  const nerve::Vocabulary small =
      nerve::Vocabulary::build(text, {.unit = unit, .order = nerve::VocabularyOrder::code_point, .max_size = 4});
  NERVE_FUZZ_CHECK(small.size() <= 4);
  const std::vector<std::uint32_t> few = small.encode(text);
  NERVE_FUZZ_CHECK(few.size() == ids.size());
  (void)small.decode(few);
}

}  // namespace detail

inline void fuzz_text(const std::uint8_t* data, std::size_t size) {
  const auto& path = scratch().write(data, size);
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const bool gzipped = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  detail::check_utf8(raw);

  std::optional<std::string> bytes;
  try {
    bytes = nerve::read_text(path, {.unit = nerve::TextUnit::bytes, .allow_empty = true});
    if (!gzipped) NERVE_FUZZ_CHECK(*bytes == raw);  // a plain file's bytes are the text
  } catch (const nerve::io_error&) {
    NERVE_FUZZ_CHECK(gzipped);  // only a corrupt gzip stream keeps the bytes from being read
  }

  try {
    const std::string text = nerve::read_text(path);
    NERVE_FUZZ_CHECK(bytes.has_value() && !text.empty());
    NERVE_FUZZ_CHECK(!nerve::utf8::first_error(text).has_value());
    NERVE_FUZZ_CHECK(*bytes == text || *bytes == std::string(nerve::utf8_byte_order_mark) + text);
    detail::check_utf8(text);
    detail::check_vocabulary(text, nerve::TextUnit::code_points);
  } catch (const nerve::io_error&) {
  }
  if (bytes) detail::check_vocabulary(*bytes, nerve::TextUnit::bytes);

  for (const nerve::TextUnit unit : {nerve::TextUnit::code_points, nerve::TextUnit::bytes}) {
    try {
      const std::vector<std::string> entries = nerve::fortunes::read_file(path, unit);
      NERVE_FUZZ_CHECK(!entries.empty() && bytes.has_value());
      for (const std::string& e : entries) {
        NERVE_FUZZ_CHECK(!e.empty() && bytes->find(e) != std::string::npos);
        NERVE_FUZZ_CHECK(!std::all_of(e.begin(), e.end(), [](char c) { return c == ' ' || c == '\n'; }));
      }
    } catch (const nerve::io_error&) {
    }
  }
}

}  // namespace nerve_fuzz
