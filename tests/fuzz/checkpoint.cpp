// libFuzzer target: the checkpoint loader (tests/fuzz/checkpoint.hpp; docs/fuzzing.md).
#include "fuzz/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nerve_fuzz::fuzz_checkpoint(data, size);
  return 0;
}
