// nerve/network/network.hpp: BasicNetwork<T, Input<...>, Layers...>, a network as a type.
//
// Everything about it is known to the compiler: the shape after every layer, the parameter
// count, the fusion plan, the buffers; and, when the list is not a network, one error that says
// why (network/check.hpp). An object of it holds the parameters and the two inference buffers:
// net(x) allocates nothing.
#pragma once

#include <algorithm> // std::copy_n, std::fill
#include <cstddef>   // std::size_t
#include <iostream>  // std::cout
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>   // std::index_sequence_for

#include "nerve/build_check.hpp"         // nerve::warn_about_build_once
#include "nerve/init/random.hpp"         // nerve::Seed, nerve::Random
#include "nerve/layers/activation.hpp"   // nerve::ActivationLayer
#include "nerve/layers/input.hpp"        // nerve::Input
#include "nerve/layers/layer.hpp"        // nerve::Layer
#include "nerve/meta/type_list.hpp"      // nerve::meta::type_list, at
#include "nerve/network/check.hpp"       // nerve::detail::network_is_valid
#include "nerve/network/context.hpp"     // nerve::init_context
#include "nerve/network/cost.hpp"        // nerve::detail::flops_of
#include "nerve/network/execute.hpp"     // nerve::detail::network_pass
#include "nerve/network/explain.hpp"     // nerve::detail::write_explain
#include "nerve/network/summary.hpp"     // nerve::detail::write_summary
#include "nerve/network/types.hpp"       // nerve::detail::network_types
#include "nerve/shape/shape.hpp"         // nerve::Shape
#include "nerve/tensor/tensor.hpp"       // nerve::Tensor, TensorView

namespace nerve {

template <class T, class... Entries>
class BasicNetwork;

// The network type users write: float parameters and activations.
template <class... Entries>
using Network = BasicNetwork<float, Entries...>;

namespace detail {
template <class T, class Shapes, class... Entries>
struct parameter_total;
template <class T, class Shapes, class Input, class... Ls>
struct parameter_total<T, Shapes, Input, Ls...> {
  template <std::size_t... I>
  static constexpr std::size_t sum(std::index_sequence<I...>) {
    return (std::size_t{0} + ... + parameter_count_of<Ls, T, meta::at<I, Shapes>>());
  }
  static constexpr std::size_t value = sum(std::index_sequence_for<Ls...>{});
};

// Values in every array of a tuple of parameter (or state) structs.
template <class Tuple>
struct tuple_array_total;
template <class... P>
struct tuple_array_total<std::tuple<P...>> {
  static constexpr std::size_t value = (std::size_t{0} + ... + array_total<P>);
};

// Does the last entry turn logits into probabilities (Softmax)? Then logits() gives its input.
template <class Entries>
constexpr bool ends_in_probabilities() {
  if constexpr (Entries::size > 2) {
    using L = meta::at<Entries::size - 1, Entries>;
    if constexpr (requires { L::turns_logits_into_probabilities; }) {
      return L::turns_logits_into_probabilities;
    } else {
      return false;
    }
  } else {
    return false;
  }
}

// The input of one step of a sequence network: Input<steps, features> -> Input<1, features>,
// Input<steps> (token ids) -> Input<1>.
template <class In>
struct one_step_input {
  using type = void;
};
template <long S, long... Rest>
struct one_step_input<Input<S, Rest...>> {
  using type = Input<1, Rest...>;
};
// An image is not a sequence and cannot step (can_step): its step types are its own, rather than
// those of a 1-channel image, which a layer may refuse (Conv2D with Groups<2>).
template <long C, long H, long W>
struct one_step_input<Input<C, H, W>> {
  using type = Input<C, H, W>;
};

// The facts of the same layers on one step (network.step()). An empty Network<> has no entries
// to step; it gets an invalid network's facts, so that its own message is the only error.
template <class T, bool WellFormed, class... Entries>
struct one_step_types {
  using type = network_types<T, false, void>;
};
template <class T, bool WellFormed, class First, class... Layers>
struct one_step_types<T, WellFormed, First, Layers...> {
  using type = network_types<T, WellFormed, typename one_step_input<First>::type, Layers...>;
};

// Rows of n values, ld apart, to rows n apart (the caller's view has no padding).
template <class T>
void copy_rows(const T* from, std::size_t ld, T* to, std::size_t n, std::size_t rows) {
  for (std::size_t i = 0; i < rows; ++i) std::copy_n(from + i * ld, n, to + i * n);
}
}  // namespace detail


template <class T, class... Entries>
class BasicNetwork
    // The validity check runs right here, in the base-class argument, so that g++ prints one
    // short chain of instantiations above an error and the sentence comes within a few lines.
    : public detail::network_types<T,
                                   detail::network_is_valid<BasicNetwork<T, Entries...>, Entries...>(
                                       std::index_sequence_for<Entries...>{}),
                                   Entries...> {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "nerve networks compute in float or double: use Network<...> (float) or "
                "BasicNetwork<double, ...>");
  using types = typename BasicNetwork::network_types;  // the base above, by its injected name

 public:
  // False only after the compiler has already printed why.
  static constexpr bool well_formed = types::well_formed;

  using typename types::entries;
  using typename types::parameter_tuple;
  using typename types::plan_type;
  using typename types::shapes;
  using typename types::value_type;

  // Number of entries, Input included: entry I has index I in summary() and in errors.
  static constexpr std::size_t depth = well_formed ? sizeof...(Entries) : 1;

  template <std::size_t I>
  using entry = meta::at<I, entries>;
  template <std::size_t I>
  using shape_after_t = typename types::template shape_after_t<I>;
  template <std::size_t I>
  static constexpr shape_after_t<I> shape_after{};

  using input_shape_t = shape_after_t<0>;
  using output_shape_t = shape_after_t<depth - 1>;
  static constexpr input_shape_t input_shape{};
  static constexpr output_shape_t output_shape{};
  using input_type = Tensor<T, input_shape_t>;
  using output_type = Tensor<T, output_shape_t>;

  static constexpr std::size_t parameter_count = [] {
    if constexpr (well_formed) {
      return detail::parameter_total<T, shapes, Entries...>::value;
    } else {
      return std::size_t{0};
    }
  }();

  // The fused loops, as groups of entries: see explain().
  static constexpr std::size_t fusion_group_count = plan_type::group_count;

  using typename types::state_tuple;

  // ---- memory and work, for a batch of B (constexpr: a budget can be a static_assert) --------
  // Bytes of one inference workspace (activations, scratch and the unpadded output rows).
  template <std::size_t B = 1>
  static constexpr std::size_t inference_bytes =
      detail::network_pass<types, B, mode::inference>::bytes + B * output_shape_t::size * sizeof(T);
  // Bytes a training step needs besides the parameters and the optimizer's state: activations
  // kept for the backward pass, each layer's kept memory, gradient rows, scratch, and the
  // parameter gradients.
  template <std::size_t B = 1>
  static constexpr std::size_t training_bytes =
      detail::network_pass<types, B, mode::training>::bytes +
      detail::tuple_array_total<parameter_tuple>::value * sizeof(T);
  // Floating-point operations of one inference pass and of one training step (forward and
  // backward, not the optimizer), as each layer counts them.
  template <std::size_t B = 1>
  static constexpr std::size_t inference_flops = B * detail::flops_of<types>(false);
  template <std::size_t B = 1>
  static constexpr std::size_t training_flops = B * detail::flops_of<types>(true);

  // Parameters drawn from the seed (He before rectifiers, Glorot elsewhere, zero biases); the
  // seed also drives every layer's random stream (dropout masks) in training.
  // A build without optimisation or without this machine's SIMD width says so once, on stderr
  // (nerve/build_check.hpp; NERVE_QUIET=1 or NERVE_NO_BUILD_WARNING silences it).
  explicit BasicNetwork(Seed seed = Seed{0}) {
    warn_about_build_once();
    initialize(seed);
  }

  void initialize(Seed seed) {
    seed_ = seed;
    Random rng(seed);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (initialize_entry<I>(rng), ...);
    }(std::index_sequence_for<Entries...>{});
  }
  Seed seed() const noexcept { return seed_; }

  // ---- inference ----------------------------------------------------------------------------
  // The memory of an inference pass over B rows, owned by the caller: one per thread lets a const
  // network serve many threads at once. Built once (one allocation); a pass allocates nothing.
  template <std::size_t B = 1>
  struct Workspace {
    static constexpr std::size_t batch = B;
    typename detail::network_pass<types, B, mode::inference>::workspace rows;
    Tensor<T, Shape<B * output_shape_t::size>> output;  // the output rows without padding
  };
  using batch_input_t = decltype(concat(Shape<1>{}, input_shape_t{}));

  // Batch-1 inference: the output is a view of an internal buffer, valid until the next call.
  // No allocation, no virtual call, no lock.
  TensorView<const T, output_shape_t> operator()(const T* input) noexcept {
    return (*this)(input, ws_);
  }
  template <class S>
  TensorView<const T, output_shape_t> operator()(const Tensor<T, input_shape_t, S>& x) noexcept {
    return (*this)(x.data());
  }
  template <class S>
  TensorView<const T, output_shape_t> operator()(const Tensor<const T, input_shape_t, S>& x) noexcept {
    return (*this)(x.data());
  }

  // Re-entrant batch-1 inference: const, all memory in the caller's workspace.
  TensorView<const T, output_shape_t> operator()(const T* input, Workspace<1>& ws) const noexcept {
    return TensorView<const T, output_shape_t>(run<1>(input, input_shape_t::size, ws));
  }
  template <class S>
  TensorView<const T, output_shape_t> operator()(const Tensor<T, input_shape_t, S>& x,
                                                 Workspace<1>& ws) const noexcept {
    return (*this)(x.data(), ws);
  }

  // Batched inference: B samples in (a Tensor of shape (B, input dims...)), B rows out, as a view
  // into the workspace with no padding between rows.
  template <std::size_t B, class S>
    requires(B > 1)
  TensorView<const T, decltype(concat(Shape<B>{}, output_shape_t{}))> operator()(
      const Tensor<T, decltype(concat(Shape<B>{}, input_shape_t{})), S>& X,
      Workspace<B>& ws) const noexcept {
    using Out = decltype(concat(Shape<B>{}, output_shape_t{}));
    using P = detail::network_pass<types, B, mode::inference>;
    const T* Y = run<B>(X.data(), input_shape_t::size, ws);
    // The last rows' stride: a view at the end (Flatten, Dropout at inference) keeps its input's.
    detail::copy_rows(Y, ws.rows.ld[P::G], ws.output.data(), output_shape_t::size, B);
    return TensorView<const T, Out>(ws.output.data());
  }

  // ---- stateful stepping ----------------------------------------------------------------------
  // A sequence network run one step at a time, the recurrent layers' state carried from call to
  // call: a real-time loop feeds each new sample (or token) as it arrives. The same parameters
  // (they do not depend on the sequence length); the same layers on Input<1, features>.
  using step_types = typename detail::one_step_types<T, well_formed, Entries...>::type;
  // Can this network step? Its input is a sequence (or ids) and every layer's parameters are the
  // same for one step as for the whole sequence.
  static constexpr bool can_step = [] {
    if constexpr (!well_formed || input_shape_t::rank == 0 || input_shape_t::rank > 2) {
      return false;
    } else {
      return std::is_same_v<typename step_types::parameter_tuple, parameter_tuple> &&
             std::is_same_v<typename step_types::state_tuple, state_tuple>;
    }
  }();
  using step_pass = detail::network_pass<step_types, 1, mode::inference>;
  // depth - 1, not sizeof...(Entries) - 1: an invalid network has one placeholder shape, and
  // indexing past it would add an error of its own under the one that says what is wrong.
  using step_output_shape_t = typename step_types::template shape_after_t<depth - 1>;

  // What one stream of steps owns: the memory of a one-step pass and the carried state. Build it
  // once (one allocation); step() then allocates nothing. One per stream (or per thread).
  struct StepState {
    typename step_pass::workspace rows;
    StepState() { reset(); }
    // Back to the zero state, as at the start of a sequence.
    void reset() noexcept { rows.reset(); }
    // The state entry I carries to the next step, in the layer's layout (a recurrent layer: its
    // cell's states in order, each padded<H> values: an LSTM's c, then h); empty if it has none.
    template <std::size_t I>
    std::span<const T> carried() const noexcept {
      constexpr std::size_t g = [] {
        for (std::size_t k = 0; k < step_pass::G; ++k)
          if (step_pass::groups[k].head == I) return k;
        return step_pass::G;
      }();
      if constexpr (g == step_pass::G) {
        return {};
      } else {
        constexpr std::size_t n = detail::aligned_elements<T>(step_pass::template request<g>.carried);
        return std::span<const T>(rows.at(step_pass::offsets.carry[g]), n);
      }
    }
  };

  // One step: x holds one step's input (features values, or one token id), the output is one
  // step's output (a view into s, valid until the next call). Starts from the state s carries and
  // leaves the new one there. Equal to the whole-sequence forward pass, step by step.
  TensorView<const T, step_output_shape_t> step(const T* x, StepState& s) const noexcept
    requires(can_step)
  {
    const T* y = step_pass::forward(params_, state_, x, step_types::template shape_after_t<0>::size,
                                    s.rows, {seed_, 0, 0});
    s.rows.resume = true;
    return TensorView<const T, step_output_shape_t>(y);
  }
  // A network that cannot step: one sentence (it returns what the right call returns, so that
  // the sentence is the first error).
  template <class X>
  TensorView<const T, step_output_shape_t> step(const X&, StepState&) const noexcept
    requires(!can_step)
  {
    static_assert(meta::dependent_false<X>,
                  "step() runs a sequence network one step at a time: its input must be a sequence "
                  "(Input<steps, features>, or Input<steps> of token ids) and no layer's parameters "
                  "may depend on the number of steps (no Flatten before a Dense)");
    return TensorView<const T, step_output_shape_t>(nullptr);
  }

  // The input of a final Softmax (the logits), for one sample: what CrossEntropy reads, and what
  // a caller wants for calibration or a temperature.
  auto logits(const T* input) noexcept
    requires(detail::ends_in_probabilities<entries>())
  {
    using P = detail::network_pass<types, 1, mode::inference>;
    run<1>(input, input_shape_t::size, ws_);
    return TensorView<const T, shape_after_t<depth - 2>>(P::last_input(ws_.rows));
  }
  template <class S>
  auto logits(const Tensor<T, input_shape_t, S>& x) noexcept
    requires(detail::ends_in_probabilities<entries>())
  {
    return logits(x.data());
  }

  // ---- gradients with respect to the input ---------------------------------------------------
  // The memory of a differentiated inference pass over B rows: activations kept for the backward
  // pass, the parameter gradients it produces on the way, and the input gradient rows.
  template <std::size_t B = 1>
  struct GradientWorkspace {
    static constexpr std::size_t batch = B;
    typename detail::network_pass<types, B, mode::inference, true>::workspace rows;
    parameter_tuple parameter_gradients;
    Tensor<T, Shape<B * input_shape_t::size>> input_gradient;  // without padding
  };

  // dL/dx for B samples X (rows of the input) given dL/dy (B rows of the output, no padding), at
  // inference behaviour (no dropout): saliency maps, adversarial examples, chaining networks.
  // ws.parameter_gradients receives dL/dparameters as well.
  template <std::size_t B>
  TensorView<const T, decltype(concat(Shape<B>{}, input_shape_t{}))> input_gradient(
      const T* X, const T* dY, GradientWorkspace<B>& ws) const noexcept {
    using P = detail::network_pass<types, B, mode::inference, true>;
    P::forward(params_, state_, X, input_shape_t::size, ws.rows, {seed_, 0, 0});
    T* dy = P::grad_buffer(ws.rows);
    for (std::size_t i = 0; i < B; ++i) {
      std::copy_n(dY + i * output_shape_t::size, output_shape_t::size, dy + i * P::ld_output);
      std::fill(dy + i * P::ld_output + output_shape_t::size, dy + (i + 1) * P::ld_output, T(0));
    }
    P::template backward<detail::loss_fusion::none>(params_, ws.parameter_gradients, state_,
                                                    ws.rows, {seed_, 0, 0},
                                                    ws.input_gradient.data(), input_shape_t::size);
    return TensorView<const T, decltype(concat(Shape<B>{}, input_shape_t{}))>(
        ws.input_gradient.data());
  }
  template <class S>
  TensorView<const T, batch_input_t> input_gradient(const Tensor<T, input_shape_t, S>& x,
                                                    const Tensor<T, output_shape_t>& dy,
                                                    GradientWorkspace<1>& ws) const noexcept {
    return input_gradient<1>(x.data(), dy.data(), ws);
  }

  // A call with something that is not this network's input: one sentence naming both.
  // (It returns what the right call returns, so that the sentence is the first error.)
  template <class X>
    requires(!std::is_convertible_v<const X&, const T*>)
  TensorView<const T, output_shape_t> operator()(const X&) {
    (void)diagnostics::wrong_network_input<got<X>, expected<input_type>>{};
    return TensorView<const T, output_shape_t>(nullptr);
  }

  // The trainable arrays of entry I (layers without any have none).
  template <std::size_t I>
  auto& parameters() noexcept { return std::get<I>(params_); }
  template <std::size_t I>
  const auto& parameters() const noexcept { return std::get<I>(params_); }
  parameter_tuple& parameter_arrays() noexcept { return params_; }
  const parameter_tuple& parameter_arrays() const noexcept { return params_; }

  // The non-trainable arrays of entry I (running statistics; layers without any have none).
  template <std::size_t I>
  auto& state() noexcept { return std::get<I>(state_); }
  template <std::size_t I>
  const auto& state() const noexcept { return std::get<I>(state_); }
  state_tuple& state_arrays() noexcept { return state_; }
  const state_tuple& state_arrays() const noexcept { return state_; }

  // f(entry index, array name, tensor) for every non-trainable array, in a fixed order.
  template <class F>
  void for_each_state(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (std::get<I>(state_).for_each([&](const char* name, auto& t) { f(I, name, t); }), ...);
    }(std::index_sequence_for<Entries...>{});
  }

  // f(entry index, array name, tensor) for every trainable array, in a fixed order.
  template <class F>
  void for_each_parameter(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (std::get<I>(params_).for_each([&](const char* name, auto& t) { f(I, name, t); }), ...);
    }(std::index_sequence_for<Entries...>{});
  }
  template <class F>
  void for_each_parameter(F&& f) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (std::get<I>(params_).for_each([&](const char* name, const auto& t) { f(I, name, t); }), ...);
    }(std::index_sequence_for<Entries...>{});
  }

  // Prints the table: index, layer, output shape, parameters, and the totals.
  static void summary(std::ostream& os = std::cout) { detail::write_summary<BasicNetwork>(os); }
  static std::string summary_string() {
    std::ostringstream os;
    summary(os);
    return os.str();
  }
  // Prints the fusion plan: which entries became one loop, what each keeps, the buffers.
  static void explain(std::ostream& os = std::cout) { detail::write_explain<BasicNetwork>(os); }
  static std::string explain_string() {
    std::ostringstream os;
    explain(os);
    return os.str();
  }

 private:
  template <std::size_t B, class W>
  const T* run(const T* X, std::size_t ldx, W& ws) const noexcept {
    using P = detail::network_pass<types, B, mode::inference>;
    return P::forward(params_, state_, X, ldx, ws.rows, {seed_, 0, 0});
  }

  template <std::size_t I>
  void initialize_entry(Random& rng) {
    if constexpr (I > 0 && well_formed) {
      using L = entry<I>;
      using In = shape_after_t<I - 1>;
      constexpr bool before_rectifier = [] {
        if constexpr (I + 1 < sizeof...(Entries)) {
          using Next = entry<I + 1>;
          if constexpr (ActivationLayer<Next>) return Next::rectifier;
          else return false;
        } else {
          return false;
        }
      }();
      using Params = std::tuple_element_t<I, parameter_tuple>;
      using State = std::tuple_element_t<I, state_tuple>;
      init_context<T, In, shape_after_t<I>, Params, State> ctx{
          std::get<I>(params_), std::get<I>(state_), rng, before_rectifier};
      if constexpr (requires { L::initialize(ctx); }) L::initialize(ctx);
    }
  }

  Seed seed_{};
  parameter_tuple params_;
  state_tuple state_;
  Workspace<1> ws_;
};

}  // namespace nerve
