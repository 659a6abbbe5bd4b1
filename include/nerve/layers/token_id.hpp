// nerve/layers/token_id.hpp: reading a token id from an input value (Embedding, and a recurrent
// layer's OneHot input).
//
// The network's input is of its element type, so ids arrive as values: 0, 1, 2, ... exactly
// representable (float holds every integer below 2^24). A value that is not an integer in
// [0, vocabulary) is not an id: the layers read it as a row of zeros, so a wrong id never makes
// a pass read outside a table (a forward pass is noexcept). The trainer checks the ids of a data
// set before it trains or evaluates on it, and throws as PyTorch's nn.Embedding does.
#pragma once

#include <cstddef>  // std::size_t
#include <cstdio>   // std::snprintf
#include <string>

namespace nerve::detail {

// The table row of id v, or -1 for a value that is not an id of a vocabulary of n (NaN included).
template <class T>
long token_row(T v, std::size_t n) noexcept {
  if (!(v >= T(0) && v < static_cast<T>(n))) return -1;
  const auto i = static_cast<long>(v);
  return static_cast<T>(i) == v ? i : -1;
}

// The vocabulary of a layer that reads its input values as token ids (it declares
// `static constexpr std::size_t token_vocabulary`, nonzero: Embedding, a recurrent layer with
// OneHot), else 0.
template <class L>
inline constexpr std::size_t token_vocabulary_of = 0;
template <class L>
  requires requires { L::token_vocabulary; }
inline constexpr std::size_t token_vocabulary_of<L> = L::token_vocabulary;

// A value as an error message shows it: 57, 2.5, -1, nan.
template <class T>
std::string token_value_text(T v) {
  char text[40];
  std::snprintf(text, sizeof text, "%.9g", static_cast<double>(v));
  return text;
}

}  // namespace nerve::detail
