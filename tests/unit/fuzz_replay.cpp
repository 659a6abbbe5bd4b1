// The fuzz targets' bodies (tests/fuzz/*.hpp) on every committed input, with the normal build:
// the seed corpora (tests/fuzz/corpus/<target>/) and every input that once made a target fail
// (tests/fuzz/regressions/<target>/), so the readers' fixes stay fixed without clang or
// libFuzzer. An input passes when the reader gives a result or its documented error and every
// property the target checks holds. (nerve-codegen's targets, onnx and codegen_checkpoint, are
// replayed by CTest through the tool itself: tests/codegen/CMakeLists.txt.) docs/fuzzing.md.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/checkpoint.hpp"
#include "fuzz/idx.hpp"
#include "fuzz/text.hpp"

#ifndef NERVE_TEST_DATA_DIR
#error "NERVE_TEST_DATA_DIR must name tests/data (tests/CMakeLists.txt defines it)"
#endif

namespace {

const std::filesystem::path fuzz_dir = std::filesystem::path(NERVE_TEST_DATA_DIR) / ".." / "fuzz";

// The files of corpus/<target>/ and regressions/<target>/, sorted.
std::vector<std::filesystem::path> inputs_of(const std::string& target) {
  std::vector<std::filesystem::path> out;
  for (const char* kind : {"corpus", "regressions"}) {
    const auto dir = fuzz_dir / kind / target;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> bytes_of(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

template <class Body>
void replay(const std::string& target, Body body) {
  const auto inputs = inputs_of(target);
  REQUIRE(!inputs.empty());  // at least the seeds
  for (const auto& path : inputs) {
    INFO(target << " input " << path.lexically_relative(fuzz_dir).string());
    const auto bytes = bytes_of(path);
    CHECK_NOTHROW(body(bytes.data(), bytes.size()));
  }
}

}  // namespace

TEST_CASE("fuzz inputs: the IDX reader on every seed and regression input", "[io][idx][fuzz]") {
  replay("idx", nerve_fuzz::fuzz_idx);
}

TEST_CASE("fuzz inputs: the text corpus reader on every seed and regression input", "[io][text][fuzz]") {
  replay("text", nerve_fuzz::fuzz_text);
}

TEST_CASE("fuzz inputs: the checkpoint loader on every seed and regression input", "[checkpoint][fuzz]") {
  replay("checkpoint", nerve_fuzz::fuzz_checkpoint);
}
