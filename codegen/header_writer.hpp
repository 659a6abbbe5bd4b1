// codegen/header_writer.hpp: a model (model.hpp) as a standalone C++ header:
//
//   namespace NS {
//   using network = nerve::BasicNetwork<float, nerve::Input<...>, ...>;
//   namespace weights { inline constexpr float entry1_weight[...] = {...}; ... }
//   inline network make();   // a network with those weights written in
//   }
//
// Values are printed in the shortest form that reads back to the same float (or double), so the
// generated network computes with exactly the source's weights.
#pragma once

#include <string>

#include "model.hpp"

namespace nerve_codegen {

// The header's text. ns is the namespace to declare everything in (a C++ name, possibly
// qualified: "models::lenet").
std::string write_header(const model& m, const std::string& ns);

// Whether ns is a namespace name the header can use ("a", "a::b"; identifiers only).
bool valid_namespace(const std::string& ns);

}  // namespace nerve_codegen
