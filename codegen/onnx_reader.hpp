// codegen/onnx_reader.hpp: an ONNX model (as PyTorch's torch.onnx.export and Keras' exporters
// write them) as a model: a chain of the ops nerve has a layer for, each turned into that layer
// with its weights converted to PyTorch's layout (ONNX's LSTM gates i, o, f, c become PyTorch's
// i, f, g, o; GRU's z, r, h become r, z, n; a MatMul's [in, out] weight becomes [out, in]).
//
// Read: Gemm, MatMul (+ Add of a constant bias), Relu, LeakyRelu, Sigmoid, Tanh, Softmax (last
// axis), Conv, MaxPool, AveragePool (and the Pad PyTorch puts before it), GlobalAveragePool (or
// ReduceMean over height and width),
// Flatten, Reshape used as a flatten, BatchNormalization, LayerNormalization, Dropout and Identity
// (nothing at inference), LSTM, GRU, RNN (forward, zero initial state), Gather (an Embedding, or
// the last step of a recurrent layer's output), and the ops that only reshape without moving data
// (Squeeze, Transpose of size-1 axes, ...). The shape glue PyTorch emits (Shape, Gather,
// Unsqueeze, Concat, Expand, ConstantOfShape, Constant) is evaluated where an op needs its value
// (a zero initial state, a flatten's target shape).
//
// Anything else (an op or attribute nerve lacks, a branch, a dynamic shape other than the batch)
// throws codegen_error naming the node, the op and why.
#pragma once

#include <string>

#include "model.hpp"

namespace nerve_codegen {

model read_onnx(const std::string& path);

// The same from the file's bytes (name stands for the file in messages): for tests and fuzzing.
model read_onnx_bytes(const std::string& bytes, const std::string& name);

}  // namespace nerve_codegen
