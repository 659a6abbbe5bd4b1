// libFuzzer target: nerve-codegen's ONNX importer (tests/fuzz/onnx.hpp; docs/fuzzing.md).
#include "fuzz/onnx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nerve_fuzz::fuzz_onnx(data, size);
  return 0;
}
