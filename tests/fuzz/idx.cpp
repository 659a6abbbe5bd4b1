// libFuzzer target: the IDX reader (tests/fuzz/idx.hpp; docs/fuzzing.md).
#include "fuzz/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nerve_fuzz::fuzz_idx(data, size);
  return 0;
}
