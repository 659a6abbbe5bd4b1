// fashion_mnist: the real test set when Debian's dataset-fashion-mnist is installed, small
// files made here for the checks, and the io_error each kind of wrong file gives.
#include <catch2/catch.hpp>

#include <nerve/io/fashion_mnist.hpp>

#include <stdlib.h>  // setenv, unsetenv

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "unit/io_support.hpp"

using namespace nerve;
using nerve_test::Bytes;
using nerve_test::TempDir;
using nerve_test::expect_io_error;
using nerve_test::idx_header;
using Catch::Matchers::Contains;

namespace {

// n images of 28x28 whose pixel k of image i is (i * 51 + k) % 256, and the given labels.
void write_fake_set(const TempDir& dir, const std::string& prefix, std::size_t n,
                    const Bytes& labels, bool gzip = true) {
  Bytes images = idx_header(0x08, {static_cast<std::uint32_t>(n), 28, 28});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < 784; ++k) images.push_back(static_cast<std::uint8_t>((i * 51 + k) % 256));
  Bytes label_file = idx_header(0x08, {static_cast<std::uint32_t>(labels.size())});
  label_file.insert(label_file.end(), labels.begin(), labels.end());
  const std::string ext = gzip ? ".gz" : "";
  auto write = gzip ? nerve_test::write_gzip : nerve_test::write_plain;
  write(dir / (prefix + "-images-idx3-ubyte" + ext), images);
  write(dir / (prefix + "-labels-idx1-ubyte" + ext), label_file);
}

float sum_of(TensorView<const float, fashion_mnist::Image> image) {
  float sum = 0;
  for (float v : image.flat()) sum += v;
  return sum;
}

}  // namespace

TEST_CASE("fashion_mnist: the real test set loads with its known labels", "[io][fashion_mnist]") {
  if (!fashion_mnist::available()) {
    WARN("Fashion-MNIST not found in " << fashion_mnist::directory()
                                       << " (apt-get install dataset-fashion-mnist): skipped");
    return;
  }
  const fashion_mnist::Data test = fashion_mnist::test();
  REQUIRE(test.size() == 10000);
  CHECK(test.classes() == 10);

  // Read once with zcat | od: the first labels are 9 2 1 1 6 1 4 6 5 7, each class has 1000
  // images, and the first and last images' bytes add up to 33456 and 24390.
  const std::array<std::uint32_t, 10> first_labels{9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
  for (std::size_t i = 0; i < first_labels.size(); ++i) CHECK(test.label(i) == first_labels[i]);
  std::array<std::size_t, 10> per_class{};
  for (std::uint32_t label : test.labels()) {
    REQUIRE(label < 10);
    ++per_class[label];
  }
  for (std::size_t c = 0; c < 10; ++c) CHECK(per_class[c] == 1000);
  CHECK(sum_of(test.sample(0)) == Approx(33456 / 255.0).epsilon(1e-5));
  CHECK(sum_of(test.sample(9999)) == Approx(24390 / 255.0).epsilon(1e-5));
  const auto outside = std::count_if(test.samples().begin(), test.samples().end(),
                                     [](float v) { return !(v >= 0.0f && v <= 1.0f); });
  CHECK(outside == 0);
  CHECK(*std::max_element(test.samples().begin(), test.samples().end()) == 1.0f);
  CHECK(fashion_mnist::class_names[test.label(0)] == "Ankle boot");

  const fashion_mnist::Data few = fashion_mnist::test({.limit = 5});
  REQUIRE(few.size() == 5);
  CHECK(few.label(4) == 6);
  CHECK(sum_of(few.sample(0)) == sum_of(test.sample(0)));
}

TEST_CASE("fashion_mnist: files from another folder (plain or gzipped) with pixels scaled to 0..1",
          "[io][fashion_mnist]") {
  TempDir dir;
  write_fake_set(dir, "t10k", 3, {4, 0, 9});
  write_fake_set(dir, "train", 2, {1, 8}, /*gzip=*/false);

  const auto test = fashion_mnist::test({.directory = dir.path()});
  REQUIRE(test.size() == 3);
  CHECK(test.label(2) == 9);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t k = 0; k < 784; ++k) {
      INFO("image " << i << " pixel " << k);
      REQUIRE(test.samples()[i * 784 + k] == static_cast<float>((i * 51 + k) % 256) / 255.0f);
    }
  CHECK(test.sample(0)(0, 0, 5) == 5 / 255.0f);
  CHECK(test.sample(1)(0, 7, 8) == 1.0f);  // pixel 7 * 28 + 8 = 204: 51 + 204 = 255 -> exactly 1
  CHECK(test.sample(1)(0, 1, 0) == static_cast<float>((51 + 28) % 256) / 255.0f);

  const auto train = fashion_mnist::train({.directory = dir.path(), .limit = 1});
  REQUIRE(train.size() == 1);
  CHECK(train.label(0) == 1);
  CHECK(fashion_mnist::available({.directory = dir.path()}));
}

TEST_CASE("fashion_mnist: NERVE_FASHION_MNIST_DIR picks the folder and Options::directory wins",
          "[io][fashion_mnist]") {
  TempDir env_dir, option_dir;
  write_fake_set(env_dir, "t10k", 2, {3, 3});
  write_fake_set(option_dir, "t10k", 1, {7});
  REQUIRE(setenv("NERVE_FASHION_MNIST_DIR", env_dir.path().c_str(), 1) == 0);
  CHECK(fashion_mnist::directory() == env_dir.path());
  CHECK(fashion_mnist::test().size() == 2);
  CHECK(fashion_mnist::test({.directory = option_dir.path()}).label(0) == 7);
  CHECK_FALSE(fashion_mnist::available());  // no train files there
  REQUIRE(unsetenv("NERVE_FASHION_MNIST_DIR") == 0);
  CHECK(fashion_mnist::directory() == "/usr/share/datasets/fashion-mnist");
}

TEST_CASE("fashion_mnist: wrong files give an io_error naming the file and the problem",
          "[io][fashion_mnist]") {
  TempDir dir;
  const auto images = dir / "t10k-images-idx3-ubyte.gz";
  const auto labels = dir / "t10k-labels-idx1-ubyte.gz";
  const fashion_mnist::Options options{.directory = dir.path()};
  auto failure = [&] { return expect_io_error([&] { fashion_mnist::test(options); }); };

  SECTION("no files") {
    const auto e = failure();
    CHECK(e.path() == images);
    CHECK_THAT(e.problem(), Contains("missing: no such file (nor t10k-images-idx3-ubyte)"));
    CHECK_THAT(e.problem(), Contains("NERVE_FASHION_MNIST_DIR"));
  }
  SECTION("images of another size") {
    write_fake_set(dir, "t10k", 2, {1, 2});
    nerve_test::write_gzip(images, [] {
      Bytes b = idx_header(0x08, {2, 28, 27});
      b.resize(b.size() + 2 * 28 * 27);
      return b;
    }());
    const auto e = failure();
    CHECK(e.path() == images);
    CHECK(e.problem() ==
          "not Fashion-MNIST images: expected rank 3 ubyte Nx28x28, found rank 3 ubyte 2x28x27");
  }
  SECTION("images of another type") {
    write_fake_set(dir, "t10k", 1, {1});
    nerve_test::write_gzip(images, [] {
      Bytes b = idx_header(0x0D, {1, 28, 28});
      b.resize(b.size() + 4 * 784);
      return b;
    }());
    CHECK(failure().problem() ==
          "not Fashion-MNIST images: expected rank 3 ubyte Nx28x28, found rank 3 float32 1x28x28");
  }
  SECTION("labels of rank 2") {
    write_fake_set(dir, "t10k", 2, {1, 2});
    nerve_test::write_gzip(labels, [] {
      Bytes b = idx_header(0x08, {2, 1});
      b.insert(b.end(), {1, 2});
      return b;
    }());
    const auto e = failure();
    CHECK(e.path() == labels);
    CHECK(e.problem() == "not Fashion-MNIST labels: expected rank 1 ubyte, found rank 2 ubyte 2x1");
  }
  SECTION("counts that differ") {
    write_fake_set(dir, "t10k", 3, {1, 2, 3, 4});
    const auto e = failure();
    CHECK(e.path() == labels);
    CHECK(e.problem() == "count mismatch: 4 labels, but " + images.string() + " holds 3 images");
    // A limit does not hide it: the counts come from the headers.
    CHECK_THROWS_AS(fashion_mnist::test({.directory = dir.path(), .limit = 1}), io_error);
  }
  SECTION("a label out of range") {
    write_fake_set(dir, "t10k", 4, {0, 9, 12, 3});
    const auto e = failure();
    CHECK(e.path() == labels);
    CHECK(e.problem() == "label out of range: label 12 at index 2 (Fashion-MNIST has 10 classes, 0 to 9)");
    CHECK(std::string(e.what()) == labels.string() + ": " + e.problem());
  }
  SECTION("a truncated image file") {
    write_fake_set(dir, "t10k", 2, {1, 2});
    Bytes b = idx_header(0x08, {2, 28, 28});
    b.resize(b.size() + 1000);
    nerve_test::write_gzip(images, b);
    CHECK(failure().problem() ==
          "truncated: header says 2x28x28 ubyte (1568 bytes of data) but the data ends after 1000 "
          "bytes (decompressed)");
  }
}
