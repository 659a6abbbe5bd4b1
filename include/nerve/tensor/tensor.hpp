// nerve/tensor/tensor.hpp: Tensor<T, Shape, Storage>, a block of T with a static shape.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>  // std::size_t
#include <span>
#include <type_traits>

#include "nerve/shape/shape.hpp"      // nerve::Shape
#include "nerve/tensor/storage.hpp"   // nerve::Heap, Inline, View

namespace nerve {

template <class T, AnyShape S, class Storage = Heap>
class Tensor;

template <class T, AnyShape S>
using TensorView = Tensor<T, S, View>;

template <class T, AnyShape S, class Storage>
class Tensor {
 public:
  using value_type = std::remove_const_t<T>;
  using shape_type = S;
  using storage_type = Storage;
  static constexpr S shape{};
  static constexpr std::size_t rank = S::rank;
  static constexpr std::size_t size = S::size;

  Tensor() = default;

  // A view of memory someone else owns; it must hold S::size elements.
  explicit Tensor(T* data) noexcept
    requires std::is_same_v<Storage, View>
      : storage_(data) {}

  // A view of any tensor of the same shape (mutable from mutable, const from anything).
  template <class U, class P>
    requires std::is_same_v<Storage, View> && std::is_convertible_v<U*, T*>
  Tensor(Tensor<U, S, P>& other) noexcept : storage_(other.data()) {}
  template <class U, class P>
    requires std::is_same_v<Storage, View> && std::is_convertible_v<const U*, T*>
  Tensor(const Tensor<U, S, P>& other) noexcept : storage_(other.data()) {}

  T* data() noexcept { return storage_.data(); }
  const T* data() const noexcept { return storage_.data(); }
  std::span<T, S::size> flat() noexcept { return std::span<T, S::size>(data(), S::size); }
  std::span<const T, S::size> flat() const noexcept {
    return std::span<const T, S::size>(data(), S::size);
  }

  // Element access by one index per dimension: t(i, j, k).
  template <class... I>
    requires(sizeof...(I) == S::rank && (std::is_integral_v<I> && ...))
  T& operator()(I... index) noexcept { return data()[offset(index...)]; }
  template <class... I>
    requires(sizeof...(I) == S::rank && (std::is_integral_v<I> && ...))
  const T& operator()(I... index) const noexcept { return data()[offset(index...)]; }

  // Element access by an index tuple: t[{i, j, k}].
  T& operator[](const std::array<std::size_t, S::rank>& index) noexcept {
    return data()[offset_of(index)];
  }
  const T& operator[](const std::array<std::size_t, S::rank>& index) const noexcept {
    return data()[offset_of(index)];
  }

  static constexpr std::size_t offset_of(const std::array<std::size_t, S::rank>& index) noexcept {
    std::size_t at = 0;
    for (std::size_t d = 0; d < S::rank; ++d) {
      assert(index[d] < S::dims[d] && "nerve::Tensor: index out of range");
      at += index[d] * S::strides[d];
    }
    return at;
  }

  // The same elements seen with another shape of equal size.
  template <AnyShape R>
  TensorView<T, R> reshape() noexcept {
    static_assert(R::size == S::size, "Tensor::reshape: the new shape must have the same size");
    return TensorView<T, R>(data());
  }
  template <AnyShape R>
  TensorView<const T, R> reshape() const noexcept {
    static_assert(R::size == S::size, "Tensor::reshape: the new shape must have the same size");
    return TensorView<const T, R>(data());
  }
  TensorView<T, S> view() noexcept { return TensorView<T, S>(data()); }
  TensorView<const T, S> view() const noexcept { return TensorView<const T, S>(data()); }

  // The i-th sub-tensor along the first dimension: a row of a matrix, a sample of a batch.
  auto operator[](std::size_t i) noexcept
    requires(S::rank >= 2)
  {
    return TensorView<T, tail_shape>(data() + i * S::strides[0]);
  }
  auto operator[](std::size_t i) const noexcept
    requires(S::rank >= 2)
  {
    return TensorView<const T, tail_shape>(data() + i * S::strides[0]);
  }

  void fill(value_type v) noexcept {
    for (auto& x : flat()) x = v;
  }

 private:
  template <class Seq>
  struct tail_of;
  template <std::size_t... I>
  struct tail_of<std::index_sequence<I...>> {
    using type = Shape<S::dims[I + 1]...>;
  };
  using tail_shape = typename tail_of<std::make_index_sequence<(S::rank > 0 ? S::rank - 1 : 0)>>::type;

  template <class... I>
  static constexpr std::size_t offset(I... index) noexcept {
    return offset_of({static_cast<std::size_t>(index)...});
  }

  detail::storage<T, S::size, Storage> storage_;
};

}  // namespace nerve
