// nerve/kernels/layout.hpp: the padded, packed memory layout every dense kernel shares.
//
// A row of activations or of packed weights is padded to a whole number of 64-byte cache lines,
// whatever the instruction set, so a buffer written by an AVX-512 build reads the same in an SSE2
// build and every row starts on a cache line. Since a SIMD register is at most 64 bytes, a padded
// row is also a whole number of registers for every target: the kernels never need a column tail.
#pragma once

#include <cstddef>      // std::size_t
#include <type_traits>  // std::type_identity_t

#include "nerve/config.hpp"  // nerve::alignment

namespace nerve::kernels {

// Elements of T in one 64-byte cache line: 16 floats, 8 doubles.
template <class T>
inline constexpr std::size_t lanes = alignment / sizeof(T);

// n rounded up to a multiple of m (m > 0).
constexpr std::size_t round_up(std::size_t n, std::size_t m) noexcept { return (n + m - 1) / m * m; }

// The leading dimension of a row of N meaningful elements of T.
template <std::size_t N, class T>
inline constexpr std::size_t padded = round_up(N, lanes<T>);

// Packed Dense weights: Wt has K rows of padded<M, T> elements and Wt[k * Mp + m] = W[m][k].
// Columns m >= M are zero, and so is the bias there, so padded outputs are computed from zeros.

// The element type of an optional pointer argument, kept out of deduction so that a caller may
// pass nullptr and T is deduced from the other arguments.
template <class T>
using not_deduced = std::type_identity_t<T>;

}  // namespace nerve::kernels
