// nerve/layers/embedding.hpp: Embedding<vocabulary, dim[, PaddingIdx<id>]>, PyTorch's nn.Embedding:
// a sequence of token ids in, one learned vector per token out, (steps) -> (steps, dim).
//
// The network's input is of its element type, so ids arrive as values (0, 1, 2, ... exactly
// representable: float holds every integer below 2^24). An id that is not an integer in
// [0, vocabulary) (a wrong corpus, an id past the vocabulary) looks up nothing in a forward pass
// (noexcept): its vector is zero and it gets no gradient, so no pass reads outside the table. The
// trainer's fit() and evaluate() check every id of their data first and throw, as PyTorch does.
// The table is PyTorch's `weight`, (num_embeddings, embedding_dim), row per token, unpacked.
#pragma once

#include <algorithm>  // std::copy_n, std::fill_n
#include <cstddef>    // std::size_t
#include <string>

#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/layers/token_id.hpp"       // nerve::detail::token_row
#include "nerve/layers/weight_and_bias.hpp"  // nerve::weight_and_bias_arrays
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape

namespace nerve {

// PyTorch's padding_idx: the table row of id Index (negative: counted from the end, Index +
// vocabulary) starts at zero and never gets a gradient, so padding contributes a vector that
// training does not move. Embedding<vocabulary, dim, PaddingIdx<0>>.
template <long Index>
struct PaddingIdx {
  static constexpr long index = Index;
};

namespace detail {
template <class O>
inline constexpr bool is_padding_idx = false;
template <long I>
inline constexpr bool is_padding_idx<PaddingIdx<I>> = true;
template <class O>
inline constexpr long padding_idx_of = 0;
template <long I>
inline constexpr long padding_idx_of<PaddingIdx<I>> = I;
}  // namespace detail

template <long Vocabulary, long Dim, class... Options>
struct Embedding : layer {
  static constexpr std::size_t vocabulary = Vocabulary > 0 ? static_cast<std::size_t>(Vocabulary) : 0;
  static constexpr std::size_t dim = Dim > 0 ? static_cast<std::size_t>(Dim) : 0;
  static constexpr std::size_t token_vocabulary = vocabulary;  // inputs are ids (token_id.hpp)

  static constexpr bool valid_options =
      (detail::is_padding_idx<Options> && ...) && sizeof...(Options) <= 1;
  static constexpr bool padded = sizeof...(Options) == 1 && valid_options;
  static constexpr long padding_idx = (0 + ... + detail::padding_idx_of<Options>);
  static constexpr bool padding_in_table =
      !padded || (padding_idx >= -Vocabulary && padding_idx < Vocabulary);
  // The table row of the padding id, -1 without one.
  static constexpr long padding_row = !padded || !padding_in_table ? -1
                                      : padding_idx < 0           ? padding_idx + Vocabulary
                                                                  : padding_idx;

  static constexpr bool valid_parameters =
      Vocabulary > 0 && Dim > 0 && valid_options && padding_in_table;
  template <class At>
  struct rejects_parameters {
    static_assert(Vocabulary > 0, "Embedding<vocabulary, dim> needs a vocabulary of at least 1 token");
    static_assert(Dim > 0, "Embedding<vocabulary, dim> needs a dimension of at least 1");
    static_assert(valid_options,
                  "Embedding's one option is PaddingIdx<id>, at most once: "
                  "Embedding<vocabulary, dim, PaddingIdx<0>>");
    static_assert(!valid_options || padding_in_table,
                  "PaddingIdx<id> must be an id of the table: 0 to vocabulary - 1, or -vocabulary "
                  "to -1 counted from the end (as PyTorch's padding_idx)");
  };

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1;
  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got>,
                  "Embedding takes a sequence of token ids, a rank-1 input: Input<steps> (one id "
                  "per step), and gives (steps, dim)");
  };

  template <AnyShape In>
  using output_shape = Shape<In::size, dim>;

  static std::string name() {
    return "Embedding<" + std::to_string(Vocabulary) + ", " + std::to_string(Dim) +
           (padded ? ", PaddingIdx<" + std::to_string(padding_idx) + ">" : "") + ">";
  }

  // The same table whatever the sequence length (step() shares it).
  template <class T, AnyShape In>
  using parameters = weight_and_bias_arrays<T, Shape<vocabulary, dim>, Shape<0>, false>;

  template <AnyShape In>
  static constexpr std::size_t forward_flops = 0;  // a copy
  template <AnyShape In>
  static constexpr std::size_t backward_flops = In::size * dim;

  // N(0, 1), as PyTorch draws an embedding table; the padding row zero, as PyTorch fills it.
  template <class Ctx>
  static void initialize(Ctx& ctx) {
    using T = typename Ctx::value_type;
    T* w = ctx.params.weight.data();
    for (std::size_t i = 0; i < vocabulary * dim; ++i) w[i] = static_cast<T>(ctx.rng.normal());
    if constexpr (padding_row >= 0)
      std::fill_n(w + static_cast<std::size_t>(padding_row) * dim, dim, T(0));
  }

  template <class Ctx>
  static void forward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    const T* w = ctx.params.weight.data();
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      for (std::size_t t = 0; t < In::size; ++t) {
        T* to = ctx.y + b * ctx.ldy + t * dim;
        const long r = detail::token_row(ctx.x[b * ctx.ldx + t], vocabulary);
        if (r >= 0) std::copy_n(w + static_cast<std::size_t>(r) * dim, dim, to);
        else std::fill_n(to, dim, T(0));
      }
    }
  }

  // dW[id] = sum of dy over the steps that read row id, but for the padding id's row, which stays
  // zero; ids have no gradient (dx = 0).
  template <class Ctx>
  static void backward(Ctx& ctx) {
    using In = typename Ctx::in_shape;
    using T = typename Ctx::value_type;
    T* dw = ctx.grads.weight.data();
    std::fill_n(dw, vocabulary * dim, T(0));
    for (std::size_t b = 0; b < Ctx::batch; ++b) {
      for (std::size_t t = 0; t < In::size; ++t) {
        const long r = detail::token_row(ctx.x[b * ctx.ldx + t], vocabulary);
        if (r < 0 || r == padding_row) continue;  // not an id; the padding id (no gradient)
        const T* dy = ctx.dy + b * ctx.ldy + t * dim;
        T* g = dw + static_cast<std::size_t>(r) * dim;
        for (std::size_t j = 0; j < dim; ++j) g[j] += dy[j];
      }
      if (ctx.dx != nullptr) std::fill_n(ctx.dx + b * ctx.ld_dx, In::size, T(0));
    }
  }
};

}  // namespace nerve
