// ONNX models exported from PyTorch (tests/torch/make_onnx_fixtures.py; the .onnx files and
// PyTorch's outputs are committed in tests/data/onnx/) through nerve-codegen: the build generates
// a header from each model, and each generated network must give PyTorch's outputs for the
// reference inputs, fed as the same buffers PyTorch was fed (relative 1e-5).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#define NERVE_GOLDEN_FIXTURES(X) \
  X(mlp) X(mlp_dynamic_batch) X(cnn) X(cnn_unfolded) X(gap) X(lstm) X(gru_last) X(rnn_seq_first) \
  X(lstm_hn) X(lstm_stacked) X(embedding_lstm) X(layer_norm) X(cnn_functional) X(gap_mean) \
  X(avg_exclude_pad) X(ceil_pool) X(grouped_conv) X(depthwise_block)

#include "onnx_avg_exclude_pad.hpp"
#include "onnx_ceil_pool.hpp"
#include "onnx_cnn.hpp"
#include "onnx_cnn_functional.hpp"
#include "onnx_cnn_unfolded.hpp"
#include "onnx_depthwise_block.hpp"
#include "onnx_embedding_lstm.hpp"
#include "onnx_gap.hpp"
#include "onnx_gap_mean.hpp"
#include "onnx_grouped_conv.hpp"
#include "onnx_gru_last.hpp"
#include "onnx_layer_norm.hpp"
#include "onnx_lstm.hpp"
#include "onnx_lstm_hn.hpp"
#include "onnx_lstm_stacked.hpp"
#include "onnx_mlp.hpp"
#include "onnx_mlp_dynamic_batch.hpp"
#include "onnx_rnn_seq_first.hpp"

#include "data/onnx/avg_exclude_pad_reference.hpp"
#include "data/onnx/ceil_pool_reference.hpp"
#include "data/onnx/cnn_functional_reference.hpp"
#include "data/onnx/cnn_reference.hpp"
#include "data/onnx/cnn_unfolded_reference.hpp"
#include "data/onnx/depthwise_block_reference.hpp"
#include "data/onnx/embedding_lstm_reference.hpp"
#include "data/onnx/gap_mean_reference.hpp"
#include "data/onnx/gap_reference.hpp"
#include "data/onnx/grouped_conv_reference.hpp"
#include "data/onnx/gru_last_reference.hpp"
#include "data/onnx/layer_norm_reference.hpp"
#include "data/onnx/lstm_hn_reference.hpp"
#include "data/onnx/lstm_reference.hpp"
#include "data/onnx/lstm_stacked_reference.hpp"
#include "data/onnx/mlp_dynamic_batch_reference.hpp"
#include "data/onnx/mlp_reference.hpp"
#include "data/onnx/rnn_seq_first_reference.hpp"

namespace {

// The worst |got - want| / max(|want|, 0.1 max|want|) over every sample's output (the scale of the
// array for outputs that cancel to near zero; tests/torch/models.py explains the floor).
template <class Net>
double worst_relative_error(const Net& net, const double* input, const double* output, int samples,
                            int input_size, int output_size) {
  typename Net::template Workspace<1> ws;
  double scale = 0;
  for (int i = 0; i < samples * output_size; ++i) scale = std::max(scale, std::abs(output[i]));
  double worst = 0;
  for (int s = 0; s < samples; ++s) {
    std::vector<typename Net::value_type> x(static_cast<std::size_t>(input_size));
    for (int i = 0; i < input_size; ++i) x[static_cast<std::size_t>(i)] = static_cast<typename Net::value_type>(input[s * input_size + i]);
    const auto y = net(x.data(), ws);
    for (int j = 0; j < output_size; ++j) {
      const double want = output[s * output_size + j];
      worst = std::max(worst, std::abs(static_cast<double>(y.data()[j]) - want) / std::max(std::abs(want), 0.1 * scale));
    }
  }
  return worst;
}

}  // namespace

#define NERVE_GOLDEN_TEST(name)                                                                     \
  TEST_CASE("codegen: " #name ".onnx through a generated header gives PyTorch's outputs",          \
            "[codegen][onnx]") {                                                                    \
    namespace ref = onnx_fixtures::name;                                                            \
    using net_type = onnx_##name::network;                                                          \
    STATIC_REQUIRE(net_type::input_shape_t::size == ref::input_size);                              \
    STATIC_REQUIRE(net_type::output_shape_t::size == ref::output_size);                            \
    const net_type net = onnx_##name::make();                                                       \
    const double worst = worst_relative_error(net, ref::input, ref::output, ref::samples,          \
                                              ref::input_size, ref::output_size);                   \
    INFO(#name ".onnx");                                                                            \
    CHECK(worst < 1e-5);                                                                            \
  }
NERVE_GOLDEN_FIXTURES(NERVE_GOLDEN_TEST)
