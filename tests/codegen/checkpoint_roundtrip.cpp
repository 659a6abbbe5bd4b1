// nerve checkpoints through nerve-codegen: save_checkpoints.cpp trains and saves the networks of
// roundtrip_models.hpp at build time, the build generates a header from each checkpoint, and
// here each generated network must be the saved one: the same layers (summary names), the same
// arrays, and bit-identical outputs to the network loaded from the checkpoint.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include <nerve/io/checkpoint.hpp>

#include "codegen/roundtrip_models.hpp"
#include "checkpoint_cnn.hpp"
#include "checkpoint_cnn_double.hpp"
#include "checkpoint_language_model.hpp"
#include "checkpoint_mlp.hpp"
#include "checkpoint_one_hot_lm.hpp"

namespace {

template <class Original, class Generated>
void check_round_trip(const Generated& generated, const std::string& file, double id_range) {
  Original original;
  nerve::load(original, std::filesystem::path(NERVE_CODEGEN_DIR) / file);
  CHECK(nerve::checkpoint::architecture<Generated>() == nerve::checkpoint::architecture<Original>());
  REQUIRE(nerve::array_names(generated) == nerve::array_names(original));
  for (const auto& name : nerve::array_names(original)) {
    INFO(name);
    CHECK(nerve::read_array(generated, name) == nerve::read_array(original, name));
  }
  using T = typename Original::value_type;
  typename Original::template Workspace<1> wo;
  typename Generated::template Workspace<1> wg;
  for (int s = 0; s < 4; ++s) {
    std::vector<T> x(Original::input_shape_t::size);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double u = static_cast<double>((i * 7919 + static_cast<std::size_t>(s) * 104729) % 1000) / 1000.0;
      x[i] = static_cast<T>(id_range > 0 ? std::floor(u * id_range) : 2 * u - 1);
    }
    const auto yo = original(x.data(), wo);
    const auto yg = generated(x.data(), wg);
    for (std::size_t j = 0; j < Original::output_shape_t::size; ++j) CHECK(yg.data()[j] == yo.data()[j]);
  }
}

}  // namespace

TEST_CASE("codegen: a trained CNN's checkpoint becomes the same network", "[codegen][checkpoint]") {
  check_round_trip<roundtrip::cnn>(checkpoint_cnn::make(), "cnn.safetensors", 0);
}
TEST_CASE("codegen: a double network's checkpoint stays double", "[codegen][checkpoint]") {
  STATIC_REQUIRE(std::is_same_v<checkpoint_cnn_double::network::value_type, double>);
  check_round_trip<roundtrip::cnn_double>(checkpoint_cnn_double::make(), "cnn_double.safetensors", 0);
}
TEST_CASE("codegen: a recurrent language model's checkpoint becomes the same network",
          "[codegen][checkpoint]") {
  check_round_trip<roundtrip::language_model>(checkpoint_language_model::make(), "language_model.safetensors", 13);
}
TEST_CASE("codegen: an MLP with LayerNorm's checkpoint becomes the same network", "[codegen][checkpoint]") {
  check_round_trip<roundtrip::mlp>(checkpoint_mlp::make(), "mlp.safetensors", 0);
}
TEST_CASE("codegen: a recurrent layer reading token ids as one-hot rows (OneHot) round-trips",
          "[codegen][checkpoint]") {
  check_round_trip<roundtrip::one_hot_lm>(checkpoint_one_hot_lm::make(), "one_hot_lm.safetensors", 11);
}
