// nerve/layers/torch_array.hpp: a layer's arrays as PyTorch holds them. Some layers store an
// array in a layout made for their kernels (Dense's weight is packed transposed and padded); a
// torch_array says, for one array, PyTorch's name and shape and where each of PyTorch's elements
// lives in nerve's storage, so that nobody moving weights between nerve and PyTorch touches the
// packed layout.
//
// A parameters (or state) struct gives its arrays this way with
//   template <class F> void for_each_torch(F&& f);   // f(torch_array<T>) per array, state_dict order
// and, where it does not, its for_each(name, tensor) arrays are taken as they are (row-major,
// PyTorch's layout already): for_each_torch_array(p, f) below does either.
#pragma once

#include <array>
#include <cstddef>  // std::size_t
#include <string>
#include <type_traits>  // std::remove_cvref_t

namespace nerve {

template <class T>
struct torch_array {
  static constexpr std::size_t max_rank = 4;
  const char* name = "";                 // PyTorch's name within its module: "weight", "bias_ih_l0"
  std::array<std::size_t, max_rank> shape{};  // PyTorch's shape: rank entries
  std::size_t rank = 0;                  // 0: a scalar (num_batches_tracked)
  T* data = nullptr;                     // nerve's storage
  // 0: PyTorch's row-major order is nerve's. Otherwise a (rows, cols) matrix stored transposed
  // with this leading dimension: element (m, k) is data[k * transposed_ld + m].
  std::size_t transposed_ld = 0;
  // PyTorch holds it as int64 (num_batches_tracked): checkpoints write it so.
  bool integer = false;

  std::size_t size() const noexcept {
    std::size_t n = 1;
    for (std::size_t d = 0; d < rank; ++d) n *= shape[d];
    return n;
  }
  // PyTorch's element i (row-major over shape).
  T& at(std::size_t i) const noexcept {
    if (transposed_ld == 0) return data[i];
    const std::size_t cols = shape[1];
    return data[(i % cols) * transposed_ld + i / cols];
  }
  // "(4, 3)", "()" for a scalar.
  std::string shape_text() const {
    std::string out = "(";
    for (std::size_t d = 0; d < rank; ++d) out += (d ? ", " : "") + std::to_string(shape[d]);
    return out + (rank == 1 ? ",)" : ")");
  }
};

// A tensor seen as it is: its own shape, row-major.
template <class Tensor>
auto torch_view_of(const char* name, Tensor& t) noexcept {
  using S = typename std::remove_cvref_t<Tensor>::shape_type;
  static_assert(S::rank <= torch_array<int>::max_rank, "torch_array: at most rank 4");
  torch_array<std::remove_reference_t<decltype(*t.data())>> a;
  a.name = name;
  a.rank = S::rank;
  for (std::size_t d = 0; d < S::rank; ++d) a.shape[d] = S::dims[d];
  a.data = t.data();
  return a;
}

// A (rows, cols) PyTorch matrix stored transposed, rows padded to ld (Dense's packed weight).
template <class Tensor>
auto torch_transposed_view_of(const char* name, Tensor& t, std::size_t rows, std::size_t cols,
                              std::size_t ld) noexcept {
  torch_array<std::remove_reference_t<decltype(*t.data())>> a;
  a.name = name;
  a.rank = 2;
  a.shape = {rows, cols, 0, 0};
  a.data = t.data();
  a.transposed_ld = ld;
  return a;
}

// The first n elements of a (padded) vector.
template <class Tensor>
auto torch_prefix_view_of(const char* name, Tensor& t, std::size_t n) noexcept {
  torch_array<std::remove_reference_t<decltype(*t.data())>> a;
  a.name = name;
  a.rank = 1;
  a.shape = {n, 0, 0, 0};
  a.data = t.data();
  return a;
}

// f(torch_array) for every array of p (a layer's parameters or state), in state_dict order.
template <class P, class F>
void for_each_torch_array(P& p, F&& f) {
  if constexpr (requires { p.for_each_torch(f); }) {
    p.for_each_torch(f);
  } else {
    p.for_each([&](const char* name, auto& t) { f(torch_view_of(name, t)); });
  }
}

}  // namespace nerve
