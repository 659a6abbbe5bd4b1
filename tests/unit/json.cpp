// nerve's JSON reader and writer (include/nerve/io/json.hpp), which reads and writes the headers
// of safetensors checkpoints: documents parse to the right tree, every escape decodes to the right
// UTF-8, the writer's strings read back as themselves, integers at the edges of std::uint64_t, and
// every kind of bad text fails with its reason and the byte offset where it is.
#include <catch2/catch.hpp>

#include <nerve/io/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace json = nerve::json;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// parse(text) throws parse_error at `offset`, with `fragment` in its message.
void fails_at(std::string_view text, std::size_t offset, const std::string& fragment) {
  INFO("text: " << std::string(text));
  try {
    json::parse(text);
    FAIL("parsed, but should have failed with: " << fragment);
  } catch (const json::parse_error& e) {
    CHECK(e.offset() == offset);
    CHECK_THAT(e.what(), StartsWith("at byte " + std::to_string(offset) + ": ") && Contains(fragment));
  }
}

std::string written(std::string_view s) {
  std::string out;
  json::write_string(out, s);
  return out;
}

}  // namespace

TEST_CASE("json: a nested document parses to its tree, members in file order", "[io][json]") {
  const json::value doc = json::parse(
      " {\"name\": \"nerve\", \"sizes\": [1, 22, {\"deep\": [true, false, null]}],\r\n"
      "\t\"empty\": {}, \"none\": [], \"pi\": -3.25e-2, \"big\": 1E+3} \n");
  REQUIRE(doc.is_object());
  REQUIRE(doc.members.size() == 6);
  const std::vector<std::string> keys{"name", "sizes", "empty", "none", "pi", "big"};
  for (std::size_t i = 0; i < keys.size(); ++i) CHECK(doc.members[i].key == keys[i]);

  CHECK(doc.members[0].value.kind == json::kind::string);
  CHECK(doc.members[0].value.text == "nerve");
  const json::value& sizes = doc.members[1].value;
  REQUIRE(sizes.is_array());
  REQUIRE(sizes.items.size() == 3);
  CHECK(sizes.items[0].kind == json::kind::number);
  CHECK(sizes.items[0].as_uint64() == 1u);
  CHECK(sizes.items[1].as_uint64() == 22u);
  const json::value* deep = sizes.items[2].find("deep");
  REQUIRE(deep != nullptr);
  REQUIRE(deep->items.size() == 3);
  CHECK(deep->items[0].kind == json::kind::boolean);
  CHECK(deep->items[0].boolean);
  CHECK(deep->items[1].kind == json::kind::boolean);
  CHECK_FALSE(deep->items[1].boolean);
  CHECK(deep->items[2].kind == json::kind::null);
  CHECK(doc.find("empty")->is_object());
  CHECK(doc.find("empty")->members.empty());
  CHECK(doc.find("none")->is_array());
  CHECK(doc.find("none")->items.empty());
  CHECK(doc.find("pi")->kind == json::kind::number);
  CHECK(doc.find("pi")->text == "-3.25e-2");  // numbers keep their text
  CHECK(doc.find("big")->text == "1E+3");
  CHECK(doc.find("absent") == nullptr);
  CHECK(sizes.find("name") == nullptr);  // not an object

  // Scalars are documents too; a key may repeat in different objects.
  CHECK(json::parse("null").kind == json::kind::null);
  CHECK(json::parse(" \"x\" ").text == "x");
  CHECK(json::parse("0").as_uint64() == 0u);
  CHECK(json::parse("[{\"a\":1},{\"a\":2},{\"a\":{\"a\":3}}]").items.size() == 3);
}

TEST_CASE("json: every escape decodes to its UTF-8 bytes", "[io][json]") {
  CHECK(json::parse(R"("\" \\ \/ \b \f \n \r \t")").text == "\" \\ / \b \f \n \r \t");
  CHECK(json::parse(R"("\u0041\u00e9\u00E9\u20ac")").text == "A\xc3\xa9\xc3\xa9\xe2\x82\xac");
  // A surrogate pair is one code point: U+1F600, four bytes, not two three-byte halves.
  CHECK(json::parse(R"("\ud83d\ude00")").text == "\xf0\x9f\x98\x80");
  CHECK(json::parse(R"("\uDBFF\uDFFF")").text == "\xf4\x8f\xbf\xbf");  // U+10FFFF, the last
  CHECK(json::parse(R"("a\u0000b")").text == std::string("a\0b", 3));
  // Raw UTF-8 and DEL pass as they are.
  CHECK(json::parse("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"").text ==
        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f");
}

TEST_CASE("json: the writer's strings read back as themselves", "[io][json]") {
  CHECK(written("plain") == "\"plain\"");
  CHECK(written("a\"b\\c/d") == R"("a\"b\\c/d")");
  CHECK(written("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(written(std::string("\x01\x1f\0", 3)) == R"("\u0001\u001f\u0000")");
  CHECK(written("\xc3\xa9\x7f") == "\"\xc3\xa9\x7f\"");  // UTF-8 and DEL unescaped

  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control += static_cast<char>(c);
  for (const std::string& s : {std::string(), std::string("say \"hi\" \\ back\\"), every_control,
                               std::string("0.weight \xe2\x82\xac \xf0\x9f\x98\x80 \\u0041"),
                               std::string("\\\"\\\"\"\\")}) {
    INFO("string: " << s);
    const json::value v = json::parse(written(s));
    CHECK(v.is_string());
    CHECK(v.text == s);
  }

  std::string list;
  json::write_integers(list, std::vector<std::size_t>{});
  json::write_integers(list, std::vector<std::size_t>{7, 5, 18446744073709551615u});
  CHECK(list == "[][7,5,18446744073709551615]");
}

TEST_CASE("json: numbers as std::uint64_t, at the edges", "[io][json]") {
  CHECK(json::parse("18446744073709551615").as_uint64() == UINT64_MAX);
  const json::value too_big = json::parse("18446744073709551616");
  CHECK(too_big.kind == json::kind::number);  // valid JSON, not a uint64
  CHECK_FALSE(too_big.as_uint64());
  CHECK_FALSE(json::parse("99999999999999999999999").as_uint64());
  CHECK_FALSE(json::parse("-0").as_uint64());
  CHECK_FALSE(json::parse("-1").as_uint64());
  CHECK_FALSE(json::parse("1e3").as_uint64());
  CHECK_FALSE(json::parse("1.0").as_uint64());
  CHECK_FALSE(json::parse("\"5\"").as_uint64());
  CHECK_FALSE(json::parse("true").as_uint64());
  CHECK(json::parse("[0, 10, 4294967296]").items[2].as_uint64() == 4294967296u);
}

TEST_CASE("json: bad text fails with its reason and byte offset", "[io][json]") {
  SECTION("truncated") {
    fails_at("", 0, "expected a value, found the end of the text");
    fails_at("{\"a\": ", 6, "expected a value, found the end of the text");
    fails_at("{\"a\": [1, 2", 11, "expected ',' or ']' after an array element, found the end of the text");
    fails_at("{\"a\"", 4, "expected ':' after an object key, found the end of the text");
    fails_at("[\"abc", 5, "the text ends inside the string that starts at byte 1");
    fails_at("\"ab\\", 4, "the text ends inside the string");
    fails_at("tru", 0, "expected true");
    fails_at("[nul]", 1, "expected null");
  }
  SECTION("trailing garbage") {
    fails_at("{\"a\":1} x", 8, "unexpected 'x' after the JSON value");
    fails_at("[1]]", 3, "unexpected ']' after the JSON value");
    fails_at("1 2", 2, "unexpected '2' after the JSON value");
    fails_at(std::string_view("{}\0", 3), 2, "unexpected byte 0x00 after the JSON value");
  }
  SECTION("bad escapes and strings") {
    fails_at("[\"a\\x\"]", 3, "invalid escape: '\\' followed by 'x'");
    fails_at("\"\\u12g4\"", 1, "\\u needs four hex digits");
    fails_at("\"\\u12\"", 1, "\\u needs four hex digits");
    fails_at("\"a\nb\"", 2, "control character byte 0x0a in a string");
    fails_at("\"tab\there\"", 4, "control character byte 0x09 in a string");
    fails_at("\"\xff\"", 1, "invalid UTF-8 in a string: byte 0xff never appears in UTF-8");
    fails_at("\"ab\xed\xa0\x80\"", 3, "invalid UTF-8 in a string");  // an encoded surrogate
    fails_at("[x]", 1, "expected a value, found 'x'");
    fails_at("{1:2}", 1, "expected a string key, found '1'");
  }
  SECTION("lone and reversed surrogates") {
    fails_at(R"("\ud800")", 1, "lone surrogate \\ud800 (a high one, not followed by a low one");
    fails_at(R"("ab\ud800x")", 3, "lone surrogate \\ud800");
    fails_at(R"("\ud800\u0041")", 1, "lone surrogate \\ud800");
    fails_at(R"("\ud800\ud800")", 1, "lone surrogate \\ud800");
    fails_at(R"("x\uDC00")", 2, "lone surrogate \\uDC00 (a low one, with no high one before it)");
    fails_at(R"("\udc00\ud800")", 1, "lone surrogate \\udc00 (a low one");  // reversed
  }
  SECTION("number syntax") {
    fails_at("[01]", 1, "a number with a leading zero");
    fails_at("-00", 0, "a number with a leading zero");
    fails_at("+1", 0, "expected a value, found '+'");
    fails_at(".5", 0, "expected a value, found '.'");
    fails_at("1.", 2, "expected a digit after the decimal point, found the end of the text");
    fails_at("[1.e5]", 3, "expected a digit after the decimal point, found 'e'");
    fails_at("1e", 2, "expected a digit in the exponent");
    fails_at("1.5e+", 5, "expected a digit in the exponent");
    fails_at("-", 1, "expected a digit after '-', found the end of the text");
    fails_at("NaN", 0, "expected a value, found 'N'");
    fails_at("[Infinity]", 1, "expected a value, found 'I'");
    fails_at("-Infinity", 1, "expected a digit after '-', found 'I'");
  }
  SECTION("objects and arrays") {
    fails_at("{\"a\" 1}", 5, "expected ':' after an object key, found '1'");
    fails_at("{\"a\":1 \"b\":2}", 7, "expected ',' or '}' after an object member, found '\"'");
    fails_at("[1,2,]", 5, "a trailing comma before ']'");
    fails_at("{\"a\":1, }", 8, "a trailing comma before '}'");
    fails_at("[,]", 1, "expected a value, found ','");
    fails_at("{\"x\":1,\"y\":2,\"x\":3}", 13, "the key \"x\" appears twice in one object");
    fails_at("{\"a\":1,\"\\u0061\":2}", 7, "the key \"a\" appears twice");  // the same key, escaped
  }
  SECTION("nesting deeper than the limit") {
    const auto arrays = [](int n) { return std::string(static_cast<std::size_t>(n), '[') +
                                           std::string(static_cast<std::size_t>(n), ']'); };
    const auto objects = [](int n) {  // {"k":{"k":...{}...}}, n objects
      std::string s;
      for (int i = 1; i < n; ++i) s += "{\"k\":";
      return s + "{}" + std::string(static_cast<std::size_t>(n - 1), '}');
    };
    CHECK(json::parse(arrays(json::max_depth)).is_array());
    CHECK(json::parse(objects(json::max_depth)).is_object());
    CHECK(json::parse("[" + objects(json::max_depth - 1) + "]").is_array());
    fails_at(arrays(json::max_depth + 1), 128, "arrays and objects nested deeper than 128");
    fails_at(objects(json::max_depth + 1), 128 * 5, "arrays and objects nested deeper than 128");
    fails_at("[" + objects(json::max_depth) + "]", 1 + 127 * 5, "nested deeper than 128");
    // A hostile file: far deeper, and no stack overflow.
    fails_at(std::string(1000000, '['), json::max_depth, "nested deeper than 128");
  }
}
