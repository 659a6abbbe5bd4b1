// nerve/shape/shape.hpp: Shape<dims...>, a tensor shape known at compile time, and its algebra.
//
// A shape is a type; its value is empty, so shapes pass through constexpr functions and
// compare with ==. Dimensions are row-major: the last one varies fastest.
#pragma once

#include <array>
#include <cstddef>  // std::size_t
#include <string>
#include <type_traits>

namespace nerve {

template <std::size_t... Dims>
struct Shape {
  static constexpr std::size_t rank = sizeof...(Dims);
  static constexpr std::size_t size = (std::size_t{1} * ... * Dims);
  static constexpr std::array<std::size_t, sizeof...(Dims)> dims{Dims...};

  // Stride of each dimension in elements, row-major.
  static constexpr std::array<std::size_t, sizeof...(Dims)> strides = [] {
    std::array<std::size_t, sizeof...(Dims)> s{};
    std::size_t stride = 1;
    for (std::size_t i = sizeof...(Dims); i-- > 0;) {
      s[i] = stride;
      stride *= dims[i];
    }
    return s;
  }();

  // "(4, 4, 16)": the form summary() prints.
  static std::string to_string() {
    std::string out = "(";
    std::size_t i = 0;
    ((out += (i++ ? ", " : "") + std::to_string(Dims)), ...);
    return out + ")";
  }
};

template <class T>
struct is_shape : std::false_type {};
template <std::size_t... Dims>
struct is_shape<Shape<Dims...>> : std::true_type {};

// concept AnyShape: a Shape<...> of any rank.
template <class T>
concept AnyShape = is_shape<std::remove_cvref_t<T>>::value;

template <std::size_t... A, std::size_t... B>
constexpr bool operator==(Shape<A...>, Shape<B...>) {
  return std::is_same_v<Shape<A...>, Shape<B...>>;
}

template <AnyShape S>
constexpr std::size_t rank(S) { return S::rank; }

template <AnyShape S>
constexpr std::size_t size(S) { return S::size; }

// concat(Shape<2, 3>{}, Shape<4>{}) == Shape<2, 3, 4>{}
template <std::size_t... A, std::size_t... B>
constexpr Shape<A..., B...> concat(Shape<A...>, Shape<B...>) { return {}; }

// flatten(Shape<4, 4, 16>{}) == Shape<256>{}
template <AnyShape S>
constexpr Shape<S::size> flatten(S) { return {}; }

// Type-level spellings of the same operations, for use in template arguments.
template <AnyShape A, AnyShape B>
using concat_t = decltype(concat(A{}, B{}));
template <AnyShape S>
using flatten_t = decltype(flatten(S{}));

}  // namespace nerve
