// nerve/layers/recurrent.hpp: Recurrent<Cell, H, options...>, a recurrent layer over a sequence
// (steps, features), for any cell written as an expression: SimpleRNN, LSTM and GRU are three
// cells of a few lines each (layers/simple_rnn.hpp, lstm.hpp, gru.hpp), and a user's cell is a
// fourth (examples/user_layers/).
//
// Every step is two products and one pointwise pass, as PyTorch computes them:
//   a = W_ih x_t + b_ih       (all steps at once: one GEMM over batch * steps rows)
//   r = W_hh h_{t-1} + b_hh   (per step: a GEMM over the batch)
//   states_t = Cell::step(a, r, states_{t-1})   (eval/pointwise.hpp: one SIMD pass)
// with the G gate blocks of a and r stacked as PyTorch stacks them (LSTM i, f, g, o; GRU r, z, n),
// so weight_ih (G*H, I), weight_hh (G*H, H), bias_ih and bias_hh are PyTorch's arrays. Keeping the
// two products apart is what GRU needs (its reset gate multiplies r_n, bias included) and costs
// an LSTM nothing.
//
// Backward through time is derived: the pointwise pass's backward is vjp of Cell::step
// (autodiff/vjp.hpp), reading the states and the cell's costly terms (an LSTM's gate
// activations and tanh(c)) that the forward pass kept, and the products only where a gradient
// reads them beyond those terms (a GRU's r_n); only the products' adjoints are hand-made (the
// dense kernels): dh_{t-1} += dr W_hh per step, then dW_hh, db_hh over all steps in one GEMM, and
// dW_ih, db_ih, dx in another.
//
// The state at the end of a pass is the layer's carried state (layers/layer.hpp): a pass may start
// from it (stateful stepping, truncated BPTT) or from zero. Gradients do not flow into a carried
// initial state: that is truncated BPTT.
//
// concept Cell {
//   static constexpr const char* name;           // "LSTM"
//   static constexpr std::size_t gates;          // G: blocks of H rows in weight_ih and weight_hh
//   static constexpr auto step;                  // functions(...) of cell_symbols<G> (below): the
//                                                // new states, in the order they are kept
//   static constexpr std::size_t hidden;         // which output of step is h (what the layer
//                                                // outputs and the hidden product reads)
//   static constexpr std::size_t flops_per_unit; // of step, per hidden unit (for FLOP counts)
// }
#pragma once

#include <algorithm>  // std::copy_n, std::fill_n
#include <array>
#include <cstddef>    // std::size_t
#include <string>
#include <tuple>      // std::tie
#include <type_traits>
#include <utility>    // std::index_sequence

#include "nerve/config.hpp"                // xsimd
#include "nerve/eval/pointwise.hpp"        // nerve::expr::pointwise
#include "nerve/expr/build.hpp"            // the builders cells are written with
#include "nerve/expr/functions.hpp"        // nerve::expr::functions
#include "nerve/expr/node.hpp"             // nerve::expr::variable
#include "nerve/init/initializer.hpp"      // nerve::TorchDefault
#include "nerve/kernels/dense_backward.hpp"  // nerve::kernels::dense_backward_into
#include "nerve/kernels/epilogue.hpp"      // nerve::kernels::Identity, PassGradient
#include "nerve/kernels/gemm.hpp"          // nerve::kernels::dense_forward_batch
#include "nerve/kernels/gemv.hpp"          // nerve::kernels::dense_forward
#include "nerve/kernels/gradient_sink.hpp"  // nerve::kernels::write_gradient
#include "nerve/kernels/layout.hpp"        // nerve::kernels::padded
#include "nerve/kernels/simd.hpp"          // nerve::kernels::copy_values
#include "nerve/kernels/transpose.hpp"     // nerve::kernels::transpose_weights
#include "nerve/layers/layer.hpp"          // nerve::layer
#include "nerve/layers/token_id.hpp"       // nerve::detail::token_row
#include "nerve/layers/torch_array.hpp"    // nerve::torch_transposed_view_of
#include "nerve/meta/dependent_false.hpp"  // nerve::meta::dependent_false
#include "nerve/shape/shape.hpp"           // nerve::Shape
#include "nerve/tensor/tensor.hpp"         // nerve::Tensor

namespace nerve {

// What a recurrent layer outputs: every step's h (PyTorch's `output`, the default) or only the
// last step's (`output[:, -1]`, for a classifier).
struct EverySteps {};
struct LastStep {};

// What it reads: rows of features (the default), or token ids that stand for one-hot rows of
// Vocabulary features, PyTorch's `lstm(F.one_hot(ids, Vocabulary).float())`. With OneHot the
// layer takes Input<steps> of ids and its input product W_ih x + b_ih is the id's row of W_ih
// plus b_ih: a gather, whose weight gradient is a scatter-add, instead of a product over
// Vocabulary zeros. The parameters are those of the one-hot layer (weight_ih is (G*H, Vocabulary)),
// so they carry over to and from PyTorch unchanged. An id that is not an integer in
// [0, Vocabulary) stands for a row of zeros, as in Embedding.
template <long Vocabulary>
struct OneHot {
  static constexpr long vocabulary = Vocabulary;
};

// The symbols a cell's step is written in, for a cell of G gates and S kept states:
//   input<k>   gate block k of W_ih x_t + b_ih
//   hidden<k>  gate block k of W_hh h_{t-1} + b_hh
//   state<s>   state s at the previous step (h_{t-1} is state<Cell::hidden>)
template <std::size_t G>
struct cell_symbols {
  template <std::size_t k>
  static constexpr auto input = expr::variable<k>;
  template <std::size_t k>
  static constexpr auto hidden = expr::variable<G + k>;
  template <std::size_t s>
  static constexpr auto state = expr::variable<2 * G + s>;
};

namespace detail {
template <class O>
inline constexpr bool is_sequence_option = std::is_same_v<O, EverySteps> || std::is_same_v<O, LastStep>;
template <class O>
inline constexpr long one_hot_vocabulary = 0;  // not a OneHot option
template <long V>
inline constexpr long one_hot_vocabulary<OneHot<V>> = V;
template <class O>
inline constexpr bool is_one_hot_option = false;
template <long V>
inline constexpr bool is_one_hot_option<OneHot<V>> = true;
}  // namespace detail

template <class Cell, long Hidden, class... Options>
struct Recurrent : layer {
  static constexpr std::size_t H = Hidden > 0 ? static_cast<std::size_t>(Hidden) : 0;
  static constexpr std::size_t G = Cell::gates;
  static constexpr std::size_t NS = std::remove_cvref_t<decltype(Cell::step)>::size;  // states
  static constexpr std::size_t NV = 2 * G + NS;  // variables of the step
  static constexpr bool last_step_only = (std::is_same_v<Options, LastStep> || ...);
  static constexpr bool one_hot = (detail::is_one_hot_option<Options> || ...);
  static constexpr long vocabulary = (0 + ... + detail::one_hot_vocabulary<Options>);
  // With OneHot its inputs are token ids (layers/token_id.hpp), which the trainer checks.
  static constexpr std::size_t token_vocabulary =
      one_hot && vocabulary > 0 ? static_cast<std::size_t>(vocabulary) : 0;
  using step_function = expr::pointwise<Cell::step, NV>;
  // A cell that reads each input product only in its sum with the hidden product (LSTM,
  // SimpleRNN; not GRU, whose reset gate multiplies r_n alone) gives both products the same
  // gradient: one expression (eval/pointwise.hpp finds it), and with OneHot one array, the hidden
  // product's (t, b) rows, which the scatter-add reads as well. Dense input rows are (b, t), so
  // a product over them keeps its own copy.
  static constexpr bool products_share_gradient = [] {
    bool same = true;
    [&]<std::size_t... k>(std::index_sequence<k...>) {
      ((same = same && step_function::template same_gradient_as<G + k> == k), ...);
    }(std::make_index_sequence<G>{});
    return same;
  }();
  static constexpr bool one_product_gradient = one_hot && products_share_gradient;

  static constexpr bool valid_options =
      ((detail::is_sequence_option<Options> || detail::is_one_hot_option<Options>) && ...) &&
      (0 + ... + int{detail::is_sequence_option<Options>}) <= 1 &&
      (0 + ... + int{detail::is_one_hot_option<Options>}) <= 1;
  static constexpr bool valid_parameters = Hidden > 0 && valid_options && (!one_hot || vocabulary > 0);
  template <class At>
  struct rejects_parameters {
    static_assert(Hidden > 0, "a recurrent layer needs a hidden size of at least 1, e.g. LSTM<128>");
    static_assert(valid_options,
                  "the options of a recurrent layer are what it outputs, EverySteps (the default: "
                  "the whole sequence of h) or LastStep (only the last step's h), and what it "
                  "reads, OneHot<vocabulary> for token ids; at most one of each, e.g. "
                  "LSTM<64, LastStep> or LSTM<128, OneHot<64>>");
    static_assert(!valid_options || !one_hot || vocabulary > 0,
                  "OneHot<vocabulary> needs a vocabulary of at least 1 token, e.g. LSTM<128, OneHot<64>>");
  };

  template <AnyShape In>
  static constexpr bool accepts = In::rank == (one_hot ? 1 : 2);
  template <class Got, class At>
  struct rejects_input {
    static_assert(meta::dependent_false<Got> || one_hot,
                  "a recurrent layer (SimpleRNN, LSTM, GRU) takes a sequence, a rank-2 input "
                  "(steps, features): e.g. Input<32, 8>, Input<32, 1> for one value per step, or "
                  "Embedding<vocabulary, dim> after Input<steps> of token ids");
    static_assert(meta::dependent_false<Got> || !one_hot,
                  "a recurrent layer with OneHot<vocabulary> takes a sequence of token ids, a "
                  "rank-1 input: Input<steps> (one id per step)");
  };

  template <AnyShape In>
  static constexpr std::size_t steps = In::dims[0];
  // Features of a step: the one-hot width, or the input's second axis.
  template <AnyShape In>
  static constexpr std::size_t features = [] {
    if constexpr (one_hot) return static_cast<std::size_t>(vocabulary);
    else return In::dims[1];
  }();

  template <AnyShape In>
  using output_shape = std::conditional_t<last_step_only, Shape<H>, Shape<steps<In>, H>>;

  static std::string name() {
    return std::string(Cell::name) + "<" + std::to_string(Hidden) +
           (one_hot ? ", OneHot<" + std::to_string(vocabulary) + ">" : "") +
           (last_step_only ? ", LastStep" : "") + ">";
  }

  // PyTorch's four arrays, stored packed for the kernels as Dense stores its weight
  // (kernels/layout.hpp): weight_ih(k, m) = W_ih[m][k], m < G*H in PyTorch's gate order.
  // w_ih(m, k) and w_hh(m, k) read and write them in PyTorch's orientation.
  template <class T, std::size_t I>
  struct parameters_of {
    static constexpr std::size_t gate_rows = G * H;
    static constexpr std::size_t padded_rows = kernels::padded<G * H, T>;
    Tensor<T, Shape<I, padded_rows>> weight_ih;
    Tensor<T, Shape<H, padded_rows>> weight_hh;
    Tensor<T, Shape<padded_rows>> bias_ih;
    Tensor<T, Shape<padded_rows>> bias_hh;

    T& w_ih(std::size_t m, std::size_t k) noexcept { return weight_ih(k, m); }
    const T& w_ih(std::size_t m, std::size_t k) const noexcept { return weight_ih(k, m); }
    T& w_hh(std::size_t m, std::size_t k) noexcept { return weight_hh(k, m); }
    const T& w_hh(std::size_t m, std::size_t k) const noexcept { return weight_hh(k, m); }

    auto arrays() noexcept { return std::tie(weight_ih, weight_hh, bias_ih, bias_hh); }
    auto arrays() const noexcept { return std::tie(weight_ih, weight_hh, bias_ih, bias_hh); }
    template <class F>
    void for_each(F&& f) { named_arrays(*this, f); }
    template <class F>
    void for_each(F&& f) const { named_arrays(*this, f); }
    template <class Self, class F>
    static void named_arrays(Self& self, F& f) {
      f("weight_ih_l0", self.weight_ih), f("weight_hh_l0", self.weight_hh);
      f("bias_ih_l0", self.bias_ih), f("bias_hh_l0", self.bias_hh);
    }
    // PyTorch's (G*H, I), (G*H, H), (G*H), (G*H) arrays, read through the packing.
    template <class F>
    void for_each_torch(F&& f) { torch_arrays(*this, f); }
    template <class F>
    void for_each_torch(F&& f) const { torch_arrays(*this, f); }
    template <class Self, class F>
    static void torch_arrays(Self& self, F& f) {
      f(torch_transposed_view_of("weight_ih_l0", self.weight_ih, gate_rows, I, padded_rows));
      f(torch_transposed_view_of("weight_hh_l0", self.weight_hh, gate_rows, H, padded_rows));
      f(torch_prefix_view_of("bias_ih_l0", self.bias_ih, gate_rows));
      f(torch_prefix_view_of("bias_hh_l0", self.bias_hh, gate_rows));
    }
  };
  // Parameters depend on the features only, not on the steps: the one-step network of step()
  // shares them with the sequence network.
  template <class T, AnyShape In>
  using parameters = parameters_of<T, features<In>>;

  template <AnyShape In>
  static constexpr std::size_t parameter_count = G * H * (features<In> + H + 2);

  // ---- memory -------------------------------------------------------------------------------
  // Per pass: the input products of every step, (b, t) rows; the hidden products, (t, b) rows;
  // the states, state s at step t (0: the initial state) for row b; in training, the cell's
  // terms, (t, b) rows of the terms' blocks of H. Training keeps the states and terms for
  // backward, and each product only if the backward pass reads it (the others are forward
  // scratch); inference has products and states in scratch. Backward's scratch: the gradients of
  // both products for every step, two sets of state gradients, one row block for dh, dz of the
  // closing GEMMs, and the repacked input and its gradient (sequence rows one stride apart).
  template <class T>
  static constexpr std::size_t GHp = kernels::padded<G * H, T>;
  template <class T>
  static constexpr std::size_t Hp = kernels::padded<H, T>;

  // Whether the backward pass, from the kept terms, reads any gate block of the products whose
  // first variable is `first` (0: the input products, G: the hidden ones).
  template <std::size_t first>
  static constexpr bool reads_products = []<std::size_t... k>(std::index_sequence<k...>) {
    return (step_function::template backward_reads<first + k> || ...);
  }(std::make_index_sequence<G>{});
  // OneHot, with a cell that reads each input product only in its sum with the hidden product
  // and, from the kept terms, never in its backward pass (LSTM, SimpleRNN): a step reads its
  // id's row of W_ih where it is, and b_ih joins b_hh in the hidden product's bias, instead of a
  // copy of W_ih[id] + b_ih for every (b, t) (W6: 1 MB written and read back; its step 4% faster).
  static constexpr bool rows_in_place = one_product_gradient && !reads_products<0>;

  template <class T, AnyShape In, std::size_t B>
  struct plan {
    static constexpr std::size_t S = steps<In>, I = features<In>, N = In::size;
    static constexpr bool repacked = !one_hot && kernels::padded<N, T> != N;  // ids: read in place
    // rows_in_place: b_ih + b_hh, then a row of zeros (the input product of an id outside the
    // vocabulary), instead of the products.
    static constexpr std::size_t input_products = rows_in_place ? 2 * GHp<T> : B * S * GHp<T>;
    static constexpr std::size_t hidden_products = S * B * GHp<T>;
    static constexpr std::size_t states = NS * (S + 1) * B * Hp<T>;
    static constexpr std::size_t term_row = kernels::padded<step_function::terms * H, T>;
    static constexpr std::size_t terms = S * B * term_row;
    static constexpr bool keeps_input_products = reads_products<0>;
    static constexpr bool keeps_hidden_products = reads_products<G>;
    static constexpr std::size_t kept_input_products = keeps_input_products ? input_products : 0;
    static constexpr std::size_t kept_hidden_products = keeps_hidden_products ? hidden_products : 0;
    static constexpr std::size_t kept = kept_input_products + kept_hidden_products + states + terms;
    static constexpr std::size_t packed_input = repacked ? kernels::padded<B * N, T> : 0;
    // Training's forward scratch: the input, repacked, and the products not kept.
    static constexpr std::size_t forward_scratch = packed_input + input_products - kept_input_products +
                                                   hidden_products - kept_hidden_products;
    // Inference's: products, states and the repacked input.
    static constexpr std::size_t inference_scratch =
        input_products + hidden_products + states + packed_input;
    // W_hh in PyTorch's orientation, (G*H) rows of padded H: dh = dr W_hh as a forward GEMM.
    // Once the steps are done, the same rows hold W_ih transposed where the input gradient is
    // taken from it (kernels::input_gradient_transposes), so they are as wide as either needs.
    static constexpr std::size_t input_weight_columns =
        !one_hot && kernels::input_gradient_transposes<B * S, G * H, I, T>
            ? kernels::padded<I, T>
            : 0;
    static constexpr std::size_t hidden_weight_rows =
        G * H * (Hp<T> > input_weight_columns ? Hp<T> : input_weight_columns);
    // The input products' gradients: their own rows, or (one_product_gradient) the hidden's.
    static constexpr std::size_t input_gradients = one_product_gradient ? 0 : input_products;
    static constexpr std::size_t backward_scratch =
        input_gradients + hidden_products + 2 * NS * B * Hp<T> + B * Hp<T> + B * S * GHp<T> +
        2 * packed_input + hidden_weight_rows;
    static constexpr std::size_t carried = NS * B * Hp<T>;
  };

  template <class T, AnyShape In, std::size_t B, mode M>
  static constexpr workspace_request workspace{
      .kept = M == mode::training ? plan<T, In, B>::kept : 0,
      .scratch = M == mode::training
                     ? std::max(plan<T, In, B>::backward_scratch, plan<T, In, B>::forward_scratch)
                     : plan<T, In, B>::inference_scratch,
      .carried = plan<T, In, B>::carried};

  // The input product: a GEMM over the features, or with OneHot a gathered row (no product).
  template <AnyShape In>
  static constexpr std::size_t input_product_flops = one_hot ? 0 : 2 * G * H * features<In>;
  template <AnyShape In>
  static constexpr std::size_t forward_flops =
      steps<In> * (input_product_flops<In> + 2 * G * H * H + 2 * G * H + Cell::flops_per_unit * H);
  template <AnyShape In>  // dW_ih, dx, dW_hh, dh: four products (OneHot: a scatter-add); the step's derivative
  static constexpr std::size_t backward_flops =
      steps<In> * ((one_hot ? G * H : 2 * input_product_flops<In>) + 4 * G * H * H + 2 * G * H +
                   2 * Cell::flops_per_unit * H);

  // PyTorch's initialisation: every weight and bias uniform in +-1/sqrt(H).
  template <class Ctx>
  static void initialize(Ctx& ctx) {
    using T = typename Ctx::value_type;
    constexpr std::size_t I = features<typename Ctx::in_shape>;
    auto& p = ctx.params;
    const auto draw = [&] { return static_cast<T>(TorchDefault::draw(ctx.rng, H, H)); };
    for (std::size_t m = 0; m < G * H; ++m)
      for (std::size_t k = 0; k < I; ++k) p.w_ih(m, k) = draw();
    for (std::size_t m = 0; m < G * H; ++m)
      for (std::size_t k = 0; k < H; ++k) p.w_hh(m, k) = draw();
    for (std::size_t m = 0; m < G * H; ++m) p.bias_ih(m) = draw();
    for (std::size_t m = 0; m < G * H; ++m) p.bias_hh(m) = draw();
  }

 private:
  // Where a pass's products, states and terms are. Inference: products, states, then the
  // repacked input, in scratch, no terms. Training: the kept products, states and terms in kept
  // memory; the repacked input and the products not kept in scratch (forward only: backward sees
  // them null). An inference pass with a carried state reads the first states from the carry
  // and writes the last ones there (with one step, in place: a cell's outputs depend on the same
  // lanes of its inputs only): step() then copies nothing in or out, and the new h is one store
  // away from the next step's product instead of three.
  template <class T, AnyShape In, std::size_t B>
  struct pass_memory {
    using P = plan<T, In, B>;
    T* input_products = nullptr;   // row (b, t): B * S rows of GHp
    T* hidden_products = nullptr;  // row (t, b)
    T* states = nullptr;           // state(s, t) is B rows of Hp
    T* terms = nullptr;            // training: row (t, b) of term_row, term j at j * H
    T* carry = nullptr;            // nullptr, or the carried states (s: B rows of Hp) as t = 0 and t = S
    T* packed = nullptr;           // the repacked input
    static pass_memory inference(T* scratch, T* carried) {
      pass_memory m;
      m.input_products = scratch;
      m.hidden_products = scratch + P::input_products;
      m.states = m.hidden_products + P::hidden_products;
      m.packed = m.states + P::states;
      m.carry = carried;
      return m;
    }
    // scratch is null in backward.
    static pass_memory training(T* kept, T* scratch) {
      pass_memory m;
      T* at = kept;
      if constexpr (P::keeps_input_products) m.input_products = at, at += P::input_products;
      if constexpr (P::keeps_hidden_products) m.hidden_products = at, at += P::hidden_products;
      m.states = at;
      m.terms = at + P::states;
      if (scratch != nullptr) {
        m.packed = scratch;
        at = scratch + P::packed_input;
        if constexpr (!P::keeps_input_products) m.input_products = at, at += P::input_products;
        if constexpr (!P::keeps_hidden_products) m.hidden_products = at;
      }
      return m;
    }
    T* state(std::size_t s, std::size_t t) const noexcept {
      if (carry != nullptr && (t == 0 || t == P::S)) return carry + s * B * Hp<T>;
      return states + (s * (P::S + 1) + t) * B * Hp<T>;
    }
    template <class U = T>  // T or const T
    std::array<U*, step_function::terms> terms_of(std::size_t t, std::size_t b) const noexcept {
      std::array<U*, step_function::terms> at{};
      for (std::size_t j = 0; j < step_function::terms; ++j)
        at[j] = terms + (t * B + b) * P::term_row + j * H;
      return at;
    }
  };

  // The input rows as one stride-I block of B * S rows (copied when the network pads a sample).
  template <class T, AnyShape In, std::size_t B>
  static const T* sequence_rows(const T* x, std::size_t ldx, T* packed) {
    using P = plan<T, In, B>;
    if constexpr (!P::repacked) {
      return x;
    } else {
      for (std::size_t b = 0; b < B; ++b) std::copy_n(x + b * ldx, P::N, packed + b * P::N);
      return packed;
    }
  }

  // The V pointers of a step's variables for row b: input products, hidden products, states.
  // With rows_in_place the forward pass gives the input row (`row`).
  template <class T, AnyShape In, std::size_t B>
  static std::array<const T*, NV> step_variables(const pass_memory<T, In, B>& m, std::size_t t,
                                                 std::size_t b, const T* row = nullptr) {
    using P = plan<T, In, B>;
    std::array<const T*, NV> v{};  // null where the products are not there (backward)
    for (std::size_t k = 0; k < G; ++k) {
      if (row != nullptr) v[k] = row + k * H;
      else if (m.input_products != nullptr && !rows_in_place)
        v[k] = m.input_products + (b * P::S + t) * GHp<T> + k * H;
      if (m.hidden_products != nullptr) v[G + k] = m.hidden_products + (t * B + b) * GHp<T> + k * H;
    }
    for (std::size_t s = 0; s < NS; ++s) v[2 * G + s] = m.state(s, t) + b * Hp<T>;
    return v;
  }

  // OneHot: the input product of row (b, t) is W_ih's row for its id plus b_ih (weight_ih is
  // stored (features, padded G*H), so the row is contiguous); an id outside the vocabulary adds
  // nothing. Pads stay zero: both arrays keep their pads zero.
  template <class T, AnyShape In, std::size_t B, class Params>
  static void gather_input_products(const T* ids, std::size_t ld, const Params& p, T* a) {
    using P = plan<T, In, B>;
    using V = xsimd::batch<T>;
    constexpr std::size_t L = V::size, n = GHp<T>;
    static_assert(n % L == 0);
    const T* bias = p.bias_ih.data();
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t t = 0; t < P::S; ++t) {
        T* to = a + (b * P::S + t) * n;
        const long r = detail::token_row(ids[b * ld + t], static_cast<std::size_t>(vocabulary));
        if (r < 0) {
          std::copy_n(bias, n, to);
          continue;
        }
        const T* w = p.weight_ih.data() + static_cast<std::size_t>(r) * n;
        for (std::size_t j = 0; j < n; j += L)
          (V::load_unaligned(w + j) + V::load_unaligned(bias + j)).store_unaligned(to + j);
      }
    }
  }
  // Its adjoint: dW_ih[id] += da of every row that read id (zero elsewhere), db_ih = sum da.
  // Row (b, t) of da is at da + (b * per_sample + t * per_step) * GHp.
  template <class T, AnyShape In, std::size_t B, class Grads>
  static void scatter_input_gradients(const T* ids, std::size_t ld, const T* da,
                                      std::size_t per_sample, std::size_t per_step, Grads& grads) {
    using P = plan<T, In, B>;
    using V = xsimd::batch<T>;
    constexpr std::size_t L = V::size, n = GHp<T>;
    T* dw = grads.weight_ih.data();
    T* db = grads.bias_ih.data();
    std::fill_n(dw, static_cast<std::size_t>(vocabulary) * n, T(0));
    std::fill_n(db, n, T(0));
    for (std::size_t b = 0; b < B; ++b) {
      for (std::size_t t = 0; t < P::S; ++t) {
        const T* d = da + (b * per_sample + t * per_step) * n;
        const long r = detail::token_row(ids[b * ld + t], static_cast<std::size_t>(vocabulary));
        T* g = r < 0 ? nullptr : dw + static_cast<std::size_t>(r) * n;
        for (std::size_t j = 0; j < n; j += L) {
          const V dv = V::load_unaligned(d + j);
          (V::load_unaligned(db + j) + dv).store_unaligned(db + j);
          if (g != nullptr) (V::load_unaligned(g + j) + dv).store_unaligned(g + j);
        }
      }
    }
  }
  // dh = dr W_hh for one step's B rows, with W_hh laid out in PyTorch's orientation (w_rows).
  // Out of line: inlined into backward's loop over the steps, the GEMM's accumulators were
  // spilled to the stack by g++ 12 (W6's step 5% slower).
  template <class T, std::size_t B>
  [[gnu::noinline]] static void hidden_state_gradient(const T* dr, const T* w_rows, T* dh) noexcept {
    kernels::dense_forward_batch<B, H, G * H, T>(dr, GHp<T>, w_rows, nullptr, nullptr, dh);
  }

 public:
  template <class Ctx>
  static void forward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    using In = typename Ctx::in_shape;
    constexpr std::size_t B = Ctx::batch;
    using P = plan<T, In, B>;
    constexpr std::size_t S = P::S, I = P::I;
    const auto& p = ctx.params;
    const bool training = ctx.kept != nullptr;
    const bool in_carry = !training && ctx.carry != nullptr;
    const auto m = training ? pass_memory<T, In, B>::training(ctx.kept, ctx.scratch)
                            : pass_memory<T, In, B>::inference(ctx.scratch, in_carry ? ctx.carry : nullptr);

    // All input products at once: gathered rows of W_ih (OneHot), or one product; rows_in_place:
    // the hidden product's bias and the zero row.
    const T* hidden_bias = p.bias_hh.data();
    if constexpr (rows_in_place) {
      T* bias_sum = m.input_products;
      for (std::size_t j = 0; j < GHp<T>; ++j) bias_sum[j] = p.bias_ih.data()[j] + p.bias_hh.data()[j];
      std::fill_n(bias_sum + GHp<T>, GHp<T>, T(0));
      hidden_bias = bias_sum;
    } else if constexpr (one_hot) {
      gather_input_products<T, In, B>(ctx.x, ctx.ldx, p, m.input_products);
    } else {
      const T* X = sequence_rows<T, In, B>(ctx.x, ctx.ldx, m.packed);
      if constexpr (B * S == 1) {  // one step of one stream: step()
        kernels::dense_forward<G * H, I, T>(X, p.weight_ih.data(), p.bias_ih.data(), nullptr,
                                            m.input_products);
      } else {
        kernels::dense_forward_batch<B * S, G * H, I, T>(X, I, p.weight_ih.data(),
                                                         p.bias_ih.data(), nullptr, m.input_products);
      }
    }
    // The initial state: carried from the last pass, or zero.
    for (std::size_t s = 0; s < NS; ++s) {
      T* to = m.state(s, 0);
      if (!(ctx.resume && ctx.carry != nullptr)) std::fill_n(to, B * Hp<T>, T(0));
      else if (!in_carry) kernels::copy_values<B * Hp<T>>(ctx.carry + s * B * Hp<T>, to);
    }
    for (std::size_t t = 0; t < S; ++t) {
      const T* h = m.state(Cell::hidden, t);
      T* r = m.hidden_products + t * B * GHp<T>;
      if constexpr (B == 1 && G > 1 && H % kernels::lanes<T> == 0 && GHp<T> / kernels::lanes<T> <= 16) {
        // The last gate's product apart, after the others: theirs are complete a quarter of the
        // product earlier (an LSTM's i, f, g), so the cell's work on them overlaps the last's
        // (W5h32 3% faster). Only up to 16 registers of products (an LSTM of hidden 64 with
        // AVX-512): at hidden 128, split 24 + 8, it ran 40% slower than the kernel's own 16 + 16.
        constexpr std::size_t first = (G - 1) * H;
        kernels::dense_forward<first, H, T, xsimd::default_arch, kernels::Identity, GHp<T>>(
            h, p.weight_hh.data(), hidden_bias, nullptr, r);
        kernels::dense_forward<H, H, T, xsimd::default_arch, kernels::Identity, GHp<T>>(
            h, p.weight_hh.data() + first, hidden_bias + first, nullptr, r + first);
      } else if constexpr (B == 1) {
        kernels::dense_forward<G * H, H, T>(h, p.weight_hh.data(), hidden_bias, nullptr, r);
      } else {
        kernels::dense_forward_batch<B, G * H, H, T>(h, Hp<T>, p.weight_hh.data(), hidden_bias,
                                                     nullptr, r);
      }
      for (std::size_t b = 0; b < B; ++b) {
        std::array<T*, NS> out{};
        for (std::size_t s = 0; s < NS; ++s) out[s] = m.state(s, t + 1) + b * Hp<T>;
        const T* row = nullptr;  // rows_in_place: the id's row of W_ih, or zeros
        if constexpr (rows_in_place) {
          const long id = detail::token_row(ctx.x[b * ctx.ldx + t], static_cast<std::size_t>(vocabulary));
          row = id < 0 ? m.input_products + GHp<T> : p.weight_ih.data() + static_cast<std::size_t>(id) * GHp<T>;
        }
        const auto v = step_variables<T, In, B>(m, t, b, row);
        if (training) step_function::template forward_keeping<H, T>(v, {}, out, m.terms_of(t, b));
        else step_function::template forward<H, T>(v, {}, out);
        if constexpr (!last_step_only) kernels::copy_values<H>(out[Cell::hidden], ctx.y + b * ctx.ldy + t * H);
      }
    }
    for (std::size_t b = 0; b < B; ++b) {
      if constexpr (last_step_only) kernels::copy_values<H>(m.state(Cell::hidden, S) + b * Hp<T>, ctx.y + b * ctx.ldy);
    }
    if (ctx.carry != nullptr && !in_carry) {
      for (std::size_t s = 0; s < NS; ++s) kernels::copy_values<B * Hp<T>>(m.state(s, S), ctx.carry + s * B * Hp<T>);
    }
  }

  template <class Ctx>
  static void backward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    using In = typename Ctx::in_shape;
    constexpr std::size_t B = Ctx::batch;
    using P = plan<T, In, B>;
    constexpr std::size_t S = P::S, I = P::I;
    using Arch = xsimd::default_arch;
    const auto& p = ctx.params;
    const auto m = pass_memory<T, In, B>::training(const_cast<T*>(ctx.kept), nullptr);  // read only

    // Scratch: gradients of the input products (b, t) and hidden products (t, b), two sets of
    // state gradients, dh from the hidden product, dz of the closing GEMMs, packed x and dx.
    T* d_input = ctx.scratch;  // unused when one_product_gradient
    T* d_hidden = d_input + P::input_gradients;
    T* d_states[2] = {d_hidden + P::hidden_products, d_hidden + P::hidden_products + NS * B * Hp<T>};
    T* dh = d_states[1] + NS * B * Hp<T>;
    T* dz = dh + B * Hp<T>;
    T* packed = dz + B * S * GHp<T>;
    T* packed_dx = packed + P::packed_input;
    T* w_rows = packed_dx + P::packed_input;
    // dh = dr W_hh every step is the forward kernel's product with W_hh untransposed: lay it
    // out once (row m, padded<H>, pads zero), so the per-step product runs register-blocked.
    kernels::transpose_weights<G * H, H>(p.weight_hh.data(), w_rows);

    // Padding columns of the product gradients stay zero (the kernels read whole registers).
    if constexpr (GHp<T> != G * H)
      for (std::size_t row = 0; row < (P::input_gradients + P::hidden_products) / GHp<T>; ++row)
        std::fill(d_input + row * GHp<T> + G * H, d_input + (row + 1) * GHp<T>, T(0));
    std::fill_n(d_states[0], NS * B * Hp<T>, T(0));
    int now = 0;  // d_states[now]: dL/d(states at step t + 1)
    for (std::size_t t = S; t-- > 0;) {
      T* d_next = d_states[now];
      T* d_prev = d_states[now ^ 1];
      for (std::size_t b = 0; b < B; ++b) {
        // The output's gradient joins h's.
        T* dh_b = d_next + Cell::hidden * B * Hp<T> + b * Hp<T>;
        if constexpr (last_step_only) {
          if (t + 1 == S) for (std::size_t j = 0; j < H; ++j) dh_b[j] += ctx.dy[b * ctx.ldy + j];
        } else {
          for (std::size_t j = 0; j < H; ++j) dh_b[j] += ctx.dy[b * ctx.ldy + t * H + j];
        }
        std::array<const T*, NS> y{}, dy{};
        std::array<T*, NV> dv{};
        for (std::size_t s = 0; s < NS; ++s) {
          y[s] = m.state(s, t + 1) + b * Hp<T>;
          dy[s] = d_next + s * B * Hp<T> + b * Hp<T>;
          dv[2 * G + s] = d_prev + s * B * Hp<T> + b * Hp<T>;
        }
        T* da = d_input + (b * S + t) * GHp<T>;
        T* dr = d_hidden + (t * B + b) * GHp<T>;
        for (std::size_t k = 0; k < G; ++k)
          dv[k] = one_product_gradient ? nullptr : da + k * H, dv[G + k] = dr + k * H;
        step_function::template backward<H, T>(step_variables<T, In, B>(m, t, b), {}, y, dy,
                                               m.template terms_of<const T>(t, b), dv);
      }
      // h_{t-1} also fed the hidden product: dh += dr W_hh.
      if (t > 0) {
        hidden_state_gradient<T, B>(d_hidden + t * B * GHp<T>, w_rows, dh);
        T* dh_prev = d_prev + Cell::hidden * B * Hp<T>;
        for (std::size_t b = 0; b < B; ++b)
          for (std::size_t j = 0; j < H; ++j) dh_prev[b * Hp<T> + j] += dh[b * Hp<T> + j];
      }
      now ^= 1;
    }

    // dW_hh = sum_t dr_t^T h_{t-1}, db_hh = sum dr, over all (t, b) rows in one GEMM.
    const kernels::PassGradient pass;
    kernels::dense_backward_into<S * B, G * H, H, T, Arch>(
        m.state(Cell::hidden, 0), Hp<T>, p.weight_hh.data(), d_hidden, d_hidden, nullptr, pass, dz,
        kernels::write_gradient<T>{ctx.grads.weight_hh.data()},
        kernels::write_gradient<T>{ctx.grads.bias_hh.data()}, nullptr, 0);
    if constexpr (one_hot) {
      if constexpr (one_product_gradient)  // the hidden product's rows, (t, b)
        scatter_input_gradients<T, In, B>(ctx.x, ctx.ldx, d_hidden, 1, B, ctx.grads);
      else
        scatter_input_gradients<T, In, B>(ctx.x, ctx.ldx, d_input, S, 1, ctx.grads);
      if (ctx.dx != nullptr)  // ids have no gradient
        for (std::size_t b = 0; b < B; ++b) std::fill_n(ctx.dx + b * ctx.ld_dx, P::N, T(0));
      return;
    }
    // dW_ih = sum da^T x, db_ih = sum da, dx = da W_ih, over all (b, t) rows.
    const T* X = sequence_rows<T, In, B>(ctx.x, ctx.ldx, packed);
    T* dX = ctx.dx == nullptr ? nullptr : P::repacked ? packed_dx : ctx.dx;
    kernels::dense_backward_into<B * S, G * H, I, T, Arch>(
        X, I, p.weight_ih.data(), d_input, d_input, nullptr, pass, dz,
        kernels::write_gradient<T>{ctx.grads.weight_ih.data()},
        kernels::write_gradient<T>{ctx.grads.bias_ih.data()}, dX, I, w_rows);
    if constexpr (P::repacked) {
      if (ctx.dx != nullptr)
        for (std::size_t b = 0; b < B; ++b) std::copy_n(packed_dx + b * P::N, P::N, ctx.dx + b * ctx.ld_dx);
    }
  }
};

}  // namespace nerve
