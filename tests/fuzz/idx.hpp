// tests/fuzz/idx.hpp: the IDX reader (nerve/io/idx.hpp) on any bytes, plain or gzipped.
// io_error is the documented outcome of a bad file; what read_idx returns must be consistent
// (its dims match its bytes), and reading only the first item must agree with reading all.
#pragma once

#include <algorithm>  // std::equal
#include <cstddef>
#include <cstdint>
#include <vector>

#include <nerve/io/idx.hpp>

#include "fuzz/fuzz_support.hpp"

namespace nerve_fuzz {

// The fuzz inputs are small, so a header announcing more than this is refused as too large
// rather than letting a gzip bomb allocate gigabytes (max_bytes is the reader's own guard).
inline constexpr std::size_t idx_max_bytes = std::size_t{1} << 26;

inline void fuzz_idx(const std::uint8_t* data, std::size_t size) {
  const auto& path = scratch().write(data, size);
  bool whole_ok = false;
  nerve::IdxData whole;
  try {
    whole = nerve::read_idx(path, {.max_bytes = idx_max_bytes});
    whole_ok = true;
  } catch (const nerve::io_error&) {
  }
  if (whole_ok) {
    NERVE_FUZZ_CHECK(whole.rank() >= 1 && whole.rank() <= 255);
    NERVE_FUZZ_CHECK(whole.items_in_file == whole.dims[0]);
    std::size_t elements = 1;
    for (const std::size_t d : whole.dims) {
      NERVE_FUZZ_CHECK(d >= 1);
      elements *= d;
    }
    NERVE_FUZZ_CHECK(elements == whole.count());
    NERVE_FUZZ_CHECK(whole.bytes.size() == elements * nerve::element_bytes(whole.type));
    const std::vector<double> values = whole.values<double>();
    NERVE_FUZZ_CHECK(values.size() == elements);
    const double last = whole.value<double>(elements - 1);
    NERVE_FUZZ_CHECK(last == values.back() || (last != last && values.back() != values.back()));
    if (whole.type == nerve::IdxType::ubyte) NERVE_FUZZ_CHECK(whole.ubytes().size() == elements);
  }
  try {
    const nerve::IdxData first = nerve::read_idx(path, {.max_items = 1, .max_bytes = idx_max_bytes});
    NERVE_FUZZ_CHECK(first.dims[0] == 1);
    if (whole_ok) {
      // The first item read alone is the first item of the whole file.
      NERVE_FUZZ_CHECK(first.items_in_file == whole.items_in_file);
      NERVE_FUZZ_CHECK(first.bytes.size() == whole.bytes.size() / whole.dims[0]);
      NERVE_FUZZ_CHECK(std::equal(first.bytes.begin(), first.bytes.end(), whole.bytes.begin()));
    }
  } catch (const nerve::io_error&) {
    NERVE_FUZZ_CHECK(!whole_ok);  // what reads whole reads in part
  }
}

}  // namespace nerve_fuzz
