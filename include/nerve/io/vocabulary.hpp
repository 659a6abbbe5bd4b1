// nerve/io/vocabulary.hpp: Vocabulary, the symbols of a text and their token ids.
//
// Built from data (Vocabulary::build) or given as a list. Id 0 is always the unknown symbol:
// encode() maps every symbol the vocabulary does not hold to it, and decode() writes it as
// options.unknown_symbol (U+FFFD, the replacement character, by default). The other symbols have
// ids 1 to size() - 1, ordered by frequency in the data (most frequent first, ties by code point:
// torchtext's build_vocab_from_iterator order) or by code point. A symbol is a code point or a
// byte (TextUnit), so one class serves character-level and byte-level models.
#pragma once

#include <algorithm>   // std::sort, std::min
#include <array>
#include <concepts>    // std::convertible_to
#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint32_t, std::uint64_t
#include <cstdio>      // std::snprintf
#include <functional>  // std::invoke
#include <optional>
#include <ranges>      // std::ranges::input_range, range_reference_t
#include <span>
#include <stdexcept>   // std::invalid_argument, std::out_of_range
#include <string>
#include <string_view>
#include <type_traits>  // std::invoke_result_t
#include <unordered_map>
#include <utility>     // std::pair
#include <vector>

#include "nerve/io/text.hpp"  // nerve::TextUnit
#include "nerve/io/utf8.hpp"  // nerve::utf8

namespace nerve {

enum class VocabularyOrder {
  frequency,   // most frequent first; equal counts by code point (byte value)
  code_point,  // by code point (byte value)
};

struct VocabularyOptions {
  TextUnit unit = TextUnit::code_points;
  VocabularyOrder order = VocabularyOrder::frequency;
  // At most this many ids, the unknown symbol included: the max_size - 1 most frequent symbols
  // are kept (equal counts by code point), the others become unknown. Unset: every symbol.
  std::optional<std::size_t> max_size{};
  // Symbols seen fewer times than this become unknown (0 and 1 keep every symbol seen).
  std::size_t min_count = 1;
  // What decode() writes for the unknown id. It is not a symbol of the vocabulary: if the data
  // holds it, it gets an id of its own.
  char32_t unknown_symbol = U'\uFFFD';
};

class Vocabulary {
 public:
  static constexpr std::uint32_t unknown_id = 0;

  // Only the unknown symbol.
  explicit Vocabulary(TextUnit unit = TextUnit::code_points, char32_t unknown_symbol = U'\uFFFD')
      : unit_(unit), symbols_(1, unknown_symbol), counts_(1, 0) {
    ascii_.fill(unknown_id);
  }

  // These symbols with ids 1, 2, ... in this order (a vocabulary kept from an earlier run).
  // A repeated symbol, or in bytes a symbol above 255, is std::invalid_argument.
  explicit Vocabulary(std::u32string_view symbols, TextUnit unit = TextUnit::code_points,
                      char32_t unknown_symbol = U'\uFFFD')
      : Vocabulary(unit, unknown_symbol) {
    for (char32_t s : symbols) add(s, 0);
  }

  // The symbols of one text.
  static Vocabulary build(std::string_view text, const VocabularyOptions& options = {}) {
    return build(std::span<const std::string_view>(&text, 1), options);
  }

  // The symbols of many texts: a range of strings or string_views.
  template <std::ranges::input_range Texts>
    requires std::convertible_to<std::ranges::range_reference_t<Texts>, std::string_view>
  static Vocabulary build(Texts&& texts, const VocabularyOptions& options = {}) {
    return build(texts, [](std::string_view t) { return t; }, options);
  }

  // The symbols of the text of each item: projection(item) is a string or string_view, e.g.
  // build(corpus.fortunes, &fortunes::Fortune::text).
  template <std::ranges::input_range Items, class Projection>
    requires std::convertible_to<
        std::invoke_result_t<Projection&, std::ranges::range_reference_t<Items>>, std::string_view>
  static Vocabulary build(Items&& items, Projection projection,
                          const VocabularyOptions& options = {}) {
    if (options.max_size && *options.max_size == 0) {
      throw std::invalid_argument(
          "Vocabulary::build: max_size is 0, but the unknown symbol needs an id: use 1 or more");
    }
    Counter counter;
    for (auto&& item : items) {
      counter.add(std::string_view(std::invoke(projection, item)), options.unit,
                  "Vocabulary::build");
    }
    std::vector<std::pair<char32_t, std::uint64_t>> seen = counter.items();

    // The most frequent first (equal counts by symbol), then the order asked for.
    std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::size_t keep = 0;
    const std::size_t limit = options.max_size ? *options.max_size - 1 : seen.size();
    while (keep < seen.size() && keep < limit && seen[keep].second >= options.min_count) ++keep;
    std::uint64_t left_out = 0;
    for (std::size_t i = keep; i < seen.size(); ++i) left_out += seen[i].second;
    seen.resize(keep);
    if (options.order == VocabularyOrder::code_point) {
      std::sort(seen.begin(), seen.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
    }

    Vocabulary v(options.unit, options.unknown_symbol);
    v.counts_[unknown_id] = left_out;
    for (const auto& [symbol, count] : seen) v.add(symbol, count);
    return v;
  }

  // Number of ids, the unknown symbol's included.
  std::size_t size() const noexcept { return symbols_.size(); }
  TextUnit unit() const noexcept { return unit_; }
  char32_t unknown_symbol() const noexcept { return symbols_[unknown_id]; }

  // symbols()[id]: the symbol of each id; symbols()[0] is unknown_symbol().
  std::u32string_view symbols() const noexcept { return symbols_; }
  // counts()[id]: how often the symbol occurred in the data the vocabulary was built from;
  // counts()[0] is how many occurrences were left out (max_size, min_count). Zeros when the
  // vocabulary was given as a list.
  std::span<const std::uint64_t> counts() const noexcept { return counts_; }

  // The id of a symbol, unknown_id when the vocabulary does not hold it.
  std::uint32_t id(char32_t symbol) const noexcept {
    if (symbol < ascii_.size()) return ascii_[symbol];
    const auto it = ids_.find(symbol);
    return it == ids_.end() ? unknown_id : it->second;
  }
  bool contains(char32_t symbol) const noexcept { return id(symbol) != unknown_id; }

  // The symbol of an id; std::out_of_range for an id >= size().
  char32_t symbol(std::uint32_t id) const {
    check_id(id, "symbol");
    return symbols_[id];
  }

  // The token ids of a text (UTF-8 for code points, anything for bytes), appended to `out`.
  // Invalid UTF-8 is std::invalid_argument with its byte offset.
  void encode(std::string_view text, std::vector<std::uint32_t>& out) const {
    out.reserve(out.size() + text.size());
    if (unit_ == TextUnit::bytes) {
      for (char c : text) out.push_back(id(static_cast<unsigned char>(c)));
      return;
    }
    for (std::size_t i = 0; i < text.size();) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x80u) {
        out.push_back(ascii_[c]);
        ++i;
        continue;
      }
      const auto step = utf8::next(text, i);
      if (!step) throw_invalid_utf8("Vocabulary::encode", text, i);
      out.push_back(id(step->code_point));
      i = step->next;
    }
  }
  std::vector<std::uint32_t> encode(std::string_view text) const {
    std::vector<std::uint32_t> out;
    encode(text, out);
    return out;
  }

  // The text of token ids: UTF-8 (for bytes, the bytes themselves; the unknown id as the UTF-8
  // of unknown_symbol()). An id >= size() is std::out_of_range.
  void decode(std::span<const std::uint32_t> ids, std::string& out) const {
    for (std::uint32_t i : ids) append_symbol(out, i);
  }
  std::string decode(std::span<const std::uint32_t> ids) const {
    std::string out;
    out.reserve(ids.size());
    decode(ids, out);
    return out;
  }
  std::string decode(std::uint32_t id) const {
    std::string out;
    append_symbol(out, id);
    return out;
  }

  friend bool operator==(const Vocabulary& a, const Vocabulary& b) noexcept {
    return a.unit_ == b.unit_ && a.symbols_ == b.symbols_;
  }

 private:
  // Counts of every symbol of some texts: a table for ASCII (or bytes), a map above.
  class Counter {
   public:
    void add(std::string_view text, TextUnit unit, const char* who) {
      if (unit == TextUnit::bytes) {
        for (char c : text) ++low_[static_cast<unsigned char>(c)];
        return;
      }
      for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80u) {
          ++low_[c];
          ++i;
          continue;
        }
        const auto step = utf8::next(text, i);
        if (!step) throw_invalid_utf8(who, text, i);
        ++high_[step->code_point];
        i = step->next;
      }
    }
    std::vector<std::pair<char32_t, std::uint64_t>> items() const {
      std::vector<std::pair<char32_t, std::uint64_t>> out;
      for (char32_t s = 0; s < low_.size(); ++s) {
        if (low_[s]) out.emplace_back(s, low_[s]);
      }
      for (const auto& [s, n] : high_) out.emplace_back(s, n);
      return out;
    }

   private:
    std::array<std::uint64_t, 256> low_{};  // code points below 0x80, or every byte
    std::unordered_map<char32_t, std::uint64_t> high_;
  };

  [[noreturn]] static void throw_invalid_utf8(const char* who, std::string_view text,
                                              std::size_t offset) {
    std::string problem;
    utf8::detail::decode_one(text, offset, &problem);
    throw std::invalid_argument(std::string(who) + ": " +
                                utf8::describe(utf8::Error{offset, problem}, text));
  }

  void add(char32_t symbol, std::uint64_t count) {
    if (unit_ == TextUnit::bytes && symbol > 0xFFu) {
      throw std::invalid_argument("Vocabulary: symbol " + hex(symbol) +
                                  " is not a byte (the vocabulary's unit is bytes)");
    }
    if (contains(symbol)) {
      throw std::invalid_argument("Vocabulary: symbol " + hex(symbol) + " is listed twice");
    }
    const auto new_id = static_cast<std::uint32_t>(symbols_.size());
    symbols_ += symbol;
    counts_.push_back(count);
    if (symbol < ascii_.size()) ascii_[symbol] = new_id;
    else ids_.emplace(symbol, new_id);
  }

  void append_symbol(std::string& out, std::uint32_t id) const {
    check_id(id, "decode");
    const char32_t s = symbols_[id];
    if (unit_ == TextUnit::bytes && id != unknown_id) out += static_cast<char>(s);
    else utf8::append(out, s);
  }

  void check_id(std::uint32_t id, const char* who) const {
    if (id >= symbols_.size()) {
      throw std::out_of_range("Vocabulary::" + std::string(who) + ": id " + std::to_string(id) +
                              " is not below the vocabulary's size " +
                              std::to_string(symbols_.size()));
    }
  }

  static std::string hex(char32_t s) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(s));
    return buf;
  }

  TextUnit unit_;
  std::u32string symbols_;              // symbols_[id]
  std::vector<std::uint64_t> counts_;   // counts_[id]
  std::array<std::uint32_t, 256> ascii_;  // id of each symbol below 256 (every byte in bytes)
  std::unordered_map<char32_t, std::uint32_t> ids_;  // id of each symbol from 256 up
};

}  // namespace nerve
