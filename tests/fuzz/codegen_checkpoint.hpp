// tests/fuzz/codegen_checkpoint.hpp: nerve-codegen's checkpoint reader on any bytes:
// read_checkpoint (codegen/checkpoint_reader.hpp), which rebuilds the network's type from the
// architecture in a checkpoint's metadata, then write_header. codegen_error and io_error (from
// nerve::checkpoint::read_file underneath) are the documented outcomes of a bad file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nerve/io/error.hpp>

#include "../../codegen/checkpoint_reader.hpp"
#include "../../codegen/header_writer.hpp"
#include "../../codegen/model.hpp"
#include "fuzz/fuzz_support.hpp"

namespace nerve_fuzz {

inline void fuzz_codegen_checkpoint(const std::uint8_t* data, std::size_t size) {
  const auto& path = scratch().write(data, size);
  try {
    const nerve_codegen::model m = nerve_codegen::read_checkpoint(path.string());
    const std::string header = nerve_codegen::write_header(m, "fuzz");
    NERVE_FUZZ_CHECK(header.find("namespace fuzz {") != std::string::npos);
  } catch (const nerve_codegen::codegen_error&) {
  } catch (const nerve::io_error&) {
  }
}

}  // namespace nerve_fuzz
