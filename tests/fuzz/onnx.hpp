// tests/fuzz/onnx.hpp: nerve-codegen's ONNX importer on any bytes: read_onnx_bytes
// (codegen/onnx_reader.hpp) and, when the model reads, write_header (codegen/header_writer.hpp),
// the whole path of `nerve-codegen model.onnx -o model.hpp` but the file. codegen_error is the
// documented outcome of a model nerve-codegen cannot read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../../codegen/header_writer.hpp"
#include "../../codegen/model.hpp"
#include "../../codegen/onnx_reader.hpp"
#include "fuzz/fuzz_support.hpp"

namespace nerve_fuzz {

inline void fuzz_onnx(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const nerve_codegen::model m = nerve_codegen::read_onnx_bytes(bytes, "fuzz.onnx");
    NERVE_FUZZ_CHECK(!m.layers.empty() && !m.input.empty() && !m.output.empty());
    const std::string header = nerve_codegen::write_header(m, "fuzz");
    NERVE_FUZZ_CHECK(header.find("namespace fuzz {") != std::string::npos);
  } catch (const nerve_codegen::codegen_error&) {
  }
}

}  // namespace nerve_fuzz
