// Batch-1 inference allocates nothing on the heap after construction, and neither does a
// training step after the trainer is built: operator new is counted while they run. Nor do they
// take a lock: pthread's lock functions, which std::mutex, std::shared_mutex and the C library's
// locks go through, are counted in the same windows. And the calls of an inference loop are
// noexcept in their signatures.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include "support/allocation_probe.hpp"
#include "support/sanitizer_runtime.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>
#include <cmath>
#include <vector>
#include <cstdlib>
#include <memory>
#include <new>

namespace {
std::atomic<std::size_t> allocations{0};
std::atomic<bool> counting{false};
std::atomic<std::size_t> locks{0};
}  // namespace

// g++ 12 sees std::vector's sized delete inlined down to free() and calls it a mismatch with
// operator new, although both are the replacements below (malloc and free): a false alarm.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Replaces the global allocation functions of this test binary to count calls while enabled:
// every form, since a sanitizer's runtime defines each form itself (its nothrow new with our
// delete would be a mismatch) where the C++ library's defaults forward to the plain ones.
namespace {
void* counted_allocation(std::size_t n) noexcept {
  if (counting) ++allocations;
  return std::malloc(n ? n : 1);
}
void* counted_allocation(std::size_t n, std::align_val_t a) noexcept {
  if (counting) ++allocations;
  const std::size_t align = static_cast<std::size_t>(a);
  return std::aligned_alloc(align, (n + align - 1) / align * align);
}
}  // namespace
void* operator new(std::size_t n) {
  if (void* p = counted_allocation(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_allocation(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = counted_allocation(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = counted_allocation(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_allocation(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_allocation(n); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_allocation(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_allocation(n, a);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

// Replaces pthread's lock functions to count calls while enabled, forwarding to the C library's.
// Interposing works on glibc, where a definition in the executable comes before libc's; not under
// a sanitizer, whose runtime intercepts these functions itself (there locks_counted is false; the
// plain build counts the locks).
#if defined(__GLIBC__) && !defined(NERVE_TEST_SANITIZER_RUNTIME)
#include <dlfcn.h>    // dlsym, RTLD_NEXT
#include <pthread.h>
constexpr bool locks_counted = true;
namespace {
// The C library's function of that name, found at the first call (a plain atomic: a
// function-local static's guard could itself lock).
template <class F>
F next_definition(std::atomic<F>& cache, const char* name) noexcept {
  F f = cache.load(std::memory_order_acquire);
  if (f == nullptr) {
    f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
    cache.store(f, std::memory_order_release);
  }
  return f;
}
std::atomic<int (*)(pthread_mutex_t*)> libc_mutex_lock{nullptr}, libc_mutex_trylock{nullptr};
std::atomic<int (*)(pthread_rwlock_t*)> libc_rdlock{nullptr}, libc_wrlock{nullptr};
}  // namespace
extern "C" {
int pthread_mutex_lock(pthread_mutex_t* m) noexcept {
  if (counting) ++locks;
  return next_definition(libc_mutex_lock, "pthread_mutex_lock")(m);
}
int pthread_mutex_trylock(pthread_mutex_t* m) noexcept {
  if (counting) ++locks;
  return next_definition(libc_mutex_trylock, "pthread_mutex_trylock")(m);
}
int pthread_rwlock_rdlock(pthread_rwlock_t* l) noexcept {
  if (counting) ++locks;
  return next_definition(libc_rdlock, "pthread_rwlock_rdlock")(l);
}
int pthread_rwlock_wrlock(pthread_rwlock_t* l) noexcept {
  if (counting) ++locks;
  return next_definition(libc_wrlock, "pthread_rwlock_wrlock")(l);
}
}
#else
constexpr bool locks_counted = false;
#endif

using namespace nerve;

TEST_CASE("no allocation: batch-1 inference after construction", "[allocation]") {
  using Net = Network<Input<1, 28, 28>, Flatten, Dense<128>, ReLU, Dense<33>, Tanh, Dense<10>, Softmax>;
  Net net{Seed{1}};
  Net::input_type x;
  x.fill(0.5f);
  // The counter itself must see allocations, or the test proves nothing.
  counting = true;
  nerve_test::allocate_once();
  counting = false;
  REQUIRE(allocations == 1);

  allocations = 0;
  locks = 0;
  counting = true;
  float sum = 0;
  for (int i = 0; i < 100; ++i) sum += net(x)(3);
  counting = false;
  CHECK(allocations == 0);
  CHECK(locks == 0);
  CHECK(sum > 0);
}

TEST_CASE("no allocation: a training step after the trainer is built", "[allocation]") {
  using Net = Network<Input<20>, Dense<16>, ReLU, Dense<3>, Softmax>;
  Net net{Seed{1}};
  Trainer<Net, CrossEntropy, Adam, Batch<8>> trainer(net);
  std::vector<float> X(8 * 20, 0.25f);
  const std::uint32_t labels[8] = {0, 1, 2, 0, 1, 2, 0, 1};
  trainer.step(X.data(), labels);
  allocations = 0;
  locks = 0;
  counting = true;
  for (int i = 0; i < 10; ++i) trainer.step(X.data(), labels);
  counting = false;
  CHECK(allocations == 0);
  CHECK(locks == 0);
}

TEST_CASE("no allocation: a fused training step (the optimizer inside the backward kernels)",
          "[allocation][fused]") {
  using Net = Network<Input<17>, Dense<33>, Tanh, Affine, Dense<7>, Softmax>;
  Net net{Seed{1}};
  Trainer<Net, CrossEntropy, SGD, Batch<1>> sgd(net, SGD{.learning_rate = 0.01, .momentum = 0.9});
  Trainer<Net, CrossEntropy, Adam, Batch<1>> adam(net);
  STATIC_REQUIRE(decltype(sgd)::fuses_update);
  std::vector<float> x(17, 0.25f);
  const std::uint32_t label[1] = {2};
  sgd.step(x.data(), label);  // the momentum buffer appears at the first step, as PyTorch's does
  allocations = 0;
  locks = 0;
  counting = true;
  for (int i = 0; i < 10; ++i) {
    sgd.step(x.data(), label);
    adam.step(x.data(), label);
  }
  counting = false;
  CHECK(allocations == 0);
  CHECK(locks == 0);
}

TEST_CASE("no allocation: const inference with a caller's workspace, batched inference and input gradients",
          "[allocation]") {
  using Net = Network<Input<4, 5>, Flatten, Dense<33>, Tanh, Affine, Dense<6>, Softmax>;
  const Net net{Seed{2}};
  Net::Workspace<1> one;
  Net::Workspace<8> eight;
  Net::GradientWorkspace<8> gradients;
  Tensor<float, Shape<4, 5>> x;
  x.fill(0.25f);
  Tensor<float, Shape<8, 4, 5>> X;
  X.fill(-0.5f);
  std::vector<float> dY(8 * 6, 1.0f);
  allocations = 0;
  locks = 0;
  counting = true;
  float sum = 0;
  for (int i = 0; i < 10; ++i) {
    sum += net(x, one)(2);
    sum += net(X, eight)(7, 5);
    sum += net.input_gradient<8>(X.data(), dY.data(), gradients)(3, 1, 1);
  }
  counting = false;
  CHECK(allocations == 0);
  CHECK(locks == 0);
  CHECK(std::isfinite(sum));
}

TEST_CASE("no allocation: a training step through layers with parameters of their own", "[allocation]") {
  using Net = Network<Input<12>, Dense<16>, Tanh, Affine, Dense<3>, Softmax>;
  Net net{Seed{1}};
  Trainer<Net, CrossEntropy, SGD, Batch<4>> trainer(net, SGD{.learning_rate = 0.1, .momentum = 0.9});
  std::vector<float> X(4 * 12, 0.25f);
  const std::uint32_t labels[4] = {0, 1, 2, 0};
  trainer.step(X.data(), labels);
  allocations = 0;
  locks = 0;
  counting = true;
  for (int i = 0; i < 10; ++i) trainer.step(X.data(), labels);
  counting = false;
  CHECK(allocations == 0);
  CHECK(locks == 0);
}

TEST_CASE("no allocation: a CNN (Conv2D, BatchNorm, MaxPool, AvgPool, GlobalAvgPool, Dropout) in "
          "inference at batch 1 and 3, input gradients and both training steps",
          "[allocation][conv2d]") {
  using Net = Network<Input<1, 12, 12>, Conv2D<4, Kernel<3, 3>, Same>, BatchNorm<>, ReLU, MaxPool<2>,
                      Conv2D<6, Kernel<3, 3>, Stride<2>, Pad<1>>, ReLU, AvgPool<3, Stride<1>, Pad<1>>,
                      Dropout<0.25>, GlobalAvgPool, Dense<3>, Softmax>;
  Net net{Seed{3}};
  Trainer<Net, CrossEntropy, Adam, Batch<4>> trainer(net);
  // The write-then-update step too (clipping takes it), with SGD's momentum.
  Trainer<Net, CrossEntropy, SGD, Batch<4>> clipped(net, SGD{.learning_rate = 0.01, .momentum = 0.9});
  clipped.clip_gradients(1.0);
  std::vector<float> X(4 * 144);
  for (std::size_t i = 0; i < X.size(); ++i) X[i] = static_cast<float>(i % 13) / 13.0f;
  const std::uint32_t labels[4] = {0, 1, 2, 1};
  // Batched inference and input gradients, their workspaces made beforehand.
  auto batch = std::make_unique<Net::Workspace<3>>();
  auto gradients = std::make_unique<Net::GradientWorkspace<3>>();
  Tensor<float, Shape<3, 1, 12, 12>> X3;
  std::copy_n(X.data(), X3.size, X3.data());
  const std::vector<float> dY(3 * 3, 0.5f);
  trainer.step(X.data(), labels);
  clipped.step(X.data(), labels);
  allocations = 0;
  locks = 0;
  counting = true;
  float sum = 0;
  for (int i = 0; i < 10; ++i) {
    trainer.step(X.data(), labels);
    clipped.step(X.data(), labels);
    sum += net(X.data())(1);
    sum += net(X3, *batch)(2, 1);
    sum += net.input_gradient<3>(X3.data(), dY.data(), *gradients)(1, 0, 5, 5);
  }
  counting = false;
  CHECK(allocations == 0);
  CHECK(locks == 0);
  CHECK(std::isfinite(sum));
}

TEST_CASE("no allocation: stateful stepping of a recurrent network, and its training step",
          "[allocation][recurrent]") {
  using LM = Network<Input<16>, Embedding<20, 8>, LSTM<12>, GRU<9>, Dense<20>, Softmax>;
  LM net{Seed{3}};
  LM::StepState state;  // built once: its one allocation
  Trainer<LM, CrossEntropy, Adam, Batch<4>> trainer(net);
  trainer.clip_gradients(1.0);
  trainer.carry_state(true);
  std::vector<float> X(4 * 16, 3.0f);
  std::vector<std::uint32_t> labels(4 * 16, 5);
  trainer.step(X.data(), labels.data());
  allocations = 0;
  locks = 0;
  counting = true;
  float sum = 0;
  float token = 7;
  for (int i = 0; i < 100; ++i) {
    sum += net.step(&token, state)(0, 4);
    if (i % 10 == 9) state.reset();
  }
  for (int i = 0; i < 5; ++i) trainer.step(X.data(), labels.data());
  counting = false;
  CHECK(allocations == 0);
  CHECK(locks == 0);
  CHECK(std::isfinite(sum));
}

TEST_CASE("no lock: the counter sees a std::mutex", "[allocation][locks]") {
  if (!locks_counted) {
    WARN("locks are not counted in this build (not glibc, or ThreadSanitizer)");
    return;
  }
  // Else every "CHECK(locks == 0)" here would prove nothing.
  std::mutex m;
  locks = 0;
  counting = true;
  { std::lock_guard<std::mutex> hold(m); }
  counting = false;
  CHECK(locks == 1);
}

TEST_CASE("no exception: the calls of an inference loop are noexcept, a training step is not",
          "[allocation][noexcept]") {
  using Mlp = Network<Input<20>, Dense<33>, Tanh, Affine, Dense<6>, Softmax>;
  using LM = Network<Input<16>, Embedding<20, 8>, LSTM<12>, GRU<9>, Dense<20>, Softmax>;
  const float* x = nullptr;
  STATIC_REQUIRE(noexcept(std::declval<Mlp&>()(x)));
  STATIC_REQUIRE(noexcept(std::declval<Mlp&>()(std::declval<const Mlp::input_type&>())));
  STATIC_REQUIRE(noexcept(std::declval<Mlp&>().logits(x)));
  STATIC_REQUIRE(noexcept(std::declval<const Mlp&>()(x, std::declval<Mlp::Workspace<1>&>())));
  STATIC_REQUIRE(noexcept(std::declval<const Mlp&>()(std::declval<const Tensor<float, Shape<8, 20>>&>(),
                                                     std::declval<Mlp::Workspace<8>&>())));
  STATIC_REQUIRE(noexcept(std::declval<const Mlp&>().input_gradient<8>(
      x, x, std::declval<Mlp::GradientWorkspace<8>&>())));
  STATIC_REQUIRE(noexcept(std::declval<const LM&>().step(x, std::declval<LM::StepState&>())));
  STATIC_REQUIRE(noexcept(std::declval<LM::StepState&>().reset()));
  STATIC_REQUIRE(noexcept(FlushDenormals{}));
  // A training step may allocate (SGD's momentum buffer, at its first step) and throws
  // non_finite_error when check_finite is on.
  using Training = Trainer<Mlp, CrossEntropy, SGD, Batch<1>>;
  STATIC_REQUIRE_FALSE(
      noexcept(std::declval<Training&>().step(x, std::declval<const std::uint32_t*>())));
}

TEST_CASE("no allocation: LayerNorm, SimpleRNN, GRU with LastStep, BCE, AdamW, Nesterov, logits, and a checked, clipped step",
          "[allocation][recurrent]") {
  using Tagger = Network<Input<6, 5>, LayerNorm<>, SimpleRNN<7>, GRU<8, LastStep>, Dense<1>, Sigmoid>;
  using Mlp = Network<Input<20>, Dense<33>, Tanh, Affine, Dense<6>, Softmax>;
  Tagger tagger{Seed{4}};
  Mlp mlp{Seed{5}};
  Tagger::StepState state;
  Tagger::Workspace<8> eight;
  Trainer<Tagger, BCE, SGD, Batch<8>> nesterov(tagger, SGD{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  Trainer<Tagger, BCE, AdamW, Batch<8>> adamw(tagger);
  Trainer<Mlp, CrossEntropy, Adam, Batch<8>> checked(mlp);
  checked.check_finite(true);  // the scan allocates nothing when everything is finite
  checked.clip_gradients(0.5);
  std::vector<float> x(8 * 30);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3f * static_cast<float>(i));
  Tensor<float, Shape<8, 6, 5>> X;
  for (std::size_t i = 0; i < X.size; ++i) X.data()[i] = x[i];
  const std::vector<float> targets = {1, 0, 1, 1, 0, 0, 1, 0};
  const std::uint32_t labels[8] = {0, 1, 2, 3, 4, 5, 0, 1};
  nesterov.step(x.data(), targets.data());  // the momentum buffer appears at the first step
  allocations = 0;
  locks = 0;
  counting = true;
  float sum = 0;
  for (int i = 0; i < 10; ++i) {
    sum += static_cast<const Tagger&>(tagger).step(x.data() + 5 * i, state)(0);
    sum += static_cast<const Tagger&>(tagger)(X, eight)(3, 0);
    sum += mlp.logits(x.data())(2);
    sum += nesterov.step(x.data(), targets.data());
    sum += adamw.step(x.data(), targets.data());
    sum += checked.step(x.data(), labels);
  }
  state.reset();
  counting = false;
  CHECK(allocations == 0);
  CHECK(locks == 0);
  CHECK(std::isfinite(sum));
}
