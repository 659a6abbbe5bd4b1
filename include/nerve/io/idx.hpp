// nerve/io/idx.hpp: read_idx, the reader for IDX files (the format of MNIST and Fashion-MNIST),
// plain or gzip-compressed.
//
// The format: two zero bytes, a type code, the rank; then one big-endian uint32 per dimension;
// then the elements, row-major, big-endian:
//   0x08 ubyte  0x09 sbyte  0x0B int16  0x0C int32  0x0D float32  0x0E float64
// Every way a file can be wrong (missing, bad magic, unknown type, zero or absurd dimensions,
// too few or too many bytes, a corrupt gzip stream) is an io_error naming the file; nothing is
// read past what the file holds, and nothing larger than IdxOptions::max_bytes is allocated.
#pragma once

#include <algorithm>   // std::min
#include <bit>         // std::bit_cast
#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint8_t, std::uint32_t, ...
#include <cstdio>      // std::snprintf
#include <filesystem>  // std::filesystem::path
#include <limits>      // std::numeric_limits
#include <span>
#include <stdexcept>   // std::out_of_range
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nerve/io/detail/input_file.hpp"  // nerve::detail::input_file
#include "nerve/io/error.hpp"              // nerve::io_error

namespace nerve {

enum class IdxType : std::uint8_t {
  ubyte = 0x08,
  sbyte = 0x09,
  int16 = 0x0B,
  int32 = 0x0C,
  float32 = 0x0D,
  float64 = 0x0E,
};

// "ubyte", "float32", ...; "unknown" for a code outside the format.
constexpr std::string_view to_string(IdxType type) noexcept {
  switch (type) {
    case IdxType::ubyte: return "ubyte";
    case IdxType::sbyte: return "sbyte";
    case IdxType::int16: return "int16";
    case IdxType::int32: return "int32";
    case IdxType::float32: return "float32";
    case IdxType::float64: return "float64";
  }
  return "unknown";
}

// Bytes per element; 0 for a code outside the format.
constexpr std::size_t element_bytes(IdxType type) noexcept {
  switch (type) {
    case IdxType::ubyte:
    case IdxType::sbyte: return 1;
    case IdxType::int16: return 2;
    case IdxType::int32:
    case IdxType::float32: return 4;
    case IdxType::float64: return 8;
  }
  return 0;
}

struct IdxOptions {
  // Read only the first max_items entries along the first dimension (all when the file has
  // fewer). The rest of the file is then not read, so it is not checked either.
  std::size_t max_items = std::numeric_limits<std::size_t>::max();
  // A header announcing more data than this is refused before anything is allocated.
  std::size_t max_bytes = std::size_t{1} << 32;
};

namespace detail {

// 60000x28x28
inline std::string dims_string(std::span<const std::size_t> dims) {
  std::string out;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) out += 'x';
    out += std::to_string(dims[i]);
  }
  return out;
}

inline std::uint64_t load_be(const std::uint8_t* p, std::size_t bytes) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// Decodes n big-endian elements of the file's type Src and converts them to T.
template <class Src, class T>
void decode_as(const std::uint8_t* in, std::size_t n, T* out) noexcept {
  constexpr std::size_t w = sizeof(Src);
  using Bits = std::conditional_t<w == 1, std::uint8_t,
               std::conditional_t<w == 2, std::uint16_t,
               std::conditional_t<w == 4, std::uint32_t, std::uint64_t>>>;
  for (std::size_t i = 0; i < n; ++i) {
    const auto bits = static_cast<Bits>(load_be(in + i * w, w));
    out[i] = static_cast<T>(std::bit_cast<Src>(bits));
  }
}

template <class T>
void decode(IdxType type, const std::uint8_t* in, std::size_t n, T* out) noexcept {
  switch (type) {
    case IdxType::ubyte: return decode_as<std::uint8_t>(in, n, out);
    case IdxType::sbyte: return decode_as<std::int8_t>(in, n, out);
    case IdxType::int16: return decode_as<std::int16_t>(in, n, out);
    case IdxType::int32: return decode_as<std::int32_t>(in, n, out);
    case IdxType::float32: return decode_as<float>(in, n, out);
    case IdxType::float64: return decode_as<double>(in, n, out);
  }
}

inline std::string hex_bytes(const std::uint8_t* p, std::size_t n) {
  std::string out;
  char two[4];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(two, sizeof two, "%02x", p[i]);
    if (i) out += ' ';
    out += two;
  }
  return out;
}

}  // namespace detail

// The contents of one IDX file.
struct IdxData {
  std::filesystem::path path;
  IdxType type = IdxType::ubyte;
  // The dimensions of what was read: dims[0] is at most IdxOptions::max_items.
  std::vector<std::size_t> dims;
  // dims[0] as the file's header gives it, whatever was read.
  std::size_t items_in_file = 0;
  // The elements as the file stores them: row-major, big-endian, element_bytes(type) each.
  std::vector<std::uint8_t> bytes;

  std::size_t rank() const noexcept { return dims.size(); }
  // Number of elements read.
  std::size_t count() const noexcept { return bytes.size() / element_bytes(type); }

  // The elements of a ubyte file, as they are (no copy). Any other type is an io_error.
  std::span<const std::uint8_t> ubytes() const {
    if (type != IdxType::ubyte) {
      throw io_error(path, "wrong element type: " + std::string(to_string(type)) +
                               ", expected ubyte");
    }
    return bytes;
  }

  // Element i (flat, row-major) converted to T.
  template <class T>
    requires std::is_arithmetic_v<T>
  T value(std::size_t i) const {
    if (i >= count()) throw std::out_of_range("IdxData::value: index out of range");
    T out{};
    detail::decode(type, bytes.data() + i * element_bytes(type), 1, &out);
    return out;
  }

  // Every element converted to T (to float or double for training; any type works).
  template <class T>
    requires std::is_arithmetic_v<T>
  std::vector<T> values() const {
    std::vector<T> out(count());
    detail::decode(type, bytes.data(), out.size(), out.data());
    return out;
  }
};

// Reads an IDX file, gunzipping it when it starts with the gzip magic.
inline IdxData read_idx(const std::filesystem::path& path, const IdxOptions& options = {}) {
  detail::input_file in(path);
  IdxData out;
  out.path = path;

  std::uint8_t magic[4];
  const std::size_t got_magic = in.read(magic, 4);
  if (got_magic < 4) {
    in.fail("truncated header: the file ends after " + std::to_string(got_magic) +
            " bytes, before the 4-byte IDX magic");
  }
  if (magic[0] != 0 || magic[1] != 0) {
    in.fail("bad magic: the file starts with " + detail::hex_bytes(magic, 4) +
            ", expected 00 00 <type> <rank> (is this an IDX file?)");
  }
  out.type = static_cast<IdxType>(magic[2]);
  if (element_bytes(out.type) == 0) {
    in.fail("unknown element type code 0x" + detail::hex_bytes(magic + 2, 1) +
            " (known: 0x08 ubyte, 0x09 sbyte, 0x0b int16, 0x0c int32, 0x0d float32, "
            "0x0e float64)");
  }
  const std::size_t rank = magic[3];
  if (rank == 0) in.fail("rank 0: an IDX file needs at least one dimension");

  std::uint8_t raw_dims[255 * 4];
  const std::size_t got_dims = in.read(raw_dims, rank * 4);
  if (got_dims < rank * 4) {
    in.fail("truncated header: rank " + std::to_string(rank) + " needs " +
            std::to_string(4 + rank * 4) + " header bytes but the file ends after " +
            std::to_string(4 + got_dims));
  }

  // Sizes are checked before anything is allocated: a corrupt header must not ask for 16 EiB.
  const std::size_t width = element_bytes(out.type);
  std::size_t item_elements = 1;  // elements per entry along the first dimension
  std::size_t total = width;      // bytes of data the header announces, at most max_bytes
  for (std::size_t d = 0; d < rank; ++d) {
    const auto dim = static_cast<std::uint32_t>(detail::load_be(raw_dims + 4 * d, 4));
    out.dims.push_back(dim);
    if (dim == 0) in.fail("dimension " + std::to_string(d) + " is 0: the file holds no data");
    if (dim > 0x7fffffffu) {
      in.fail("absurd dimension " + std::to_string(d) + ": " + std::to_string(dim) +
              " (negative as the format's signed int32)");
    }
    if (total > options.max_bytes / dim) {
      for (std::size_t k = d + 1; k < rank; ++k) {
        out.dims.push_back(static_cast<std::size_t>(detail::load_be(raw_dims + 4 * k, 4)));
      }
      in.fail("absurd size: dims " + detail::dims_string(out.dims) + " of " +
              std::string(to_string(out.type)) + " make more than the limit of " +
              std::to_string(options.max_bytes) + " bytes (IdxOptions::max_bytes)");
    }
    total *= dim;
    if (d > 0) item_elements *= dim;
  }
  out.items_in_file = out.dims[0];
  const bool whole_file = options.max_items >= out.items_in_file;
  if (!whole_file) out.dims[0] = options.max_items;
  const std::size_t wanted = out.dims[0] * item_elements * width;

  // Grow the buffer as the data arrives instead of trusting the header with one big
  // allocation: doubling from 64 KiB, so a 100-byte file claiming 4 GiB costs 64 KiB, then a
  // clear error. (A first step of 16 MiB made every such file allocate and zero 16 MiB, which
  // slowed the fuzz target, tests/fuzz/idx.hpp, about 50-fold on such inputs.)
  constexpr std::size_t first_step = std::size_t{1} << 16;
  std::size_t have = 0;
  while (have < wanted) {
    const std::size_t next = std::min(wanted, std::max(first_step, 2 * have));
    out.bytes.resize(next);
    const std::size_t got = in.read(out.bytes.data() + have, next - have);
    have += got;
    if (have < next) break;
  }
  if (have < wanted) {
    std::vector<std::size_t> file_dims = out.dims;
    file_dims[0] = out.items_in_file;
    const std::string header = detail::dims_string(file_dims) + " " + std::string(to_string(out.type));
    const std::string need = whole_file ? " (" + std::to_string(wanted) + " bytes of data)"
                                        : ", the first " + std::to_string(out.dims[0]) +
                                              " items of which need " + std::to_string(wanted) +
                                              " bytes of data,";
    in.fail("truncated: header says " + header + need + " but the data ends after " +
            std::to_string(have) + " bytes" + (in.gzipped() ? " (decompressed)" : ""));
  }
  if (whole_file) {
    if (const std::size_t extra = in.skip_rest()) {
      in.fail("trailing garbage: " + std::to_string(extra) + " bytes after the " +
              std::to_string(wanted) + " bytes of data that the header (" +
              detail::dims_string(out.dims) + " " + std::string(to_string(out.type)) +
              ") announces");
    }
  }
  return out;
}

}  // namespace nerve
