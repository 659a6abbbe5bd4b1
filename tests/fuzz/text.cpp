// libFuzzer target: the text corpus reader (tests/fuzz/text.hpp; docs/fuzzing.md).
#include "fuzz/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nerve_fuzz::fuzz_text(data, size);
  return 0;
}
