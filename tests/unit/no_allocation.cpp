// Batch-1 inference allocates nothing on the heap after construction, and neither does a
// training step after the trainer is built: operator new is counted while they run.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> allocations{0};
std::atomic<bool> counting{false};
}  // namespace

// Replaces the global allocation functions of this test binary to count calls while enabled.
void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (counting) ++allocations;
  const std::size_t align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace nerve;

TEST_CASE("no allocation: batch-1 inference after construction", "[allocation]") {
  using Net = Network<Input<28, 28, 1>, Flatten, Dense<128>, ReLU, Dense<33>, Tanh, Dense<10>, Softmax>;
  Net net{Seed{1}};
  Net::input_type x;
  x.fill(0.5f);
  // The counter itself must see allocations, or the test proves nothing.
  counting = true;
  auto* probe = new int(3);
  counting = false;
  delete probe;
  REQUIRE(allocations == 1);

  allocations = 0;
  counting = true;
  float sum = 0;
  for (int i = 0; i < 100; ++i) sum += net(x)(3);
  counting = false;
  CHECK(allocations == 0);
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
  counting = true;
  for (int i = 0; i < 10; ++i) trainer.step(X.data(), labels);
  counting = false;
  CHECK(allocations == 0);
}
