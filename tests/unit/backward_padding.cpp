// The layer contract's promise about padding in the backward pass (network/context.hpp,
// docs/contributing.md): the rows of an incoming gradient dy are zero past the sample size, and
// the network zeroes each dx's padding after the layer's call, so a layer may read its dy rows
// whole (ld wide, as a SIMD loop over padded rows would) and writes only its own elements.
//
// nerve's own layers never read that padding (Dense's kernel masks it, the others loop over the
// sample size), so only a layer written against the contract can see it, which is what these
// probes are: PaddingProbe reads its dy rows whole and counts padding values that are not zero;
// PaddingLitter writes NaN into its dx padding, which the contract allows. The networks are laid
// out so that the gradient buffer a probe reads has held wider rows of another layer before (the
// two ping-pong gradient buffers are shared by every layer with its own row width): without the
// network's zeroing pass, real gradients of that other layer sit in the probe's padding.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

using namespace nerve;

namespace {

// y = x, row by row: the forward pass of both probes below.
template <class Ctx>
void copy_rows(Ctx& ctx) {
  constexpr std::size_t N = Ctx::in_shape::size;
  for (std::size_t i = 0; i < Ctx::batch; ++i)
    for (std::size_t j = 0; j < N; ++j) ctx.y[i * ctx.ldy + j] = ctx.x[i * ctx.ldx + j];
}

// y = x; dx = dy. Backward reads dy's whole rows (ldy wide) and counts padding that is not 0.
struct PaddingProbe : layer {
  template <AnyShape In>
  using output_shape = In;
  static std::string name() { return "PaddingProbe"; }

  static inline std::size_t calls = 0, padding_read = 0, padding_not_zero = 0;
  static void reset() { calls = padding_read = padding_not_zero = 0; }

  template <class Ctx>
  static void forward(Ctx& ctx) { copy_rows(ctx); }
  template <class Ctx>
  static void backward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    constexpr std::size_t N = Ctx::in_shape::size;
    ++calls;
    for (std::size_t i = 0; i < Ctx::batch; ++i) {
      for (std::size_t j = N; j < ctx.ldy; ++j) {
        ++padding_read;
        if (!(ctx.dy[i * ctx.ldy + j] == T(0))) ++padding_not_zero;  // NaN counts too
      }
    }
    if (ctx.dx == nullptr) return;
    for (std::size_t i = 0; i < Ctx::batch; ++i)
      for (std::size_t j = 0; j < N; ++j) ctx.dx[i * ctx.ld_dx + j] = ctx.dy[i * ctx.ldy + j];
  }
};

// y = x; dx = dy, and NaN written into dx's padding (the network must clear it).
struct PaddingLitter : layer {
  template <AnyShape In>
  using output_shape = In;
  static std::string name() { return "PaddingLitter"; }

  template <class Ctx>
  static void forward(Ctx& ctx) { copy_rows(ctx); }
  template <class Ctx>
  static void backward(Ctx& ctx) {
    using T = typename Ctx::value_type;
    constexpr std::size_t N = Ctx::in_shape::size;
    if (ctx.dx == nullptr) return;
    for (std::size_t i = 0; i < Ctx::batch; ++i) {
      for (std::size_t j = 0; j < N; ++j) ctx.dx[i * ctx.ld_dx + j] = ctx.dy[i * ctx.ldy + j];
      for (std::size_t j = N; j < ctx.ld_dx; ++j) ctx.dx[i * ctx.ld_dx + j] = std::numeric_limits<T>::quiet_NaN();
    }
  }
};

template <class T>
std::vector<T> values(std::size_t n, double scale) {
  Random rng(Seed{n});
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(rng.uniform(-scale, scale));
  return v;
}

// Training steps and a differentiated inference pass of Net (MSE, batches of 3); the probe's
// counts afterwards.
template <class Net, std::size_t Outputs>
void run(const char* what) {
  using T = typename Net::value_type;
  constexpr std::size_t B = 3;
  Net net{Seed{41}};
  Trainer<Net, MSE, SGD, Batch<B>> trainer(net, SGD{.learning_rate = 0.01});
  const auto X = values<T>(B * Net::input_shape_t::size, 1.0);
  const auto t = values<T>(B * Outputs, 1.0);
  PaddingProbe::reset();
  for (int s = 0; s < 3; ++s) trainer.step(X.data(), t.data());
  trainer.compute_gradients(X.data(), t.data());
  typename Net::template GradientWorkspace<B> ws;
  const auto dx = net.template input_gradient<B>(X.data(), t.data(), ws);
  INFO(what << ": the probe ran " << PaddingProbe::calls << " times and read " << PaddingProbe::padding_read
            << " padding values, " << PaddingProbe::padding_not_zero << " of them not zero");
  REQUIRE(PaddingProbe::calls == 5);
  REQUIRE(PaddingProbe::padding_read > 0);  // there was padding to look at
  CHECK(PaddingProbe::padding_not_zero == 0);
  for (std::size_t i = 0; i < dx.size; ++i) CHECK(std::isfinite(static_cast<double>(dx.data()[i])));
}

}  // namespace

TEMPLATE_TEST_CASE("backward: dy's padding is zero where the buffer held wider rows before",
                   "[backward][padding][contract]", float, double) {
  // Backward order: Dense<2> writes its dx (33 wide) into buffer 1, Dense<33> its dx (40 wide)
  // into buffer 0, Dense<40> its dx (5 wide) into buffer 1 over Dense<2>'s rows: the probe reads
  // rows of 5 whose padding held Dense<2>'s gradients.
  using Net = BasicNetwork<TestType, Input<4>, Dense<5>, PaddingProbe, Dense<40>, Tanh, Dense<33>,
                           Dense<2>>;
  run<Net, 2>("after a narrower row in a buffer that held wider ones");
}

TEMPLATE_TEST_CASE("backward: a layer's litter in its dx padding is cleared before the next layer",
                   "[backward][padding][contract]", float, double) {
  using Net = BasicNetwork<TestType, Input<4>, Dense<5>, PaddingProbe, PaddingLitter, Dense<3>>;
  run<Net, 3>("after a layer that writes NaN into its dx padding");
}
