// codegen/model.hpp: what nerve-codegen reads a model into, whatever the source: the network's
// layers as nerve's C++ types, each with its arrays in PyTorch's names and layouts (the layouts
// nerve::write_array takes), and the input's shape. The readers (checkpoint_reader.hpp,
// onnx_reader.hpp) fill it; header_writer.hpp turns it into a header.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace nerve_codegen {

// Everything that stops a model from becoming a header: the message names the input file, and
// the node, layer or array, and why. main() prints it and writes no file.
struct codegen_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct array {
  std::string name;                 // the layer's own name for it: "weight", "weight_ih_l0", ...
  std::vector<std::size_t> shape;   // PyTorch's shape
  std::vector<double> values;       // row-major over shape (exact for float and double sources)
};

struct layer {
  std::string type;           // nerve's type, spelled in full: "nerve::Dense<7>"
  std::string origin;         // where it came from, for the header's comments: "node /0/Gemm (Gemm)"
  std::vector<array> arrays;  // written into the network by make()
};

struct model {
  std::string source;                 // the input file, as given
  std::string kind;                   // "nerve checkpoint" or "ONNX model"
  std::string scalar = "float";       // "float" or "double"
  std::vector<std::size_t> input;     // nerve's Input<...> dims
  std::vector<std::size_t> output;    // the output's dims (a check, and the header's comment)
  std::vector<layer> layers;          // after Input, in order
  std::vector<std::string> notes;     // facts for the header's opening comment (layouts, dropped ops)
};

inline std::string dims_text(const std::vector<std::size_t>& dims, const char* sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? sep : "") + std::to_string(dims[i]);
  return out;
}

}  // namespace nerve_codegen
