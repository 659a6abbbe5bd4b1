// libFuzzer target: nerve-codegen's checkpoint reader (tests/fuzz/codegen_checkpoint.hpp;
// docs/fuzzing.md).
#include "fuzz/codegen_checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nerve_fuzz::fuzz_codegen_checkpoint(data, size);
  return 0;
}
