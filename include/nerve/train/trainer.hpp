// nerve/train/trainer.hpp: Trainer<Net, Loss, Optimizer, Batch<B>>, training a network in
// mini-batches of a size fixed at compile time.
//
// One step is: forward through the fused groups keeping what the backward pass needs, the loss
// and its gradient (fused with a final Softmax or Sigmoid where it can be), then one of two
// update paths, chosen at compile time:
//   write-then-update: the backward pass writes every parameter gradient (not adding to it), then
//     one optimizer update per parameter array reads it back;
//   fused (small batches, element-wise optimizers: SGD, Adam, AdamW): the backward kernels of
//     layers that use gradient sinks (Dense) apply the optimizer's step to their parameters as
//     each gradient tile is produced, in registers, with no gradient array written or read; the
//     other layers write gradients and are updated after the backward pass, as above.
// At batch 1 the step is bound by memory traffic, which the fused path halves; at large batches
// it is bound by the gradient products, and the write-then-update path is as fast (measured:
// docs/benchmarks.md). All buffers are allocated when the trainer is built; a step allocates
// nothing (SGD's momentum buffer appears at the first step, as PyTorch's does).
#pragma once

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t
#include <algorithm>  // std::copy_n, std::fill_n
#include <chrono>
#include <cmath>  // std::sqrt
#include <cstring>  // std::memcpy
#include <filesystem>
#include <functional>
#include <iostream>
#include <numeric>  // std::iota
#include <optional>
#include <stdexcept>
#include <string>
#include <array>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>  // std::index_sequence
#include <vector>

#include "nerve/init/random.hpp"         // nerve::Random, Seed
#include "nerve/layers/token_id.hpp"     // nerve::detail::token_vocabulary_of, token_row
#include "nerve/loss/loss.hpp"           // nerve::loss_input, loss_fusion
#include "nerve/train/csv_log.hpp"       // nerve::CsvLog
#include "nerve/train/dataset.hpp"       // nerve::TrainingData, LabelledData, RegressionData, DataView
#include "nerve/train/finite_check.hpp"  // nerve::non_finite_error, detail::finite_check
#include "nerve/train/metrics.hpp"       // nerve::EpochSummary, RunningMean, Accuracy, argmax
#include "nerve/train/progress.hpp"      // nerve::Progress
#include "nerve/network/context.hpp"     // nerve::uses_gradient_sinks, write_sinks
#include "nerve/network/execute.hpp"     // nerve::detail::network_pass
#include "nerve/optim/optimizer.hpp"     // nerve::Optimizer, ElementwiseOptimizer
#include "nerve/shape/shape.hpp"         // nerve::Shape
#include "nerve/tensor/tensor.hpp"       // nerve::Tensor

namespace nerve {

// The mini-batch size, a compile-time constant: Trainer<Net, CrossEntropy, Adam, Batch<64>>.
template <std::size_t N>
struct Batch {
  static_assert(N > 0, "Batch<N> needs N >= 1");
  static constexpr std::size_t size = N;
};

// The largest batch for which Trainer::step applies an element-wise optimizer's step inside the
// backward kernels (the fused path) rather than writing the gradients and updating afterwards.
// Measured with the W3 workload (784-128-10, SGD), docs/benchmarks.md.
inline constexpr std::size_t fused_update_max_batch = 32;

// How many passes over the training set fit() makes.
struct Epochs {
  std::size_t count = 1;
};

// What fit() does besides training.
struct FitOptions {
  Seed shuffle_seed{0};                          // the order of samples in each epoch
  ProgressOptions progress{};                    // bar on a terminal, one line per epoch otherwise
  std::ostream* out = &std::cout;                // where progress goes
  std::optional<std::filesystem::path> csv{};    // per-epoch loss and accuracy, when set
  std::function<void(const EpochSummary&)> on_epoch{};  // called after each epoch
};

// The loss and accuracy of a network on a data set.
struct Evaluation {
  double loss = 0;
  double accuracy = 0;        // a fraction in [0, 1]; 0 when has_accuracy is false
  std::size_t samples = 0;
  bool has_accuracy = false;  // the data has class labels (not regression targets)
};

namespace detail {

// Optimizer state for each trainable array of one entry's parameters.
template <class Opt, class T, class Arrays>
struct state_tuple_of;
template <class Opt, class T, class... A>
struct state_tuple_of<Opt, T, std::tuple<A&...>> {
  using type = std::tuple<typename Opt::template state<T, std::remove_cvref_t<A>::size>...>;
};
template <class Opt, class T, class Params>
using state_tuple_t =
    typename state_tuple_of<Opt, T, decltype(std::declval<Params&>().arrays())>::type;

template <class Opt, class T, class Tuple>
struct optimizer_states;
template <class Opt, class T, class... P>
struct optimizer_states<Opt, T, std::tuple<P...>> {
  using type = std::tuple<state_tuple_t<Opt, T, P>...>;
};

}  // namespace detail

template <class Net, class Loss, class Opt, class BatchSize>
class Trainer {
 public:
  using value_type = typename Net::value_type;
  using T = value_type;
  static constexpr std::size_t batch = BatchSize::size;
  using in_shape = typename Net::input_shape_t;
  using out_shape = typename Net::output_shape_t;
  static constexpr std::size_t inputs = in_shape::size;
  static constexpr std::size_t outputs = out_shape::size;
  using target_type = typename Loss::template target_of<T>;
  static constexpr std::size_t targets_per_sample = Loss::template targets_per_sample<out_shape>;
  // Classifications per sample: one per step of a sequence model's output (class-index targets,
  // CrossEntropy), else one; and the outputs each is made from.
  static constexpr std::size_t positions =
      std::is_same_v<target_type, std::uint32_t> ? targets_per_sample : 1;
  static constexpr std::size_t outputs_per_target = outputs / positions;

 private:
  static_assert(Net::well_formed, "Trainer needs a well-formed network");
  static_assert(Optimizer<Opt>, "the third argument of Trainer must be an optimizer: SGD, Adam, AdamW");
  using pass = detail::network_pass<Net, batch, mode::training>;
  // Evaluation runs at inference behaviour (no dropout, running statistics) but keeps what a
  // fused loss reads (the pre-activation of a final Dense + Sigmoid).
  using evaluation_pass = detail::network_pass<Net, batch, mode::inference, true>;
  using last_entry = typename Net::template entry<Net::depth - 1>;
  static constexpr auto last_group = pass::groups[pass::G - 1];
  // The last group is a contraction with exactly one activation after it (Dense + Sigmoid): a
  // loss may differentiate that activation itself, from the kept pre-activation.
  static constexpr bool contraction_then_one_activation =
      last_group.kind == fusion_role::contraction && last_group.head + 1 == last_group.last;
  static constexpr loss_fusion fusion =
      Loss::template fusion<last_entry, contraction_then_one_activation>;
  static constexpr bool output_ok = Loss::template accepts_output<last_entry>;
  static constexpr std::size_t ld_out = pass::template ld_out<pass::G - 1>;
  static constexpr std::size_t ld_in = kernels::padded<inputs, T>;
  static constexpr std::size_t entry_count = std::tuple_size_v<typename Net::parameter_tuple>;
  // Entry I's layer hands its gradients to sinks (a fused step updates it in its backward kernel).
  template <std::size_t I>
  static constexpr bool updates_in_backward = uses_gradient_sinks<typename Net::template entry<I>>;

 public:
  // The optimizer's step can run inside the backward kernels (fused_step); step() does so for
  // batches up to fused_update_max_batch.
  static constexpr bool can_fuse_update = ElementwiseOptimizer<Opt>;
  static constexpr bool fuses_update = can_fuse_update && batch <= fused_update_max_batch;

  explicit Trainer(Net& net, Opt optimizer = {}) : net_(net), optimizer_(optimizer) {
    // A loss that cannot read this network's output (BinaryCrossEntropy without a final
    // sigmoid) stops compilation here, with the loss's own sentence.
    if constexpr (!output_ok) (void)typename Loss::template rejects_output<last_entry>{};
    optimizer_.validate();
  }

  Net& network() noexcept { return net_; }
  Opt& optimizer() noexcept { return optimizer_; }
  // Parameter gradients of the last compute_gradients() or write-then-update step (mean over its
  // batch), laid out like the parameters. A fused step does not store the gradients of the layers
  // it updates in their backward kernels.
  const typename Net::parameter_tuple& gradients() const noexcept { return grads_; }

  // Forward, loss and backward for one batch; gradients() holds the result. No update.
  // X: batch rows of the input, ldx apart; targets: targets_per_sample values per sample.
  T compute_gradients(const T* X, std::size_t ldx, const target_type* targets) {
    // No zeroing pass: each layer's backward writes its gradients (layers/layer.hpp).
    const T loss = batch_loss(X, ldx, targets, nullptr);
    pass::template backward<fusion>(net_.parameter_arrays(), grads_, net_.state_arrays(), ws_,
                                       source());
    return loss;
  }
  T compute_gradients(const T* X, const target_type* targets) {
    return compute_gradients(X, inputs, targets);
  }

  // One optimizer update from gradients(); the next step draws new random numbers.
  void apply_gradients() {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (update_entry<I>(), ...);
    }(std::make_index_sequence<std::tuple_size_v<typename Net::parameter_tuple>>{});
    ++steps_;
  }

  // One training step on one mini-batch; returns its mean loss. Fused when fuses_update (and no
  // clipping: the global norm needs every gradient before the first update).
  T step(const T* X, std::size_t ldx, const target_type* targets) {
    if constexpr (fuses_update) {
      if (clip_norm_ <= 0) return fused_step(X, ldx, targets);
      return (this->*clipped_step_)(X, ldx, targets);  // set by clip_gradients
    } else {
      return separate_step(X, ldx, targets);
    }
  }

  // Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_: when the norm of all
  // gradients together exceeds max_norm, every gradient is scaled by max_norm / (norm + 1e-6)
  // before the update. 0 (the default) turns it off.
  void clip_gradients(double max_norm) {
    if (!(max_norm >= 0)) {
      throw std::invalid_argument("Trainer::clip_gradients: max_norm must be 0 (off) or positive, not " +
                                  std::to_string(max_norm));
    }
    clip_norm_ = max_norm;
    // Reached through a pointer, so that a fused trainer's program compiles the write-then-update
    // path (its own backward kernels) only when it clips (compile time, issue 7).
    clipped_step_ = static_cast<step_function>(&Trainer::separate_step);
  }
  // The global gradient norm, before clipping, of the last step that clipped (measured only when
  // clipping is on: it is one more pass over every gradient).
  double last_gradient_norm() const noexcept { return gradient_norm_; }

  // NaN and infinity detection: on, every step (step, separate_step, fused_step) is followed by
  // a scan of what it made (train/finite_check.hpp) and throws non_finite_error naming the first
  // entry whose input, output, loss, gradient or updated parameter is not finite, and the step.
  // Off (the default) it costs one test of a bool per step and no pass over anything.
  void check_finite(bool on) noexcept {
    check_finite_ = on;
    // The scans are reached through pointers set here: compiled only in programs that check.
    if (on) {
      separate_checks_ = {&Trainer::scan_pass<false>, &Trainer::throw_if_non_finite<false>};
      if constexpr (can_fuse_update)
        fused_checks_ = {&Trainer::scan_pass<true>, &Trainer::throw_if_non_finite<true>};
    }
  }
  bool checks_finite() const noexcept { return check_finite_; }

  // Truncated backpropagation through time: with carry_state(true), each step's recurrent layers
  // start from the state the previous step ended in (row b of a batch continues stream b), so a
  // long stream is trained window by window with its context kept; gradients stop at the window's
  // start. Off (the default), every step starts from zero. reset_state() starts all streams anew.
  void carry_state(bool on) noexcept {
    carry_ = on;
    if (!on) ws_.reset();
  }
  void reset_state() noexcept { ws_.reset(); }
  static constexpr bool stateful = pass::stateful;
  T step(const T* X, const target_type* targets) { return step(X, inputs, targets); }

  // The two paths of step(), whatever the batch (tests compare them): gradients written, then
  // apply_gradients(); or the optimizer's step applied in the backward kernels.
  T separate_step(const T* X, std::size_t ldx, const target_type* targets) {
    const T loss = compute_gradients(X, ldx, targets);
    // Checked before clipping, which spreads one NaN gradient to every array (as PyTorch's does).
    std::optional<NonFinite> found;
    if (check_finite_) found = (this->*separate_checks_.scan)(X, ldx, loss);
    clip();
    apply_gradients();
    if (check_finite_) (this->*separate_checks_.report)(std::move(found));
    return loss;
  }
  T separate_step(const T* X, const target_type* targets) {
    return separate_step(X, inputs, targets);
  }
  T fused_step(const T* X, std::size_t ldx, const target_type* targets)
    requires can_fuse_update
  {
    const T loss = batch_loss(X, ldx, targets, nullptr);
    optimizer_.visit([&](auto kind) {
      update_sinks<decltype(kind)> provider{*this, kind};
      pass::template backward<fusion>(net_.parameter_arrays(), grads_, net_.state_arrays(), ws_,
                                      source(), provider);
    });
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ([&] {
        if constexpr (!updates_in_backward<I>) update_entry<I>();
      }(), ...);
    }(std::make_index_sequence<entry_count>{});
    ++steps_;
    if (check_finite_) (this->*fused_checks_.report)((this->*fused_checks_.scan)(X, ldx, loss));
    return loss;
  }
  T fused_step(const T* X, const target_type* targets)
    requires can_fuse_update
  {
    return fused_step(X, inputs, targets);
  }

  // Forward only, for a batch, in training mode (dropout on, batch statistics): the outputs,
  // ld_output() apart, valid until the next call.
  const T* forward(const T* X, std::size_t ldx) {
    const T* Y = pass::forward(net_.parameter_arrays(), net_.state_arrays(), X, ldx, ws_, source());
    ws_.resume = carry_;  // the next pass starts where this one ended, or from zero
    return Y;
  }
  // Training steps taken: with the network's seed, what each layer's random stream depends on.
  std::uint64_t steps() const noexcept { return steps_; }
  // The optimizer's state of entry I's arrays (a tuple per entry, one state per array in
  // arrays() order), and the step count: what a checkpoint saves to resume training exactly.
  auto& optimizer_states() noexcept { return states_; }
  const auto& optimizer_states() const noexcept { return states_; }
  void restore_steps(std::uint64_t steps) noexcept { steps_ = steps; }
  static constexpr std::size_t ld_output() noexcept { return ld_out; }

  // Trains for `epochs` passes over `data` in shuffled mini-batches of `batch` (the last partial
  // batch of an epoch is left out; it is another one in the next shuffle), evaluating on
  // `validation` after each epoch when given. Returns one summary per epoch.
  // data: LabelledData, RegressionData, DataView, or any TrainingData (train/dataset.hpp).
  template <TrainingData D>
  std::vector<EpochSummary> fit(const D& data, Epochs epochs, const FitOptions& options = {},
                                const D* validation = nullptr) {
    if (carry_) {
      throw std::logic_error("Trainer::fit: carry_state(true) needs the streams' windows in order, "
                             "and fit() shuffles samples: call step() window by window (or turn "
                             "carry_state off)");
    }
    const data_source train = source_of(data, "fit");
    if (validation == nullptr) return run_fit(train, nullptr, epochs, options);
    const data_source checked = source_of(*validation, "fit (validation set)");
    return run_fit(train, &checked, epochs, options);
  }

  // The same on inputs and targets the caller holds (std::vector, std::array, span), not copied:
  // inputs back to back (`inputs` values per sample), targets_per_sample targets per sample of
  // target_type (class indices for CrossEntropy). As Keras' fit(x, y, validation_data=(xv, yv)):
  //   trainer.fit(xs, ys, Epochs{100}, options, {x_val, y_val});
  std::vector<EpochSummary> fit(std::span<const T> inputs, std::span<const target_type> targets,
                                Epochs epochs, const FitOptions& options = {},
                                DataView<T, target_type> validation = {}) {
    const DataView<T, target_type> data(inputs, targets);
    return fit(data, epochs, options, validation.empty() ? nullptr : &validation);
  }

  // Mean loss (and accuracy, for data with class labels) over a whole data set, in batches; the
  // last one is padded and its padding ignored, so every sample counts exactly once.
  template <TrainingData D>
  Evaluation evaluate(const D& data) {
    return run_evaluate(source_of(data, "evaluate"));
  }
  Evaluation evaluate(std::span<const T> inputs, std::span<const target_type> targets) {
    return evaluate(DataView<T, target_type>(inputs, targets));
  }

  // Forward and loss of a batch, the loss's gradient left in the workspace for backward.
  // outputs_out, when not null, receives the output rows (ld_output() apart).
  T batch_loss(const T* X, std::size_t ldx, const target_type* targets, const T** outputs_out,
               std::size_t rows = batch) {
    const T* Y = forward(X, ldx);
    if (outputs_out) *outputs_out = Y;
    return loss_of<pass>(Y, ws_, targets, rows);
  }

 private:
  // The loss of the output rows Y of pass P's last forward pass in ws; its gradient into ws.
  template <class P>
  T loss_of(const T* Y, typename P::workspace& ws, const target_type* targets, std::size_t rows) {
    loss_input<T> in{Y, ld_out, nullptr, 0};
    if constexpr (fusion == loss_fusion::softmax) {
      in.logits = P::last_input(ws);
      in.ld_logits = P::last_input_ld(ws);
    } else if constexpr (fusion == loss_fusion::last_activation) {
      in.logits = P::last_z(ws);
      in.ld_logits = ld_out;
    }
    return Loss::template evaluate<batch, out_shape, T, fusion != loss_fusion::none>(
        in, targets, P::grad_buffer(ws), ld_out, rows);
  }

  // What the one fit/evaluate loop reads, whatever the data type: `size` samples of `inputs`
  // values back to back; per sample a class label (labels: targets made from it, accuracy
  // measured) or the loss's own targets_per_sample targets (targets). Class indices given as the
  // targets of CrossEntropy are both.
  struct data_source {
    const T* samples = nullptr;
    std::size_t size = 0;
    const std::uint32_t* labels = nullptr;
    const target_type* targets = nullptr;
  };

  // Checks a data set against this network and loss (a wrong sample size at compile time where
  // the data's shape is a type, counts and classes at run time) and views it as a source.
  template <TrainingData D>
  static data_source source_of(const D& data, const char* where) {
    static_assert(std::is_same_v<typename D::value_type, T>,
                  "fit()/evaluate(): the data's values must have the network's element type");
    if constexpr (requires { typename D::sample_shape; }) {
      static_assert(D::sample_shape::size == inputs,
                    "fit(): the data set's sample shape must have the size of the network's input");
    }
    const std::span<const T> samples = data.samples();
    data_source s;
    s.samples = samples.data();
    if constexpr (LabelledSamples<D>) {
      static_assert(positions == 1,
                    "fit()/evaluate(): this network makes several classifications per sample (a "
                    "sequence output): give one class index per step as the data's targets");
      const std::span<const std::uint32_t> labels = data.labels();
      check_classes(data.classes(), where);
      if (samples.size() != labels.size() * inputs) {
        throw std::invalid_argument(std::string("Trainer::") + where + ": " +
                                    std::to_string(samples.size()) + " input values for " +
                                    std::to_string(labels.size()) + " labels; the network takes " +
                                    std::to_string(inputs) + " values per sample");
      }
      s.size = labels.size();
      s.labels = labels.data();
    } else {
      static_assert(std::is_same_v<typename D::target_type, target_type>,
                    "fit()/evaluate(): the data's targets are not what the loss takes "
                    "(Trainer::target_type): class indices (std::uint32_t) for CrossEntropy, "
                    "values of the network's element type for MSE, BCE and Huber");
      if constexpr (requires { typename D::target_shape; }) {
        static_assert(D::target_shape::size == targets_per_sample,
                      "fit(): the data set's target shape must have the size of the network's "
                      "output");
      }
      const std::span<const target_type> targets = data.targets();
      if (samples.size() % inputs != 0) {
        throw std::invalid_argument(std::string("Trainer::") + where + ": " +
                                    std::to_string(samples.size()) +
                                    " input values are not a whole number of samples of " +
                                    std::to_string(inputs) + " values (the network's input)");
      }
      s.size = samples.size() / inputs;
      if (targets.size() != s.size * targets_per_sample) {
        throw std::invalid_argument(
            std::string("Trainer::") + where + ": " + std::to_string(targets.size()) +
            " targets for " + std::to_string(s.size) + " samples; the loss takes " +
            std::to_string(targets_per_sample) + " per sample (" +
            std::to_string(s.size * targets_per_sample) + " needed)");
      }
      s.targets = targets.data();
      if constexpr (std::is_same_v<target_type, std::uint32_t>) {
        for (std::size_t i = 0; i < s.size * targets_per_sample; ++i) {
          if (s.targets[i] >= outputs_per_target) {
            throw std::invalid_argument(std::string("Trainer::") + where + ": label " +
                                        std::to_string(s.targets[i]) + " at index " +
                                        std::to_string(i) + ", but the network has " +
                                        std::to_string(outputs_per_target) + " outputs" +
                                        (positions > 1 ? " per step" : ""));
          }
        }
        s.labels = s.targets;
      }
    }
    check_token_ids(s, where);
    return s;
  }

  // A first layer that reads token ids (Embedding, a recurrent layer with OneHot) takes only ids
  // of its vocabulary: a forward pass reads any other value as a row of zeros, so a wrong corpus
  // or an id past the vocabulary would train on nothing, silently. PyTorch's nn.Embedding raises.
  static void check_token_ids(const data_source& s, const char* where) {
    if constexpr (Net::depth > 1) {
      using first = typename Net::template entry<1>;
      constexpr std::size_t vocabulary = detail::token_vocabulary_of<first>;
      if constexpr (vocabulary > 0) {
        for (std::size_t i = 0; i < s.size * inputs; ++i) {
          if (detail::token_row(s.samples[i], vocabulary) >= 0) continue;
          throw std::invalid_argument(
              std::string("Trainer::") + where + ": input value " +
              detail::token_value_text(s.samples[i]) + " (sample " + std::to_string(i / inputs) +
              ", step " + std::to_string(i % inputs) + ") is not a token id of " + first::name() +
              ", which takes whole numbers from 0 to " + std::to_string(vocabulary - 1));
        }
      }
    }
  }

  // The one training loop, for every kind of data.
  std::vector<EpochSummary> run_fit(const data_source& data, const data_source* validation, Epochs epochs,
                                    const FitOptions& options) {
    if (data.size < batch) {
      throw std::invalid_argument("Trainer::fit: the training set has " +
                                  std::to_string(data.size) + " samples, fewer than one batch of " +
                                  std::to_string(batch));
    }
    std::optional<CsvLog> csv;
    if (options.csv) csv.emplace(*options.csv);
    Progress progress(*options.out, options.progress);
    Random rng(options.shuffle_seed);
    std::vector<std::size_t> order(data.size);
    std::iota(order.begin(), order.end(), std::size_t{0});
    const std::size_t batches = data.size / batch;
    const bool classified = data.labels != nullptr;
    std::vector<EpochSummary> history;
    for (std::size_t epoch = 1; epoch <= epochs.count; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      rng.shuffle(order.begin(), order.size());
      progress.begin_epoch(epoch, epochs.count, batches);
      RunningMean loss;
      Accuracy accuracy;
      for (std::size_t b = 0; b < batches; ++b) {
        gather(data, order.data() + b * batch, batch);
        loss.add(step(staging_.data(), ld_in, targets_.data()), batch);
        count_correct(data, order.data() + b * batch, batch, accuracy, ws_);
        progress.update(b + 1, loss.mean(),
                        classified ? std::optional<double>(accuracy.value()) : std::nullopt,
                        (b + 1) * batch);
      }
      EpochSummary summary;
      summary.epoch = epoch;
      summary.epochs = epochs.count;
      summary.loss = loss.mean();
      if (classified) summary.accuracy = accuracy.value();
      summary.samples = batches * batch;
      summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (validation != nullptr) {
        const Evaluation v = run_evaluate(*validation);
        summary.val_loss = v.loss;
        if (v.has_accuracy) summary.val_accuracy = v.accuracy;
      }
      progress.end_epoch(summary);
      if (csv) csv->write(summary);
      if (options.on_epoch) options.on_epoch(summary);
      history.push_back(summary);
    }
    return history;
  }

  // The one evaluation loop: batches of B, the last padded with copies of its first sample.
  Evaluation run_evaluate(const data_source& data) {
    std::vector<std::size_t> order(batch);
    double total = 0;
    Accuracy accuracy;
    typename evaluation_pass::workspace ws;
    for (std::size_t begin = 0; begin < data.size; begin += batch) {
      const std::size_t rows = std::min(batch, data.size - begin);
      for (std::size_t i = 0; i < batch; ++i) order[i] = begin + (i < rows ? i : 0);
      gather(data, order.data(), batch);
      const T* Y = evaluation_pass::forward(net_.parameter_arrays(), net_.state_arrays(),
                                            staging_.data(), ld_in, ws);
      total += static_cast<double>(loss_of<evaluation_pass>(Y, ws, targets_.data(), rows)) *
               static_cast<double>(rows);
      count_correct(data, order.data(), rows, accuracy, ws);
    }
    Evaluation e;
    e.loss = data.size ? total / static_cast<double>(data.size) : 0.0;
    e.has_accuracy = data.labels != nullptr;
    e.accuracy = e.has_accuracy ? accuracy.value() : 0.0;
    e.samples = data.size;
    return e;
  }

  // A data set with more classes than the network can express would train silently to nonsense.
  static void check_classes(std::size_t classes, const char* where) {
    const std::size_t can = outputs == 1 ? 2 : outputs;
    if (classes > can) {
      throw std::invalid_argument(
          std::string("Trainer::") + where + ": the data set has " + std::to_string(classes) +
          " classes but the network has " + std::to_string(outputs) + " output" +
          (outputs == 1 ? " (two classes at most)" : "s") +
          ": make the last Dense as wide as the number of classes");
    }
  }

  // Copies the samples at `indices` into the aligned staging rows, and their targets: given ones
  // as they are; from labels, the class for cross-entropy, one-hot rows (or the class itself for
  // one output) for the other losses.
  void gather(const data_source& data, const std::size_t* indices, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      std::copy_n(data.samples + indices[i] * inputs, inputs, staging_.data() + i * ld_in);
      if (data.targets != nullptr) {
        std::copy_n(data.targets + indices[i] * targets_per_sample, targets_per_sample,
                    targets_.data() + i * targets_per_sample);
        continue;
      }
      const std::uint32_t label = data.labels[indices[i]];
      if constexpr (std::is_same_v<target_type, std::uint32_t>) {
        targets_[i] = label;
      } else if constexpr (outputs == 1) {
        targets_[i] = static_cast<T>(label);
      } else {
        std::fill_n(targets_.data() + i * outputs, outputs, T(0));
        if (label < outputs) targets_[i * outputs + label] = T(1);
      }
    }
  }

  // Adds the predictions of the last forward pass (its first n rows) to an accuracy, for data
  // with labels.
  template <class W>
  void count_correct(const data_source& data, const std::size_t* indices, std::size_t n,
                     Accuracy& accuracy, const W& ws) {
    if (data.labels == nullptr) return;
    const T* Y = ws.rows[pass::G];
    const std::size_t ld = ws.ld[pass::G];
    constexpr std::size_t N = outputs_per_target;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t s = 0; s < positions; ++s) {  // each step of a sequence output
        const T* y = Y + i * ld + s * N;
        std::size_t predicted = 0;
        if constexpr (N == 1) {
          predicted = y[0] > T(0.5) ? 1 : 0;
        } else {
          for (std::size_t j = 1; j < N; ++j) predicted = y[j] > y[predicted] ? j : predicted;
        }
        accuracy.add(predicted, data.labels[indices[i] * positions + s]);
      }
    }
  }

  template <std::size_t I>
  void update_entry() {
    auto params = std::get<I>(net_.parameter_arrays()).arrays();
    auto grads = std::get<I>(grads_).arrays();
    auto& states = std::get<I>(states_);
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (optimizer_.update(std::get<J>(params).data(), std::get<J>(grads).data(),
                         std::get<J>(states)),
       ...);
    }(std::make_index_sequence<std::tuple_size_v<decltype(params)>>{});
  }

  // The fused step's gradient sinks: for a layer that uses sinks, the optimizer's step begun on
  // each of its parameter arrays (begin advances the array's state once, when the backward pass
  // reaches the layer); for the others, the gradient arrays.
  template <class Kind>
  struct update_sinks {
    Trainer& trainer;
    Kind kind;
    template <std::size_t h, class L, class, class Params>
    auto sinks(Params& grads) {
      if constexpr (uses_gradient_sinks<L>) {
        auto params = std::get<h>(trainer.net_.parameter_arrays()).arrays();
        auto& states = std::get<h>(trainer.states_);
        return [&]<std::size_t... J>(std::index_sequence<J...>) {
          return std::tuple{
              trainer.optimizer_.begin(kind, std::get<J>(params).data(), std::get<J>(states))...};
        }(std::make_index_sequence<std::tuple_size_v<decltype(params)>>{});
      } else {
        return write_sinks<T>(grads);
      }
    }
  };

  random_source source() const noexcept { return {net_.seed(), 0, steps_}; }

  // The end of a checked step (check_finite_ on): found, what its passes made, else the updated
  // parameters, reported.
  template <bool Fused>
  using finite_check = detail::finite_check<Net, pass, batch, Fused>;
  template <bool Fused>
  void throw_if_non_finite(std::optional<NonFinite> found) {
    if (!found) found = finite_check<Fused>::in_parameters(net_);
    if (!found) return;
    found->step = steps_;
    throw non_finite_error(std::move(*found));
  }

  template <bool Fused>
  std::optional<NonFinite> scan_pass(const T* X, std::size_t ldx, T loss) {
    return finite_check<Fused>::in_pass(ws_, X, ldx, loss, grads_);
  }
  // A checked step's scans, set by check_finite(true): what its passes made, then the report
  // (which scans the updated parameters when the passes were clean).
  struct checks {
    std::optional<NonFinite> (Trainer::*scan)(const T*, std::size_t, T) = nullptr;
    void (Trainer::*report)(std::optional<NonFinite>) = nullptr;
  };

  // Scales the gradients to the clipping norm (when set and exceeded); records their norm.
  void clip() {
    if (clip_norm_ <= 0) return;  // off: no pass over the gradients
    double sum = 0;
    std::apply([&](auto&... g) {
      (g.for_each([&](const char*, const auto& t) {
        for (const auto v : t.flat()) sum += static_cast<double>(v) * static_cast<double>(v);
      }), ...);
    }, grads_);
    gradient_norm_ = std::sqrt(sum);
    // PyTorch's rule exactly: the factor min(1, max_norm / (norm + 1e-6)), applied when below 1.
    const double factor = clip_norm_ / (gradient_norm_ + 1e-6);
    if (factor >= 1) return;
    const T scale = static_cast<T>(factor);
    std::apply([&](auto&... g) {
      (g.for_each([&](const char*, auto& t) {
        for (auto& v : t.flat()) v *= scale;
      }), ...);
    }, grads_);
  }

  Net& net_;
  Opt optimizer_;
  std::uint64_t steps_ = 0;
  double clip_norm_ = 0;
  double gradient_norm_ = 0;
  bool carry_ = false;
  bool check_finite_ = false;
  using step_function = T (Trainer::*)(const T*, std::size_t, const target_type*);
  step_function clipped_step_ = nullptr;  // separate_step, once clip_gradients() was called
  checks separate_checks_{};
  checks fused_checks_{};
  typename Net::parameter_tuple grads_;
  typename detail::optimizer_states<Opt, T, typename Net::parameter_tuple>::type states_;
  typename pass::workspace ws_;
  Tensor<T, Shape<batch, ld_in>> staging_;  // gathered input rows, 64-byte aligned
  std::array<target_type, batch * targets_per_sample> targets_{};
};

// make_trainer<CrossEntropy, Adam, Batch<64>>(net, Adam{.learning_rate = 1e-3})
template <class Loss, class Opt, class BatchSize, class Net>
Trainer<Net, Loss, Opt, BatchSize> make_trainer(Net& net, Opt optimizer = {}) {
  return Trainer<Net, Loss, Opt, BatchSize>(net, optimizer);
}

}  // namespace nerve
