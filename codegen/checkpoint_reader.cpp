// codegen/checkpoint_reader.cpp: see checkpoint_reader.hpp.
#include "checkpoint_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <system_error>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "nerve/io/checkpoint.hpp"  // nerve::checkpoint::read_file, values_of; nerve::io_error

namespace nerve_codegen {

namespace {

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  std::size_t i = 0;
  for (;;) {
    const std::size_t j = s.find(sep, i);
    out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) return out;
    i = j + sep.size();
  }
}

// "5x5" -> "5, 5"
std::string pair_of(const std::string& hxw) {
  const auto x = hxw.find('x');
  return x == std::string::npos ? hxw + ", " + hxw : hxw.substr(0, x) + ", " + hxw.substr(x + 1);
}

// The arguments of a pooling layer's name ("3, Stride<2>, Pad<1>", "Kernel<3, 2>, Stride<1>")
// as C++ template arguments: the kernel is a value (an integer, or a Kernel{} with braces).
std::string pool_arguments(const std::string& args) {
  static const std::regex kernel_first(R"(^(\d+|Kernel<\d+, \d+>)(.*)$)");
  std::smatch m;
  if (!std::regex_match(args, m, kernel_first)) return {};
  std::string out = m[1].str()[0] == 'K' ? "nerve::" + m[1].str() + "{}" : m[1].str();
  return out + std::regex_replace(m[2].str(), std::regex(R"(\b(Stride|Pad|Same|Valid|ExcludePad|IncludePad|CeilMode|FloorMode|Divisor)\b)"), "nerve::$1");
}

std::string conv_type(const std::string& args) {
  // "6, 5x5[, stride 2|2x1][, same|pad 1,1,1,1][, dilation 2x2][, groups 2][, NoBias][, initializer]"
  const auto parts = split(args, ", ");
  std::string out = "nerve::Conv2D<" + parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (i == 1) out += ", nerve::Kernel<" + pair_of(p) + ">";
    else if (p.rfind("stride ", 0) == 0) out += ", nerve::Stride<" + pair_of(p.substr(7)) + ">";
    else if (p == "same") out += ", nerve::Same";
    else if (p.rfind("pad ", 0) == 0) out += ", nerve::Pad<" + std::regex_replace(p.substr(4), std::regex(","), ", ") + ">";
    else if (p.rfind("dilation ", 0) == 0) out += ", nerve::Dilation<" + pair_of(p.substr(9)) + ">";
    else if (p.rfind("groups ", 0) == 0) {
      if (p.size() == 7 || p.find_first_not_of("0123456789", 7) != std::string::npos) return {};  // not a count
      out += ", nerve::Groups<" + p.substr(7) + ">";
    }
    else if (p == "NoBias") out += ", nerve::NoBias";
    // an initializer's name: irrelevant to given weights
  }
  return out + ">";
}

// A dimension of the architecture or the shape signature: digits only, at least 1, and small
// enough for a network (the file is outside data: no exception of std::stoul may escape).
std::size_t dimension(const std::string& path, const std::string& text, const std::string& where) {
  std::size_t i = text.find_first_not_of(' ');
  const std::size_t end = text.find_last_not_of(' ');
  std::size_t value = 0;
  const char* first = i == std::string::npos ? text.data() + text.size() : text.data() + i;
  const char* last = end == std::string::npos ? first : text.data() + end + 1;
  const auto r = std::from_chars(first, last, value);
  constexpr std::size_t largest = std::size_t{1} << 31;
  if (first == last || r.ec != std::errc{} || r.ptr != last || value == 0 || value > largest) {
    throw codegen_error(path + ": " + where + ": \"" + text + "\" is not a size (a whole number from 1 to 2^31)");
  }
  return value;
}

// The numbers of a name's arguments ("0.2, 0.001"), each a finite number.
bool finite_numbers(const std::string& args) {
  for (const auto& part : split(args, ",")) {
    const std::size_t i = part.find_first_not_of(' ');
    if (i == std::string::npos) return false;
    double v = 0;
    const auto r = std::from_chars(part.data() + i, part.data() + part.size(), v);
    if (r.ec != std::errc{} || r.ptr != part.data() + part.size() || !std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace

std::string type_of_layer_name(const std::string& full, std::string& given_name) {
  // A layer's name is short; a long one is not nerve's (and std::regex recurses per character).
  if (full.size() > 256) {
    throw codegen_error("a layer name of " + std::to_string(full.size()) + " characters is not one of nerve's layers");
  }
  static const std::regex named(R"re(^(.*) as "([A-Za-z0-9_.-]+)"$)re");
  std::smatch m;
  std::string name = full;
  given_name.clear();
  if (std::regex_match(full, m, named)) {
    name = m[1].str();
    given_name = m[2].str();
  }
  std::string type;
  static const std::regex plain(R"(^(ReLU|Sigmoid|Tanh|Softmax|Flatten|GlobalAvgPool|Affine|BatchNorm|LayerNorm)$)");
  static const std::regex numeric(R"(^(LeakyReLU|Dropout|BatchNorm|LayerNorm|Embedding)<([-0-9.e+, ]+)>$)");
  static const std::regex dense(R"(^Dense<(\d+)((, [A-Za-z_]+)*)>$)");
  static const std::regex recurrent(R"(^(LSTM|GRU|SimpleRNN)<(\d+)(, OneHot<(\d+)>)?(, LastStep)?>$)");
  static const std::regex pool(R"(^(MaxPool|AvgPool)<(.*)>$)");
  static const std::regex conv(R"(^Conv2D<(\d+, \d+x\d+.*)>$)");
  static const std::regex padded_embedding(R"(^Embedding<(\d+), (\d+), PaddingIdx<(-?\d+)>>$)");
  if (std::regex_match(name, m, numeric) && !finite_numbers(m[2].str())) {
    type.clear();  // "LeakyReLU<1e999>": not a name nerve writes
  } else if (std::regex_match(name, m, plain) || std::regex_match(name, m, numeric)) {
    const bool templated = m[1] == "BatchNorm" || m[1] == "LayerNorm";  // all arguments defaulted
    type = "nerve::" + m[1].str() + (m.size() > 2 && m[2].matched ? "<" + m[2].str() + ">" : templated ? "<>" : "");
  } else if (std::regex_match(name, m, dense)) {
    type = "nerve::Dense<" + m[1].str() + (m[2].str().find("NoBias") != std::string::npos ? ", nerve::NoBias" : "") + ">";
  } else if (std::regex_match(name, m, recurrent)) {
    type = "nerve::" + m[1].str() + "<" + m[2].str() +
           (m[3].matched ? ", nerve::OneHot<" + m[4].str() + ">" : "") +
           (m[5].matched ? ", nerve::LastStep" : "") + ">";
  } else if (std::regex_match(name, m, pool)) {
    const std::string args = pool_arguments(m[2].str());
    if (!args.empty()) type = "nerve::" + m[1].str() + "<" + args + ">";
  } else if (std::regex_match(name, m, padded_embedding)) {
    type = "nerve::Embedding<" + m[1].str() + ", " + m[2].str() + ", nerve::PaddingIdx<" + m[3].str() + ">>";
  } else if (std::regex_match(name, m, conv)) {
    type = conv_type(m[1].str());
  }
  if (type.empty()) {
    throw codegen_error("\"" + name + "\" is not one of nerve's layers (a layer of your own, or an "
                        "Activation<expression>?): nerve-codegen rebuilds nerve's own layers only");
  }
  if (!given_name.empty()) type = "nerve::Named<\"" + given_name + "\", " + type + ">";
  return type;
}

model read_checkpoint(const std::string& path) {
  namespace ck = nerve::checkpoint;
  const ck::file_contents c = ck::read_file(path);  // checks the header, the arrays' bounds, the checksum
  if (!c.nerve || !c.metadata.count("architecture")) {
    throw codegen_error(path + ": a safetensors file without nerve's metadata (no architecture to "
                        "rebuild the network from); a model trained in PyTorch goes through ONNX "
                        "(torch.onnx.export), or load these weights into a nerve network and save that");
  }
  model out;
  out.source = path;
  out.kind = "nerve checkpoint";
  const std::string scalar = c.metadata.count("scalar_type") ? c.metadata.at("scalar_type") : "";
  if (scalar == "float32") out.scalar = "float";
  else if (scalar == "float64") out.scalar = "double";
  else throw codegen_error(path + ": scalar_type \"" + scalar + "\": nerve networks are float32 or float64");

  const auto entries = split(c.metadata.at("architecture"), " | ");
  static const std::regex input(R"(^Input<([\d, ]+)>$)");
  std::smatch m;
  if (!std::regex_match(entries[0], m, input)) {
    throw codegen_error(path + ": the architecture does not start with Input<...>: \"" + entries[0] + "\"");
  }
  for (const auto& d : split(m[1].str(), ",")) out.input.push_back(dimension(path, d, "the architecture's Input"));

  if (entries.size() < 2) throw codegen_error(path + ": the architecture has no layer after Input");
  std::map<std::string, std::size_t> module_entry;  // "3" or a given name -> entry index
  for (std::size_t i = 1; i < entries.size(); ++i) {
    std::string given;
    layer l;
    try {
      l.type = type_of_layer_name(entries[i], given);
    } catch (const codegen_error& e) {
      throw codegen_error(path + ": entry " + std::to_string(i) + ": " + e.what());
    }
    l.origin = "\"" + entries[i] + "\"";
    module_entry[given.empty() ? std::to_string(i - 1) : given] = i;
    out.layers.push_back(std::move(l));
  }

  for (const auto& [key, record] : c.arrays) {
    if (key.rfind(ck::optimizer_prefix, 0) == 0) continue;  // a trainer's state: not the model
    const auto dot = key.find('.');
    const auto it = dot == std::string::npos ? module_entry.end() : module_entry.find(key.substr(0, dot));
    if (it == module_entry.end()) {
      throw codegen_error(path + ": array \"" + key + "\" belongs to no entry of the architecture");
    }
    array a;
    a.name = key.substr(dot + 1);
    a.shape = record.shape;
    a.values = ck::values_of<double>(c, record);
    out.layers[it->second - 1].arrays.push_back(std::move(a));
  }

  // "input (1, 28, 28) output (10,) parameters 44426"
  static const std::regex signature(R"(output \(([\d, ]+)\))");
  if (c.metadata.count("shape_signature") && std::regex_search(c.metadata.at("shape_signature"), m, signature)) {
    for (const auto& d : split(m[1].str(), ",")) {
      if (d.find_first_not_of(' ') != std::string::npos) out.output.push_back(dimension(path, d, "the shape signature's output"));
    }
  }
  out.notes.push_back("The input and output are laid out as nerve's (and PyTorch's): images (channels, "
                      "height, width), sequences (steps, features).");
  return out;
}

}  // namespace nerve_codegen
