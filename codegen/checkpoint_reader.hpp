// codegen/checkpoint_reader.hpp: a nerve checkpoint (nerve/io/checkpoint.hpp) as a model: the
// network's type rebuilt from the architecture in its __metadata__ (the layers as summary() names
// them), its arrays by their PyTorch names. A safetensors file without nerve's metadata (one
// PyTorch wrote) has no architecture to rebuild: export that model to ONNX instead.
#pragma once

#include <string>

#include "model.hpp"

namespace nerve_codegen {

model read_checkpoint(const std::string& path);

// One layer's nerve type from its summary() name ("Conv2D<6, 5x5, pad 2,2,2,2>" ->
// "nerve::Conv2D<6, nerve::Kernel<5, 5>, nerve::Pad<2, 2, 2, 2>>"); throws codegen_error for a name
// that is not one of nerve's layers. The given name of a Named layer is returned in given_name.
std::string type_of_layer_name(const std::string& name, std::string& given_name);

}  // namespace nerve_codegen
