// nerve/io/fashion_mnist.hpp: Fashion-MNIST (Zalando's 28x28 grey clothing images, 10 classes,
// 60000 for training, 10000 for testing) as LabelledData<float, Shape<1, 28, 28>>, pixels in [0, 1].
//
// The files are read from, in this order: Options::directory if set, the folder named by the
// environment variable NERVE_FASHION_MNIST_DIR if set, else /usr/share/datasets/fashion-mnist
// (Debian's dataset-fashion-mnist package). Each file may be gzipped (name.gz, as Debian ships
// them) or not (name). A file that is not what Fashion-MNIST should be is an io_error naming it.
#pragma once

#include <array>
#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint32_t
#include <cstdlib>     // std::getenv
#include <filesystem>  // std::filesystem::path, exists
#include <limits>      // std::numeric_limits
#include <optional>
#include <string>
#include <string_view>
#include <utility>     // std::move
#include <vector>

#include "nerve/io/error.hpp"        // nerve::io_error
#include "nerve/io/idx.hpp"          // nerve::read_idx
#include "nerve/shape/shape.hpp"     // nerve::Shape
#include "nerve/train/dataset.hpp"   // nerve::LabelledData

namespace nerve::fashion_mnist {

using Image = Shape<1, 28, 28>;
using Data = LabelledData<float, Image>;

inline constexpr std::size_t classes = 10;
// class_names[label], in the order of the dataset's labels 0 to 9.
inline constexpr std::array<std::string_view, classes> class_names{
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

inline constexpr std::string_view default_directory = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* directory_variable = "NERVE_FASHION_MNIST_DIR";

struct Options {
  // Where the four files are; empty means $NERVE_FASHION_MNIST_DIR, else default_directory.
  std::filesystem::path directory{};
  // Load only the first `limit` samples (all of them when unset or larger than the file).
  std::optional<std::size_t> limit{};
};

// The folder that train() and test() read with these options.
inline std::filesystem::path directory(const Options& options = {}) {
  if (!options.directory.empty()) return options.directory;
  if (const char* env = std::getenv(directory_variable); env && *env) return env;
  return std::filesystem::path(default_directory);
}

namespace detail {

// name.gz if it exists, else name if it exists.
inline std::optional<std::filesystem::path> locate(const Options& options, std::string_view name) {
  const std::filesystem::path dir = directory(options);
  std::error_code ec;
  if (auto gz = dir / (std::string(name) + ".gz"); std::filesystem::exists(gz, ec)) return gz;
  if (auto plain = dir / std::string(name); std::filesystem::exists(plain, ec)) return plain;
  return std::nullopt;
}

// As locate(), but a missing file is an io_error that says how to get the dataset.
inline std::filesystem::path find_file(const Options& options, std::string_view name) {
  if (auto found = locate(options, name)) return *found;
  const std::filesystem::path gz = directory(options) / (std::string(name) + ".gz");
  const std::filesystem::path plain = directory(options) / std::string(name);
  throw io_error(gz, "missing: no such file (nor " + plain.filename().string() +
                         "); install Debian's dataset-fashion-mnist package, or set " +
                         directory_variable + " or fashion_mnist::Options::directory to a "
                         "folder that holds the Fashion-MNIST files");
}

inline std::string describe(const IdxData& d) {
  return "rank " + std::to_string(d.rank()) + " " + std::string(to_string(d.type)) + " " +
         nerve::detail::dims_string(d.dims);
}

}  // namespace detail

// Reads a pair of Fashion-MNIST-style files: images N x 28 x 28 ubyte, labels N ubyte below 10.
inline Data load(const std::filesystem::path& images_path,
                 const std::filesystem::path& labels_path,
                 std::optional<std::size_t> limit = {}) {
  const IdxOptions read_options{.max_items = limit.value_or(std::numeric_limits<std::size_t>::max())};

  const IdxData labels = read_idx(labels_path, read_options);
  if (labels.type != IdxType::ubyte || labels.rank() != 1) {
    throw io_error(labels_path, "not Fashion-MNIST labels: expected rank 1 ubyte, found " +
                                    detail::describe(labels));
  }
  const IdxData images = read_idx(images_path, read_options);
  if (images.type != IdxType::ubyte || images.rank() != 3 || images.dims[1] != 28 ||
      images.dims[2] != 28) {
    throw io_error(images_path, "not Fashion-MNIST images: expected rank 3 ubyte Nx28x28, found " +
                                    detail::describe(images));
  }
  if (images.items_in_file != labels.items_in_file) {
    throw io_error(labels_path, "count mismatch: " + std::to_string(labels.items_in_file) +
                                    " labels, but " + images_path.string() + " holds " +
                                    std::to_string(images.items_in_file) + " images");
  }

  std::vector<std::uint32_t> label_values(labels.bytes.begin(), labels.bytes.end());
  for (std::size_t i = 0; i < label_values.size(); ++i) {
    if (label_values[i] >= classes) {
      throw io_error(labels_path, "label out of range: label " + std::to_string(label_values[i]) +
                                      " at index " + std::to_string(i) +
                                      " (Fashion-MNIST has 10 classes, 0 to 9)");
    }
  }
  std::vector<float> pixels(images.bytes.size());
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = static_cast<float>(images.bytes[i]) / 255.0f;  // 255 -> exactly 1
  }
  return Data(std::move(pixels), std::move(label_values), classes);
}

// The 60000 training images, or the first options.limit of them.
inline Data train(const Options& options = {}) {
  auto images = detail::find_file(options, "train-images-idx3-ubyte");  // images first: the
  auto labels = detail::find_file(options, "train-labels-idx1-ubyte");  // error names them first
  return load(images, labels, options.limit);
}

// The 10000 test images, or the first options.limit of them.
inline Data test(const Options& options = {}) {
  auto images = detail::find_file(options, "t10k-images-idx3-ubyte");  // images first: the
  auto labels = detail::find_file(options, "t10k-labels-idx1-ubyte");  // error names them first
  return load(images, labels, options.limit);
}

// Whether all four files are where train() and test() would look.
inline bool available(const Options& options = {}) {
  for (std::string_view name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    if (!detail::locate(options, name)) return false;
  }
  return true;
}

}  // namespace nerve::fashion_mnist
