// read_idx: every element type, plain and gzipped, and every kind of bad file giving an
// io_error that names the file and the problem.
#include <catch2/catch.hpp>

#include <nerve/io/idx.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "unit/io_support.hpp"

using namespace nerve;
using nerve_test::Bytes;
using nerve_test::TempDir;
using nerve_test::append_be;
using nerve_test::expect_io_error;
using nerve_test::idx_header;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// Writes header + values as a 2x3 IDX file, plainly or gzipped, and reads it back.
template <class T>
void check_round_trip(std::uint8_t code, IdxType type, const std::vector<T>& values, bool gzip) {
  REQUIRE(values.size() == 6);
  TempDir dir;
  Bytes file = idx_header(code, {2, 3});
  for (T v : values) append_be(file, v);
  const auto path = dir / (gzip ? "values.idx.gz" : "values.idx");
  gzip ? nerve_test::write_gzip(path, file) : nerve_test::write_plain(path, file);
  if (gzip) REQUIRE(nerve_test::read_all(path).at(0) == 0x1f);  // really compressed

  const IdxData data = read_idx(path);
  CHECK(data.path == path);
  CHECK(data.type == type);
  CHECK(data.dims == std::vector<std::size_t>{2, 3});
  CHECK(data.items_in_file == 2);
  CHECK(data.rank() == 2);
  CHECK(data.count() == 6);
  CHECK(data.bytes.size() == 6 * sizeof(T));
  const std::vector<double> as_double = data.values<double>();
  const std::vector<float> as_float = data.values<float>();
  for (std::size_t i = 0; i < values.size(); ++i) {
    INFO("element " << i);
    CHECK(as_double[i] == static_cast<double>(values[i]));
    CHECK(as_float[i] == static_cast<float>(values[i]));
    CHECK(data.value<double>(i) == static_cast<double>(values[i]));
  }
  CHECK(data.values<T>() == values);
}

}  // namespace

TEST_CASE("read_idx: every element type round-trips plain and gzipped", "[io][idx]") {
  for (bool gzip : {false, true}) {
    INFO((gzip ? "gzipped" : "plain"));
    check_round_trip<std::uint8_t>(0x08, IdxType::ubyte, {0, 1, 127, 128, 200, 255}, gzip);
    check_round_trip<std::int8_t>(0x09, IdxType::sbyte, {-128, -1, 0, 1, 100, 127}, gzip);
    check_round_trip<std::int16_t>(0x0B, IdxType::int16, {-32768, -2, 0, 258, 1000, 32767}, gzip);
    check_round_trip<std::int32_t>(
        0x0C, IdxType::int32,
        {std::numeric_limits<std::int32_t>::min(), -70000, 0, 1, 0x01020304,
         std::numeric_limits<std::int32_t>::max()},
        gzip);
    check_round_trip<float>(0x0D, IdxType::float32, {-1.5f, 0.0f, 3.25f, 1e-30f, 6.02e23f, -0.1f},
                            gzip);
    check_round_trip<double>(0x0E, IdxType::float64,
                             {-1.5, 0.0, 3.25, 1e-300, 6.02214076e23, 0.1}, gzip);
  }
}

TEST_CASE("read_idx: big-endian bytes written literally decode to the right values", "[io][idx]") {
  TempDir dir;
  // float32 1.0 is 3f 80 00 00 and -2.5 is c0 20 00 00; int16 258 is 01 02 and -2 is ff fe.
  nerve_test::write_plain(dir / "f", {0, 0, 0x0D, 1, 0, 0, 0, 2, 0x3f, 0x80, 0, 0, 0xc0, 0x20, 0, 0});
  nerve_test::write_plain(dir / "s", {0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe});
  nerve_test::write_plain(dir / "d", {0, 0, 0x0E, 1, 0, 0, 0, 1, 0xc0, 0x09, 0x21, 0xfb, 0x54,
                                      0x44, 0x2d, 0x18});  // -pi
  CHECK(read_idx(dir / "f").values<float>() == std::vector<float>{1.0f, -2.5f});
  CHECK(read_idx(dir / "s").values<int>() == std::vector<int>{258, -2});
  CHECK(read_idx(dir / "d").value<double>(0) == -3.141592653589793);
}

TEST_CASE("read_idx: ubyte data is available as bytes and other types refuse that", "[io][idx]") {
  TempDir dir;
  Bytes file = idx_header(0x08, {4});
  file.insert(file.end(), {9, 0, 255, 3});
  nerve_test::write_gzip(dir / "u.gz", file);
  const IdxData data = read_idx(dir / "u.gz");
  const auto bytes = data.ubytes();
  CHECK(std::vector<std::uint8_t>(bytes.begin(), bytes.end()) == std::vector<std::uint8_t>{9, 0, 255, 3});

  Bytes ints = idx_header(0x0C, {1});
  append_be(ints, std::int32_t{7});
  nerve_test::write_plain(dir / "i", ints);
  const IdxData int_data = read_idx(dir / "i");
  const auto e = expect_io_error([&] { (void)int_data.ubytes(); });
  CHECK(e.path() == dir / "i");
  CHECK(e.problem() == "wrong element type: int32, expected ubyte");
  CHECK_THROWS_AS(int_data.value<int>(1), std::out_of_range);
}

TEST_CASE("read_idx: max_items reads only the first entries of a large gzipped file",
          "[io][idx]") {
  // 300 random 28x28 images: incompressible, so the gzip stream spans many input buffers.
  TempDir dir;
  std::mt19937 rng(7);
  Bytes file = idx_header(0x08, {300, 28, 28});
  Bytes pixels(300 * 28 * 28);
  for (auto& p : pixels) p = static_cast<std::uint8_t>(rng());
  file.insert(file.end(), pixels.begin(), pixels.end());
  nerve_test::write_gzip(dir / "big.gz", file);
  nerve_test::write_plain(dir / "big", file);

  for (const char* name : {"big", "big.gz"}) {
    INFO(name);
    const IdxData all = read_idx(dir / name);
    CHECK(all.dims == std::vector<std::size_t>{300, 28, 28});
    CHECK(all.bytes == pixels);

    const IdxData first = read_idx(dir / name, {.max_items = 7});
    CHECK(first.dims == std::vector<std::size_t>{7, 28, 28});
    CHECK(first.items_in_file == 300);
    CHECK(first.bytes == Bytes(pixels.begin(), pixels.begin() + 7 * 784));

    const IdxData header_only = read_idx(dir / name, {.max_items = 0});
    CHECK(header_only.dims == std::vector<std::size_t>{0, 28, 28});
    CHECK(header_only.items_in_file == 300);
    CHECK(header_only.bytes.empty());
  }
}

TEST_CASE("read_idx: a gzip file of several members reads as one stream", "[io][idx]") {
  TempDir dir;
  Bytes file = idx_header(0x08, {6});
  file.insert(file.end(), {1, 2, 3, 4, 5, 6});
  nerve_test::write_gzip(dir / "a.gz", Bytes(file.begin(), file.begin() + 11));
  nerve_test::write_gzip(dir / "b.gz", Bytes(file.begin() + 11, file.end()));
  Bytes both = nerve_test::read_all(dir / "a.gz");
  const Bytes b = nerve_test::read_all(dir / "b.gz");
  both.insert(both.end(), b.begin(), b.end());
  nerve_test::write_plain(dir / "ab.gz", both);
  CHECK(read_idx(dir / "ab.gz").values<int>() == std::vector<int>{1, 2, 3, 4, 5, 6});
}

namespace {

// The problem text read_idx gives for a file holding `bytes`, plain and (when asked) gzipped;
// both must name the file at the start of what().
std::string problem_with(const Bytes& bytes, bool gzip) {
  TempDir dir;
  const auto path = dir / (gzip ? "bad-idx.gz" : "bad-idx");
  gzip ? nerve_test::write_gzip(path, bytes) : nerve_test::write_plain(path, bytes);
  const auto e = expect_io_error([&] { read_idx(path); });
  CHECK(e.path() == path);
  CHECK_THAT(e.what(), StartsWith(path.string() + ": "));
  CHECK(std::string(e.what()) == path.string() + ": " + e.problem());
  return e.problem();
}

}  // namespace

TEST_CASE("read_idx: bad headers give an io_error naming the file and the problem",
          "[io][idx]") {
  for (bool gzip : {false, true}) {
    INFO((gzip ? "gzipped" : "plain"));
    CHECK(problem_with({}, gzip) ==
          "truncated header: the file ends after 0 bytes, before the 4-byte IDX magic");
    CHECK(problem_with({0, 0}, gzip) ==
          "truncated header: the file ends after 2 bytes, before the 4-byte IDX magic");
    CHECK(problem_with({'P', 'K', 3, 4, 0, 0}, gzip) ==
          "bad magic: the file starts with 50 4b 03 04, expected 00 00 <type> <rank> "
          "(is this an IDX file?)");
    CHECK_THAT(problem_with({0, 0, 0x0A, 1, 0, 0, 0, 1, 0}, gzip),
               StartsWith("unknown element type code 0x0a (known: 0x08 ubyte"));
    CHECK(problem_with({0, 0, 0x08, 0}, gzip) ==
          "rank 0: an IDX file needs at least one dimension");
    CHECK(problem_with({0, 0, 0x08, 3, 0, 0, 0, 2, 0}, gzip) ==
          "truncated header: rank 3 needs 16 header bytes but the file ends after 9");
    CHECK(problem_with(idx_header(0x08, {2, 0, 3}), gzip) ==
          "dimension 1 is 0: the file holds no data");
    CHECK(problem_with(idx_header(0x08, {2, 0xffffffffu}), gzip) ==
          "absurd dimension 1: 4294967295 (negative as the format's signed int32)");
    // 2^48 float64 elements: refused from the header alone, nothing allocated.
    CHECK(problem_with(idx_header(0x0E, {65536, 65536, 65536}), gzip) ==
          "absurd size: dims 65536x65536x65536 of float64 make more than the limit of "
          "4294967296 bytes (IdxOptions::max_bytes)");
  }
}

TEST_CASE("read_idx: too little or too much data is an io_error with the byte counts",
          "[io][idx]") {
  Bytes short_file = idx_header(0x08, {3, 28, 28});
  short_file.resize(short_file.size() + 100, 7);
  CHECK(problem_with(short_file, false) ==
        "truncated: header says 3x28x28 ubyte (2352 bytes of data) but the data ends after "
        "100 bytes");
  CHECK(problem_with(short_file, true) ==
        "truncated: header says 3x28x28 ubyte (2352 bytes of data) but the data ends after "
        "100 bytes (decompressed)");

  Bytes short_floats = idx_header(0x0D, {5});
  for (int i = 0; i < 4; ++i) append_be(short_floats, 1.0f);
  short_floats.push_back(0x3f);
  CHECK(problem_with(short_floats, false) ==
        "truncated: header says 5 float32 (20 bytes of data) but the data ends after 17 bytes");

  Bytes long_file = idx_header(0x0B, {3});
  long_file.resize(long_file.size() + 6 + 5, 1);
  for (bool gzip : {false, true}) {
    CHECK(problem_with(long_file, gzip) ==
          "trailing garbage: 5 bytes after the 6 bytes of data that the header (3 int16) "
          "announces");
  }

  // With max_items the data past the requested entries is not read; a cut before it still is.
  TempDir dir;
  nerve_test::write_plain(dir / "short", short_file);
  CHECK(read_idx(dir / "short", {.max_items = 0}).items_in_file == 3);
  const auto e = expect_io_error([&] { read_idx(dir / "short", {.max_items = 1}); });
  CHECK(e.problem() ==
        "truncated: header says 3x28x28 ubyte, the first 1 items of which need 784 bytes of "
        "data, but the data ends after 100 bytes");
}

TEST_CASE("read_idx: missing or unreadable files and corrupt gzip streams are io_errors", "[io][idx]") {
  TempDir dir;
  {
    const auto e = expect_io_error([&] { read_idx(dir / "no-such-file.gz"); });
    CHECK(e.path() == dir / "no-such-file.gz");
    CHECK(e.problem() == "cannot open: No such file or directory");
  }
  {
    const auto e = expect_io_error([&] { read_idx(dir.path()); });
    CHECK(e.problem() == "is a directory, not a file");
  }

  Bytes file = idx_header(0x08, {500});
  std::mt19937 rng(3);
  for (int i = 0; i < 500; ++i) file.push_back(static_cast<std::uint8_t>(rng()));
  nerve_test::write_gzip(dir / "good.gz", file);
  const Bytes gz = nerve_test::read_all(dir / "good.gz");
  REQUIRE(read_idx(dir / "good.gz").bytes == Bytes(file.begin() + 8, file.end()));

  SECTION("a wrong CRC in the gzip trailer") {
    Bytes bad = gz;
    bad[bad.size() - 8] ^= 0xff;
    nerve_test::write_plain(dir / "crc.gz", bad);
    CHECK(expect_io_error([&] { read_idx(dir / "crc.gz"); }).problem() ==
          "corrupt gzip stream: incorrect data check");
  }
  SECTION("an unknown compression method in the gzip header") {
    Bytes bad = gz;
    bad[2] = 7;  // the method byte: 8 is deflate
    nerve_test::write_plain(dir / "method.gz", bad);
    CHECK(expect_io_error([&] { read_idx(dir / "method.gz"); }).problem() ==
          "corrupt gzip stream: unknown compression method");
  }
  SECTION("compressed data cut short") {
    for (std::size_t keep : {std::size_t{2}, std::size_t{12}, gz.size() / 2, gz.size() - 1}) {
      INFO("kept " << keep << " of " << gz.size() << " bytes");
      nerve_test::write_plain(dir / "cut.gz", Bytes(gz.begin(), gz.begin() + keep));
      CHECK(expect_io_error([&] { read_idx(dir / "cut.gz"); }).problem() ==
            "corrupt gzip stream: unexpected end of file (the compressed data is cut short)");
    }
  }
  SECTION("bytes after the gzip stream") {
    Bytes bad = gz;
    bad.insert(bad.end(), {'j', 'u', 'n', 'k'});
    nerve_test::write_plain(dir / "tail.gz", bad);
    CHECK(expect_io_error([&] { read_idx(dir / "tail.gz"); }).problem() ==
          "trailing garbage: 4 bytes after the end of the gzip stream");
  }
}

TEST_CASE("read_idx: every cut and every flipped byte gives data or an io_error and never a crash",
          "[io][idx]") {
  TempDir dir;
  Bytes file = idx_header(0x0B, {3, 4});
  for (int i = 0; i < 12; ++i) append_be(file, static_cast<std::int16_t>(i * 1000 - 5000));
  nerve_test::write_gzip(dir / "ok.gz", file);
  const Bytes gz = nerve_test::read_all(dir / "ok.gz");

  // Returns whether read_idx refused the file; a crash or another exception fails the test.
  auto refused = [&](const Bytes& bytes) {
    nerve_test::write_plain(dir / "fuzz", bytes);
    try {
      const IdxData d = read_idx(dir / "fuzz");
      CHECK(d.bytes.size() == d.count() * element_bytes(d.type));
      return false;
    } catch (const io_error& e) {
      CHECK_THAT(e.what(), StartsWith((dir / "fuzz").string() + ": "));
      return true;
    }
  };
  for (const Bytes* source : std::initializer_list<const Bytes*>{&file, &gz}) {
    for (std::size_t keep = 0; keep < source->size(); ++keep) {
      INFO("cut after " << keep << " bytes");
      CHECK(refused(Bytes(source->begin(), source->begin() + static_cast<std::ptrdiff_t>(keep))));
    }
    for (std::size_t at = 0; at < source->size(); ++at) {
      for (std::uint8_t flip : {0x01, 0x80, 0xff}) {
        Bytes bad = *source;
        bad[at] ^= flip;
        const bool bad_file = refused(bad);
        // Past the 10-byte gzip header every byte is covered by the CRC or is the CRC, except
        // the last byte of deflate data, whose unused high bits may flip unnoticed. In a plain
        // file the 4-byte magic must be exact.
        const bool covered = at >= 10 && at != gz.size() - 9;
        if ((source == &gz && covered) || (source == &file && at < 4)) {
          INFO("flipped byte " << at << " with " << int(flip));
          CHECK(bad_file);
        }
      }
    }
  }
}
