// nerve/tensor/storage.hpp: where a tensor's elements live, apart from what shape they have.
//
// concept Storage<T, N> { T* data(); const T* data() const; }
//   Heap   : owning, one 64-byte aligned allocation at construction, none after (the default;
//            large parameter tensors must not live on the stack).
//   Inline : owning, the elements are a member, 64-byte aligned (static or stack storage).
//   View   : borrowing a pointer owned by someone else; copying a view copies the pointer.
#pragma once

#include <algorithm>  // std::copy_n, std::fill_n
#include <cstddef>    // std::size_t
#include <new>        // std::align_val_t

#include "nerve/config.hpp"  // nerve::alignment

namespace nerve {

struct Heap {};
struct Inline {};
struct View {};

namespace detail {

template <class T, std::size_t N, class Policy>
class storage;

template <class T, std::size_t N>
class storage<T, N, Heap> {
 public:
  storage() : data_(allocate()) { std::fill_n(data_, N, T{}); }
  storage(const storage& other) : data_(allocate()) { std::copy_n(other.data_, N, data_); }
  storage(storage&& other) noexcept : data_(other.data_) { other.data_ = nullptr; }
  storage& operator=(const storage& other) {
    if (this != &other) std::copy_n(other.data_, N, data_);
    return *this;
  }
  storage& operator=(storage&& other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  ~storage() {
    if (data_) ::operator delete(data_, std::align_val_t{alignment});
  }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }

 private:
  static T* allocate() {
    return static_cast<T*>(::operator new(sizeof(T) * (N ? N : 1), std::align_val_t{alignment}));
  }
  T* data_;
};

template <class T, std::size_t N>
class storage<T, N, Inline> {
 public:
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }

 private:
  alignas(alignment) T data_[N ? N : 1]{};
};

template <class T, std::size_t N>
class storage<T, N, View> {
 public:
  storage() = default;
  explicit storage(T* data) noexcept : data_(data) {}
  T* data() const noexcept { return data_; }

 private:
  T* data_ = nullptr;
};

}  // namespace detail
}  // namespace nerve
