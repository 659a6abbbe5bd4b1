// nerve/layers/token_id.hpp: reading a token id from an input value (Embedding, and a recurrent
// layer's OneHot input).
//
// The network's input is of its element type, so ids arrive as values: 0, 1, 2, ... exactly
// representable (float holds every integer below 2^24). A value that is not an integer in
// [0, vocabulary) is not an id: the layers read it as a row of zeros, so a wrong id never makes
// a pass read outside a table.
#pragma once

#include <cstddef>  // std::size_t

namespace nerve::detail {

// The table row of id v, or -1 for a value that is not an id of a vocabulary of n (NaN included).
template <class T>
long token_row(T v, std::size_t n) noexcept {
  if (!(v >= T(0) && v < static_cast<T>(n))) return -1;
  const auto i = static_cast<long>(v);
  return static_cast<T>(i) == v ? i : -1;
}

}  // namespace nerve::detail
