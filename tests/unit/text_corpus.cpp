// Text corpora: UTF-8 checking, read_text, Vocabulary, the held-out split and the fortune-file
// reader, on the byte-exact fixtures of tests/data/text/ (multi-byte and invalid sequences, an
// empty file, a byte-order mark, a small fortune folder with .dat indexes, a .u8 link and an
// off/ subfolder), and on Debian's fortunes when they are installed.
#include <catch2/catch.hpp>

#include <nerve/io/fortunes.hpp>
#include <nerve/io/text.hpp>
#include <nerve/io/utf8.hpp>
#include <nerve/io/vocabulary.hpp>
#include <nerve/train/split.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "unit/io_support.hpp"

#ifndef NERVE_TEST_DATA_DIR
#error "NERVE_TEST_DATA_DIR must name tests/data (tests/CMakeLists.txt defines it)"
#endif

using namespace nerve;
using nerve_test::expect_io_error;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::filesystem::path data = std::filesystem::path(NERVE_TEST_DATA_DIR) / "text";

// The std::invalid_argument that f must throw.
template <class F>
std::string invalid_argument_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("no std::invalid_argument was thrown");
  return {};
}

}  // namespace

TEST_CASE("utf8: code points of 1 to 4 bytes decode and encode back", "[io][text][utf8]") {
  const std::string text = "h\xC3\xA9\xE2\x9C\x93\xF0\x9D\x84\x9E";  // h é ✓ 𝄞
  const std::u32string cps = utf8::decode(text);
  CHECK(cps == std::u32string{U'h', U'\u00E9', U'\u2713', U'\U0001D11E'});
  CHECK(utf8::encode(cps) == text);
  CHECK(utf8::length(text) == 4);
  CHECK_FALSE(utf8::first_error(text));
  const auto step = utf8::next(text, 3);
  REQUIRE(step);
  CHECK(step->code_point == U'\u2713');
  CHECK(step->next == 6);
  // The edges of each length, and of the whole range.
  for (char32_t cp : {0x00u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD7FFu, 0xE000u, 0xFFFFu, 0x10000u,
                      0x10FFFFu}) {
    INFO("U+" << std::hex << static_cast<unsigned>(cp));
    const std::string e = utf8::encode(static_cast<char32_t>(cp));
    CHECK(utf8::decode(e) == std::u32string(1, static_cast<char32_t>(cp)));
  }
  CHECK_THROWS_AS(utf8::encode(char32_t{0xD800}), std::invalid_argument);
  CHECK_THROWS_AS(utf8::encode(char32_t{0x110000}), std::invalid_argument);
}

TEST_CASE("utf8: every kind of invalid sequence is found at its first byte", "[io][text][utf8]") {
  struct Case {
    std::string bytes;
    std::size_t offset;
    const char* problem;
  };
  const std::vector<Case> cases{
      {"ab\xFF", 2, "byte 0xff never appears in UTF-8"},
      {"a\x80", 1, "continuation byte with no lead byte"},
      {"\xC0\xAF", 0, "overlong"},
      {"\xE0\x80\xAF", 0, "overlong"},
      {"\xF0\x80\x80\xAF", 0, "overlong"},
      {"x\xED\xA0\x80", 1, "surrogate"},
      {"\xF4\x90\x80\x80", 0, "above U+10FFFF"},
      {"abc\xE2\x82", 3, "needs 2 continuation bytes, but the text ends after 1"},
      {"\xE2" "A", 0, "followed by 0x41"},
      {"ok \xC3\xA9 \xF8", 6, "0xf8 never appears"},
  };
  for (const auto& c : cases) {
    INFO("bytes of case with offset " << c.offset << ", problem " << c.problem);
    const auto error = utf8::first_error(c.bytes);
    REQUIRE(error);
    CHECK(error->offset == c.offset);
    CHECK_THAT(error->problem, Contains(c.problem));
    CHECK_THAT(invalid_argument_of([&] { utf8::decode(c.bytes); }),
               StartsWith("invalid UTF-8 at byte offset " + std::to_string(c.offset)));
  }
}

TEST_CASE("read_text: multi-byte UTF-8, a byte-order mark, raw bytes", "[io][text]") {
  CHECK(read_text(data / "multibyte.txt") ==
        "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xF0\x9D\x84\x9E\n");
  CHECK(read_text(data / "bom.txt") == "hi\n");  // the mark is dropped
  CHECK(read_text(data / "bom.txt", {.unit = TextUnit::bytes}) == "\xEF\xBB\xBFhi\n");
  CHECK(read_text(data / "latin1.txt", {.unit = TextUnit::bytes}) == "caf\xE9\n");
  CHECK(read_text(data / "empty.txt", {.allow_empty = true}).empty());
}

TEST_CASE("read_text: a missing, empty or non-UTF-8 file is an io_error naming it", "[io][text]") {
  SECTION("missing") {
    const auto e = expect_io_error([] { read_text(data / "no-such-file.txt"); });
    CHECK(e.path() == data / "no-such-file.txt");
    CHECK_THAT(e.problem(), StartsWith("cannot open: No such file or directory"));
  }
  SECTION("a folder") {
    const auto e = expect_io_error([] { read_text(data / "fortunes"); });
    CHECK_THAT(e.problem(), Contains("is a directory"));
  }
  SECTION("empty") {
    const auto e = expect_io_error([] { read_text(data / "empty.txt"); });
    CHECK(e.path() == data / "empty.txt");
    CHECK(e.problem() == "empty: the file holds no text");
    CHECK(std::string(e.what()) == (data / "empty.txt").string() + ": empty: the file holds no text");
    // Bytes or not, empty is empty.
    CHECK_THROWS_AS(read_text(data / "empty.txt", {.unit = TextUnit::bytes}), io_error);
  }
  SECTION("invalid UTF-8: byte offset and line") {
    struct Case {
      const char* file;
      const char* where;
      const char* what;
    };
    for (const Case& c : {Case{"invalid_byte.txt", "byte offset 5 (line 2)", "byte 0xff never"},
                          Case{"lone_continuation.txt", "byte offset 3 (line 1)", "continuation"},
                          Case{"truncated.txt", "byte offset 3 (line 1)", "text ends after 1"},
                          Case{"overlong.txt", "byte offset 1 (line 1)", "overlong"},
                          Case{"surrogate.txt", "byte offset 2 (line 1)", "surrogate"},
                          Case{"latin1.txt", "byte offset 3 (line 1)", "0xe9"}}) {
      INFO(c.file);
      const auto e = expect_io_error([&] { read_text(data / c.file); });
      CHECK(e.path() == data / c.file);
      CHECK_THAT(e.problem(), StartsWith(std::string("invalid UTF-8 at ") + c.where));
      CHECK_THAT(e.problem(), Contains(c.what));
      CHECK_THAT(e.problem(), Contains("TextUnit::bytes"));  // says how to read it anyway
      CHECK_NOTHROW(read_text(data / c.file, {.unit = TextUnit::bytes}));
      CHECK_THAT(e.problem(), !Contains("decompressed"));
    }
  }
  SECTION("invalid UTF-8 in a gzipped file: the offset counts the decompressed text") {
    nerve_test::TempDir dir;
    nerve_test::write_gzip(dir / "bad.txt.gz", nerve_test::Bytes{'o', 'k', '\n', 'a', 0xFF, '\n'});
    const auto e = expect_io_error([&] { read_text(dir / "bad.txt.gz"); });
    CHECK(e.path() == dir / "bad.txt.gz");
    CHECK_THAT(e.problem(), StartsWith("invalid UTF-8 at byte offset 4 (line 2)"));
    CHECK_THAT(e.problem(), Contains("(the offset counts the decompressed text)"));
  }
}

TEST_CASE("Vocabulary: built from data, by frequency or by code point", "[io][text][vocabulary]") {
  // a x5, b x2, r x2, c x1, d x1
  const Vocabulary v = Vocabulary::build("abracadabra");
  CHECK(v.size() == 6);
  CHECK(v.symbols() == std::u32string_view(U"\uFFFDabrcd"));  // ties by code point
  CHECK(std::vector<std::uint64_t>(v.counts().begin(), v.counts().end()) ==
        std::vector<std::uint64_t>{0, 5, 2, 2, 1, 1});
  CHECK(v.id(U'a') == 1);
  CHECK(v.id(U'd') == 5);
  CHECK(v.id(U'z') == Vocabulary::unknown_id);
  CHECK_FALSE(v.contains(U'z'));
  CHECK(v.encode("dabz") == std::vector<std::uint32_t>{5, 1, 2, 0});
  CHECK(v.decode(v.encode("dabz")) == "dab\xEF\xBF\xBD");  // the unknown as U+FFFD
  CHECK(v.decode(std::uint32_t{3}) == "r");
  CHECK(v.symbol(4) == U'c');
  CHECK_THROWS_AS(v.symbol(6), std::out_of_range);
  CHECK_THROWS_AS(v.decode(std::vector<std::uint32_t>{1, 6}), std::out_of_range);

  const Vocabulary by_code = Vocabulary::build("abracadabra", {.order = VocabularyOrder::code_point});
  CHECK(by_code.symbols() == std::u32string_view(U"\uFFFDabcdr"));
  CHECK(by_code.counts()[5] == 2);  // r

  SECTION("max_size keeps the most frequent; the rest become unknown and are counted") {
    const Vocabulary small = Vocabulary::build("abracadabra", {.max_size = 3});
    CHECK(small.symbols() == std::u32string_view(U"\uFFFDab"));
    CHECK(small.counts()[0] == 4);  // r, r, c, d
    CHECK(small.encode("bard") == std::vector<std::uint32_t>{2, 1, 0, 0});
    CHECK(Vocabulary::build("abracadabra", {.max_size = 1}).size() == 1);
    CHECK(Vocabulary::build("abracadabra", {.max_size = 100}).size() == 6);
    CHECK_THROWS_AS(Vocabulary::build("abc", {.max_size = 0}), std::invalid_argument);
  }
  SECTION("min_count") {
    const Vocabulary common = Vocabulary::build("abracadabra", {.min_count = 2});
    CHECK(common.symbols() == std::u32string_view(U"\uFFFDabr"));
    CHECK(common.counts()[0] == 2);
  }
  SECTION("a chosen unknown symbol") {
    const Vocabulary q = Vocabulary::build("ab", {.unknown_symbol = U'?'});
    CHECK(q.decode(q.encode("abc")) == "ab?");
  }
}

TEST_CASE("Vocabulary: code points, bytes, many texts, a given list", "[io][text][vocabulary]") {
  const std::string text = read_text(data / "multibyte.txt");  // héllo wörld ✓ 𝄞
  const Vocabulary v = Vocabulary::build(text, {.order = VocabularyOrder::code_point});
  CHECK(v.size() == 1 + 12);  // \n, space, d h l o r w, é ö ✓ 𝄞
  CHECK(v.symbols().back() == U'\U0001D11E');
  const auto ids = v.encode(text);
  CHECK(ids.size() == utf8::length(text));
  CHECK(std::find(ids.begin(), ids.end(), Vocabulary::unknown_id) == ids.end());
  CHECK(v.decode(ids) == text);
  CHECK_THAT(invalid_argument_of([&] { v.encode("ok\xFF"); }),
             StartsWith("Vocabulary::encode: invalid UTF-8 at byte offset 2"));
  CHECK_THROWS_AS(Vocabulary::build("ok\xC3"), std::invalid_argument);

  SECTION("bytes: each byte a symbol, any data") {
    const std::string latin1 = read_text(data / "latin1.txt", {.unit = TextUnit::bytes});
    const Vocabulary b = Vocabulary::build(latin1, {.unit = TextUnit::bytes});
    CHECK(b.unit() == TextUnit::bytes);
    CHECK(b.size() == 1 + 5);
    CHECK(b.contains(char32_t{0xE9}));
    CHECK(b.decode(b.encode(latin1)) == latin1);
    const Vocabulary mb = Vocabulary::build(text, {.unit = TextUnit::bytes});
    CHECK(mb.encode(text).size() == text.size());
    CHECK(mb.decode(mb.encode(text)) == text);
  }
  SECTION("many texts: counts add up") {
    const std::vector<std::string> texts{"aab", "b\xC3\xA9", "b"};
    const Vocabulary m = Vocabulary::build(texts);
    CHECK(m.symbols() == std::u32string_view(U"\uFFFDba\u00E9"));
    CHECK(std::vector<std::uint64_t>(m.counts().begin(), m.counts().end()) ==
          std::vector<std::uint64_t>{0, 3, 2, 1});
    const std::vector<std::pair<std::string, int>> pairs{{"xy", 1}, {"y", 2}};
    const Vocabulary p = Vocabulary::build(pairs, &std::pair<std::string, int>::first);
    CHECK(p.symbols() == std::u32string_view(U"\uFFFDyx"));
  }
  SECTION("a given list keeps its order; repeats are refused") {
    const Vocabulary g(U"zyx");
    CHECK(g.encode("xyzw") == std::vector<std::uint32_t>{3, 2, 1, 0});
    CHECK(g == Vocabulary(std::u32string_view(U"zyx")));
    CHECK_THAT(invalid_argument_of([] { Vocabulary(U"abca"); }), Contains("U+0061 is listed twice"));
    CHECK_THROWS_AS(Vocabulary(U"\u0100", TextUnit::bytes), std::invalid_argument);
    CHECK(Vocabulary().size() == 1);
  }
}

TEST_CASE("split_indices: a deterministic held-out part of the asked size", "[text][split]") {
  const Split s = split_indices(100, 0.1, Seed{7});
  CHECK(s.held_out.size() == 10);
  CHECK(s.train.size() == 90);
  CHECK(std::is_sorted(s.train.begin(), s.train.end()));
  CHECK(std::is_sorted(s.held_out.begin(), s.held_out.end()));
  std::set<std::size_t> all(s.train.begin(), s.train.end());
  all.insert(s.held_out.begin(), s.held_out.end());
  CHECK(all.size() == 100);  // disjoint, and every index is somewhere
  CHECK(*all.rbegin() == 99);

  const Split again = split_indices(100, 0.1, Seed{7});
  CHECK(again.held_out == s.held_out);
  CHECK(split_indices(100, 0.1, Seed{8}).held_out != s.held_out);
  // Not simply the first or last items.
  CHECK(s.held_out != std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(s.held_out.front() < 90);

  CHECK(split_indices(10, 0.0, Seed{1}).held_out.empty());
  CHECK(split_indices(3, 0.01, Seed{1}).held_out.size() == 1);   // at least one
  CHECK(split_indices(3, 0.99, Seed{1}).train.size() == 1);      // never all
  CHECK(split_indices(1, 0.5, Seed{1}).held_out.size() + split_indices(1, 0.5, Seed{1}).train.size() == 1);
  CHECK(split_indices(0, 0.5, Seed{1}).train.empty());
  CHECK_THROWS_AS(split_indices(10, 1.0, Seed{1}), std::invalid_argument);
  CHECK_THROWS_AS(split_indices(10, -0.1, Seed{1}), std::invalid_argument);

  const std::vector<std::string> docs{"a", "b", "c", "d"};
  const Split two = split_indices(docs.size(), 0.5, Seed{3});
  const auto held = select(docs, two.held_out);
  CHECK(held.size() == 2);
  CHECK_THROWS_AS(select(docs, std::vector<std::size_t>{4}), std::out_of_range);
}

TEST_CASE("stratified_split: every class keeps its share on both sides", "[text][split]") {
  std::vector<std::uint32_t> labels;
  for (std::uint32_t c = 0; c < 3; ++c) labels.insert(labels.end(), 10 * (c + 1), c);  // 10, 20, 30
  const Split s = stratified_split(labels, 0.2, Seed{5});
  std::map<std::uint32_t, std::size_t> held;
  for (std::size_t i : s.held_out) ++held[labels[i]];
  CHECK(held[0] == 2);
  CHECK(held[1] == 4);
  CHECK(held[2] == 6);
  CHECK(s.train.size() + s.held_out.size() == labels.size());
  CHECK(stratified_split(labels, 0.2, Seed{5}).held_out == s.held_out);
}

TEST_CASE("fortunes::read_file: entries between lines holding only %", "[io][text][fortunes]") {
  CHECK(fortunes::read_file(data / "fortunes" / "alpha") ==
        std::vector<std::string>{"First fortune.\n", "Second fortune,\ntwo lines.\n",
                                 "%DCL-MEM-BAD, not a separator\nthird.\n"});
  CHECK(fortunes::read_file(data / "fortunes" / "beta") ==
        std::vector<std::string>{"\xC3\x87" "a va? \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\n",
                                 "last entry without newline"});
  CHECK(fortunes::read_file(data / "fortunes" / "gamma") ==  // CRLF line ends
        std::vector<std::string>{"g1\r\n", "g2\r\n"});

  const auto none = expect_io_error([] { fortunes::read_file(data / "only_separators"); });
  CHECK(none.path() == data / "only_separators");
  CHECK_THAT(none.problem(), StartsWith("no fortunes"));
  CHECK_THAT(expect_io_error([] { fortunes::read_file(data / "empty.txt"); }).problem(),
             StartsWith("empty"));
  CHECK_THAT(expect_io_error([] { fortunes::read_file(data / "invalid_byte.txt"); }).problem(),
             StartsWith("invalid UTF-8 at byte offset 5 (line 2)"));
  CHECK_THAT(expect_io_error([] { fortunes::read_file(data / "nope"); }).problem(),
             StartsWith("cannot open"));
}

TEST_CASE("fortunes::load: a folder of files, each a class", "[io][text][fortunes]") {
  const fortunes::Corpus corpus = fortunes::load({.directory = data / "fortunes"});
  // No .dat index, no .u8 link, no hidden file, nothing from off/.
  CHECK(corpus.names == std::vector<std::string>{"alpha", "beta", "gamma"});
  CHECK(corpus.paths[1] == data / "fortunes" / "beta");
  CHECK(corpus.files() == 3);
  CHECK(corpus.size() == 7);
  CHECK(corpus.counts() == std::vector<std::size_t>{3, 2, 2});
  CHECK(corpus.labels() == std::vector<std::uint32_t>{0, 0, 0, 1, 1, 2, 2});
  CHECK(corpus.fortunes[3].text == "\xC3\x87" "a va? \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\n");
  CHECK(corpus.texts().size() == 7);
  CHECK(fortunes::available({.directory = data / "fortunes"}));

  SECTION("chosen files, in the order given") {
    const auto two = fortunes::load({.directory = data / "fortunes", .files = {"gamma", "alpha"}});
    CHECK(two.names == std::vector<std::string>{"gamma", "alpha"});
    CHECK(two.labels() == std::vector<std::uint32_t>{0, 0, 1, 1, 1});
    const auto e = expect_io_error(
        [] { fortunes::load({.directory = data / "fortunes", .files = {"alpha", "delta"}}); });
    CHECK(e.path() == data / "fortunes" / "delta");
    CHECK_THAT(e.problem(), StartsWith("missing"));
    CHECK_THROWS_AS(fortunes::load({.directory = data / "fortunes", .files = {"alpha.dat"}}),
                    io_error);
  }
  SECTION("min_entries leaves small files out") {
    const auto big = fortunes::load({.directory = data / "fortunes", .min_entries = 3});
    CHECK(big.names == std::vector<std::string>{"alpha"});
    const auto e =
        expect_io_error([] { fortunes::load({.directory = data / "fortunes", .min_entries = 4}); });
    CHECK(e.path() == data / "fortunes");
    CHECK_THAT(e.problem(), Contains("the largest, alpha, has 3"));
  }
  SECTION("a vocabulary and a split of the documents") {
    const Vocabulary v =
        Vocabulary::build(corpus.fortunes, &fortunes::Fortune::text);
    CHECK(v.contains(U'\u65E5'));  // 日
    CHECK(v.contains(U'\r'));
    for (const auto& f : corpus.fortunes) CHECK(v.decode(v.encode(f.text)) == f.text);
    const Split s = split_indices(corpus.size(), 0.3, Seed{1});
    CHECK(s.held_out.size() == 2);
  }
}

TEST_CASE("fortunes::load: a missing folder, a file, a folder without fortunes", "[io][text][fortunes]") {
  const auto missing = expect_io_error([] { fortunes::load({.directory = data / "nowhere"}); });
  CHECK(missing.path() == data / "nowhere");
  CHECK_THAT(missing.problem(), StartsWith("missing: no such folder"));
  CHECK_THAT(missing.problem(), Contains("NERVE_FORTUNES_DIR"));
  CHECK_FALSE(fortunes::available({.directory = data / "nowhere"}));

  const auto file = expect_io_error([] { fortunes::load({.directory = data / "empty.txt"}); });
  CHECK_THAT(file.problem(), StartsWith("not a folder"));

  const auto none = expect_io_error([] { fortunes::load({.directory = data / "no_fortunes"}); });
  CHECK(none.path() == data / "no_fortunes");
  CHECK_THAT(none.problem(), StartsWith("no fortune files"));
  CHECK_FALSE(fortunes::available({.directory = data / "no_fortunes"}));

  // A folder with a bad file names that file.
  nerve_test::TempDir dir;
  nerve_test::write_plain(dir / "good", nerve_test::Bytes{'o', 'k', '\n'});
  nerve_test::write_plain(dir / "bad", nerve_test::Bytes{'o', 'k', 0xFF, '\n'});
  const auto bad = expect_io_error([&] { fortunes::load({.directory = dir.path()}); });
  CHECK(bad.path() == dir / "bad");
  CHECK_THAT(bad.problem(), StartsWith("invalid UTF-8 at byte offset 2"));
  const auto as_bytes = fortunes::load({.directory = dir.path(), .unit = TextUnit::bytes});
  CHECK(as_bytes.names == std::vector<std::string>{"bad", "good"});
}

TEST_CASE("fortunes: Debian's files, when installed, all read", "[io][text][fortunes][real]") {
  const fortunes::Options options{.directory = std::filesystem::path(fortunes::default_directory)};
  if (!fortunes::available(options)) {
    WARN("Debian's fortunes package is not installed: skipped");
    return;
  }
  const fortunes::Corpus corpus = fortunes::load(options);
  CHECK(corpus.files() >= 4);
  CHECK(corpus.size() > 1000);
  const auto counts = corpus.counts();
  CHECK(std::count_if(counts.begin(), counts.end(), [](std::size_t n) { return n >= 200; }) >= 4);
  for (const auto& name : corpus.names) {
    CHECK_FALSE(name.ends_with(".dat"));
    CHECK_FALSE(name.ends_with(".u8"));
  }
  const Vocabulary v =
      Vocabulary::build(corpus.fortunes, &fortunes::Fortune::text);
  CHECK(v.size() > 90);
  CHECK(v.decode(v.encode(corpus.fortunes.front().text)) == corpus.fortunes.front().text);
}
