// nerve/train/finite_check.hpp: where a NaN or an infinity first appeared in a training step,
// for Trainer::check_finite(true) (train/trainer.hpp).
//
// After a checked step the values it made are scanned in the order the step made them: the
// input rows, each fused group's output (and pre-activation, where kept) from first to last, the
// loss, the parameter gradients from the last layer to the first (the backward pass's order),
// then the updated parameters. The first value that is not finite is reported with the entry
// (its position and its name, as summary() shows them), what it was, and the step's number.
// Gradient rows between layers are not kept (two ping-pong buffers), so a NaN born in a layer
// without parameters (Softmax, a pooling) shows up in the gradient of the layer before it.
#pragma once

#include <bit>          // std::bit_cast
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint32_t, std::uint64_t
#include <optional>
#include <stdexcept>    // std::runtime_error
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>      // std::index_sequence

#include "nerve/network/context.hpp"  // nerve::uses_gradient_sinks
#include "nerve/network/plan.hpp"     // nerve::fusion_role

namespace nerve {

// Which value of a step was not finite.
enum class non_finite_in { input, output, loss, gradient, parameter };

inline const char* to_string(non_finite_in what) noexcept {
  switch (what) {
    case non_finite_in::input: return "input";
    case non_finite_in::output: return "forward output";
    case non_finite_in::loss: return "loss";
    case non_finite_in::gradient: return "gradient";
    case non_finite_in::parameter: return "updated parameter";
  }
  return "?";
}

// The first value of a step that was NaN or infinite.
struct NonFinite {
  std::uint64_t step = 0;  // the step's number, counted from 1 (Trainer::steps() after it)
  std::size_t entry = 0;   // its entry's position, as summary() numbers it (0: the input)
  std::string layer;       // that entry's name, as summary() prints it
  non_finite_in what = non_finite_in::output;
  std::string array;       // gradient, parameter: the array's name ("weight"); else empty
  std::size_t index = 0;   // the element: in the array; or sample * size + position in the row
  double value = 0;        // NaN, +inf or -inf
  std::string fused_with;  // output: the activations fused into the entry's loop ("ReLU")

  // "step 3: the forward output of entry 2 (Dense<10>, with ReLU fused) is inf at element 17"
  std::string message() const {
    std::string where = to_string(what);
    if (!array.empty()) where += " " + array;
    std::string out = "step " + std::to_string(step) + ": the " + where + " of entry " +
                      std::to_string(entry) + " (" + layer +
                      (fused_with.empty() ? "" : ", with " + fused_with + " fused") + ") is " +
                      (value != value ? "NaN" : value > 0 ? "inf" : "-inf");
    if (what != non_finite_in::loss) out += " at element " + std::to_string(index);
    return out;
  }
};

// What Trainer::step throws when checking is on and a value was not finite.
class non_finite_error : public std::runtime_error {
 public:
  explicit non_finite_error(NonFinite report)
      : std::runtime_error("Trainer::check_finite: " + report.message()),
        report_(std::move(report)) {}
  const NonFinite& report() const noexcept { return report_; }

 private:
  NonFinite report_;
};

namespace detail {

// By the bits rather than std::isfinite: under -ffast-math (-ffinite-math-only) the compiler may
// assume every value is finite and fold std::isfinite to true, which would silence the check.
// NaN and the infinities are the values whose exponent bits are all ones.
template <class T>
using same_size_unsigned = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
template <class T>
inline constexpr same_size_unsigned<T> exponent_bits =
    static_cast<same_size_unsigned<T>>(sizeof(T) == 4 ? 0x7f800000ull : 0x7ff0000000000000ull);
template <class T>
constexpr bool finite_bits(T v) noexcept {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "finite_bits: float or double");
  return (std::bit_cast<same_size_unsigned<T>>(v) & exponent_bits<T>) != exponent_bits<T>;
}

// The largest exponent field of p[0, N): exponent_bits<T> where some value is not finite. No
// early exit and a trip count known at compile time, so that g++ -O2 vectorises it (a loop that
// returns at the first culprit stays scalar, about 20x slower over a network's parameters).
template <std::size_t N, class T>
same_size_unsigned<T> largest_exponent(const T* p) noexcept {
  using U = same_size_unsigned<T>;
  U largest = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const U e = std::bit_cast<U>(p[i]) & exponent_bits<T>;
    largest = e > largest ? e : largest;
  }
  return largest;
}

// The index of the first non-finite value of p[0, n), or none: whole blocks scanned as above,
// the culprit looked for value by value only in a block that has one, and in the tail.
template <class T>
std::optional<std::size_t> first_non_finite(const T* p, std::size_t n) noexcept {
  constexpr std::size_t block = 512;
  std::size_t at = 0;
  for (; at + block <= n; at += block) {
    if (largest_exponent<block>(p + at) == exponent_bits<T>) break;
  }
  for (std::size_t i = at; i < n; ++i) {
    if (!finite_bits(p[i])) return i;
  }
  return std::nullopt;
}

// The same over rows of n values, ld apart: the index row * n + column.
template <class T>
std::optional<std::size_t> first_non_finite(const T* rows, std::size_t count, std::size_t n,
                                            std::size_t ld) noexcept {
  for (std::size_t r = 0; r < count; ++r) {
    if (auto j = first_non_finite(rows + r * ld, n)) return r * n + *j;
  }
  return std::nullopt;
}

// One array a step made, as the scan reads it: `rows` rows of `n` values, `ld` apart, made by
// entry `entry`. A culprit found in it is reported as `what` of that entry; `array` names a
// parameter or gradient array; `fused_with`, when set, names the activations fused into the
// entry's loop. The scan below is one function per element type, whatever the network: only the
// list of arrays depends on the network's type, so a network adds a few lines of code for its
// check, not a scan loop per layer (compile time, issue 7).
template <class T>
struct scanned_array {
  const T* values = nullptr;
  std::size_t rows = 1;
  std::size_t n = 0;
  std::size_t ld = 0;
  std::size_t entry = 0;
  non_finite_in what = non_finite_in::output;
  const char* array = "";
  std::string (*layer)() = nullptr;       // the entry's name, as summary() prints it
  std::string (*fused_with)() = nullptr;  // "ReLU", "ReLU + Dropout"
};

// Scans a; true, with `found` filled in (but its step), when a holds a value that is not finite.
// Out of line: one copy serves every call of every network.
template <class T>
[[gnu::noinline]] bool scan(const scanned_array<T>& a, NonFinite& found) {
  const std::optional<std::size_t> i = first_non_finite(a.values, a.rows, a.n, a.ld);
  if (!i) return false;
  found.entry = a.entry;
  found.layer = a.layer();
  found.what = a.what;
  found.array = a.array;
  found.index = *i;
  found.value = static_cast<double>(a.values[*i / a.n * a.ld + *i % a.n]);
  found.fused_with = a.fused_with ? a.fused_with() : std::string();
  return true;
}

// The scan of one step of Pass (a network_pass over B rows, in training) of network Net. Fused:
// the step updated the layers that take gradient sinks in their backward kernels, so their
// gradient arrays are stale and only their updated parameters tell.
template <class Net, class Pass, std::size_t B, bool Fused>
struct finite_check {
  using T = typename Net::value_type;
  using array = scanned_array<T>;

  // What the forward and backward passes made: input, outputs, loss, gradients.
  static std::optional<NonFinite> in_pass(const typename Pass::workspace& ws, const T* X,
                                          std::size_t ldx, T loss,
                                          const typename Net::parameter_tuple& grads) {
    NonFinite r;
    bool hit = scan(array{X, B, Net::input_shape_t::size, ldx, 0, non_finite_in::input, "",
                          &name_of<0>},
                    r);
    hit = hit || [&]<std::size_t... g>(std::index_sequence<g...>) {
      return (output_of<g>(ws, r) || ...);
    }(std::make_index_sequence<Pass::G>{});
    hit = hit || scan(array{&loss, 1, 1, 1, Net::depth - 1, non_finite_in::loss, "",
                            &name_of<Net::depth - 1>},
                      r);
    hit = hit || [&]<std::size_t... e>(std::index_sequence<e...>) {  // the backward pass's order
      return (arrays_of<Net::depth - 1 - e, non_finite_in::gradient>(grads, r) || ...);
    }(std::make_index_sequence<Net::depth - 1>{});
    return hit ? std::optional<NonFinite>(std::move(r)) : std::nullopt;
  }

  // The parameters, after the update.
  static std::optional<NonFinite> in_parameters(const Net& net) {
    NonFinite r;
    const bool hit = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (arrays_of<I + 1, non_finite_in::parameter>(net.parameter_arrays(), r) || ...);
    }(std::make_index_sequence<Net::depth - 1>{});
    return hit ? std::optional<NonFinite>(std::move(r)) : std::nullopt;
  }

 private:
  template <std::size_t I>
  static std::string name_of() {
    return Net::template entry<I>::name();
  }

  // The names of the activations fused into group g's loop after its head.
  template <std::size_t g>
  static std::string fused_into() {
    constexpr auto group = Pass::groups[g];
    std::string names;
    [&]<std::size_t... a>(std::index_sequence<a...>) {
      ((names += (a ? " + " : "") + Net::template entry<group.head + 1 + a>::name()), ...);
    }(std::make_index_sequence<group.last - group.head>{});
    return names;
  }

  // Group g's pre-activation (where kept: the head's own output), then its output.
  template <std::size_t g>
  static bool output_of(const typename Pass::workspace& ws, NonFinite& r) {
    if constexpr (Pass::template is_view<g>) {
      return false;  // the same values as the group before
    } else {
      constexpr auto group = Pass::groups[g];
      array a{ws.rows[g + 1], B, Pass::template out_shape<g>::size, Pass::template ld_out<g>,
              group.head, non_finite_in::output, "", &name_of<group.head>};
      if constexpr (group.kind == fusion_role::contraction && group.last > group.head) {
        a.fused_with = &fused_into<g>;
      }
      if constexpr (Pass::template keeps_z<g>) {
        array z = a;
        z.values = ws.at(Pass::offsets.z[g]);
        if (scan(z, r)) return true;
      }
      return scan(a, r);
    }
  }

  // Entry I's trainable arrays (gradients or parameters).
  template <std::size_t I, non_finite_in What>
  static bool arrays_of(const typename Net::parameter_tuple& arrays, NonFinite& r) {
    if constexpr (What == non_finite_in::gradient && Fused &&
                  uses_gradient_sinks<typename Net::template entry<I>>) {
      return false;  // not written by a fused step
    } else {
      bool hit = false;
      std::get<I>(arrays).for_each([&](const char* name, const auto& t) {
        const auto flat = t.flat();
        hit = hit || scan(array{flat.data(), 1, flat.size(), flat.size(), I, What, name,
                                &name_of<I>},
                          r);
      });
      return hit;
    }
  }
};

}  // namespace detail
}  // namespace nerve
