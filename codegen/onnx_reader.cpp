// codegen/onnx_reader.cpp: see onnx_reader.hpp.
//
// The walk: from the graph's one input, follow the one node that consumes the current tensor,
// turn it into nerve layers (or nothing, for an op that only reshapes), and go on from its output
// until the graph's output. Along the way the current tensor's ONNX shape is known, each axis
// tagged as the batch (size 1 here: nerve's network is per sample), an extra axis of size 1
// (a recurrent op's direction axis) or an axis of the sample. nerve's shape is the sample's axes,
// in order: with a batch of one, ONNX's element order is then nerve's, so an op that moves only
// size-1 axes moves no data, and the generated network reads the buffer PyTorch reads.
#include "onnx_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "nerve/shape/window.hpp"  // nerve::window_axis: the pooling output rule

namespace nerve_codegen {

namespace {

struct tensor_value {
  std::vector<long> dims;
  std::vector<double> values;
};

std::string shortest(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, r.ptr);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

std::string list_text(const std::vector<long>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

// Sizes from a file are checked against these before any arithmetic or allocation uses them
// (a broken or hostile file must give an error, not an overflow or a 10^18-element vector).
constexpr long max_dim = 1L << 31;           // one dimension, pad, stride, hidden size, ...
constexpr long max_elements = 1L << 31;      // the elements of one tensor of the file
constexpr long max_glue_elements = 1L << 24;  // a tensor the reader makes (ConstantOfShape, Expand)
constexpr std::size_t max_glue_depth = 1000;        // nested shape-glue evaluations

// The product of dims, saturating at the largest long (so that a comparison with it fails
// instead of a multiplication overflowing).
long product(const std::vector<long>& v) {
  long p = 1;
  for (const long d : v) {
    if (__builtin_mul_overflow(p, d, &p)) return std::numeric_limits<long>::max();
  }
  return p;
}

class reader {
 public:
  reader(const std::string& path, const onnx::ModelProto& m) : path_(path), model_(m), g_(m.graph()) {}

  model read();

 private:
  // ---- errors ----
  [[noreturn]] void fail(const std::string& why) const { throw codegen_error(path_ + ": " + why); }
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& why) const {
    fail("node '" + node_name(n) + "' (" + n.op_type() + "): " + why);
  }
  std::string node_name(const onnx::NodeProto& n) const {
    if (!n.name().empty()) return n.name();
    return n.output_size() ? n.output(0) : "#?";
  }

  // n's input i, or an error if n has fewer inputs (a node of a broken file).
  const std::string& input(const onnx::NodeProto& n, int i) const {
    if (i >= n.input_size()) fail(n, "input " + std::to_string(i) + " is missing (the node has " + std::to_string(n.input_size()) + ")");
    return n.input(i);
  }
  const std::string& output(const onnx::NodeProto& n, int i) const {
    if (i >= n.output_size()) fail(n, "output " + std::to_string(i) + " is missing (the node has " + std::to_string(n.output_size()) + ")");
    return n.output(i);
  }
  // A value of a constant used as an integer (an index, an axis, a size), or an error when it is
  // none (NaN, a fraction, out of long's range: converting such a double to long is undefined).
  long to_long(double v, const onnx::NodeProto& n, const char* what) const {
    if (!(v >= -9.0e15 && v <= 9.0e15) || v != std::trunc(v)) fail(n, std::string(what) + " " + (std::isfinite(v) ? shortest(static_cast<float>(v)) : std::isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf") + " is not an integer");
    return static_cast<long>(v);
  }
  std::vector<long> to_longs(const std::vector<double>& v, const onnx::NodeProto& n, const char* what) const {
    std::vector<long> out;
    for (const double d : v) out.push_back(to_long(d, n, what));
    return out;
  }
  // The first value of a constant, or an error when it has none.
  double first_value(const tensor_value& v, const onnx::NodeProto& n, const char* what) const {
    if (v.values.empty()) fail(n, std::string(what) + " is an empty tensor");
    return v.values[0];
  }
  // Each of v in [low, max_dim], or an error naming what they are.
  void check_range(const std::vector<long>& v, long low, const onnx::NodeProto& n, const char* what) const {
    for (const long x : v) {
      if (x < low || x > max_dim) fail(n, std::string(what) + " " + list_text(v) + ": each must be in [" + std::to_string(low) + ", 2^31]");
    }
  }

  // ---- attributes ----
  const onnx::AttributeProto* attribute(const onnx::NodeProto& n, const std::string& name) const {
    for (const auto& a : n.attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  long attr_int(const onnx::NodeProto& n, const std::string& name, long fallback) const {
    const auto* a = attribute(n, name);
    return a ? static_cast<long>(a->i()) : fallback;
  }
  float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) const {
    const auto* a = attribute(n, name);
    return a ? a->f() : fallback;
  }
  std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) const {
    const auto* a = attribute(n, name);
    return a ? a->s() : fallback;
  }
  std::vector<long> attr_ints(const onnx::NodeProto& n, const std::string& name, std::vector<long> fallback) const {
    const auto* a = attribute(n, name);
    if (!a) return fallback;
    return std::vector<long>(a->ints().begin(), a->ints().end());
  }
  // Every attribute of n is one the handler reads: an attribute nerve knows nothing of is an error,
  // not something to ignore.
  void only_attributes(const onnx::NodeProto& n, std::initializer_list<const char*> known) const {
    for (const auto& a : n.attribute()) {
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return a.name() == k; })) {
        fail(n, "attribute '" + a.name() + "' is not one nerve-codegen reads");
      }
    }
  }

  // ---- constants and shape glue ----
  tensor_value from_tensor(const onnx::TensorProto& t) const;
  const tensor_value& value_of(const std::string& name, const onnx::NodeProto& user);
  bool is_constant(const std::string& name);
  tensor_value evaluate(const onnx::NodeProto& n);

  // ---- the walk ----
  struct current {
    std::string tensor;
    std::vector<long> dims;  // ONNX's shape, batch included
    std::string tags;        // per axis: 'b' batch, 'x' extra (size 1), 's' the sample's
    std::vector<long> sample() const {
      std::vector<long> out;
      for (std::size_t i = 0; i < dims.size(); ++i) {
        if (tags[i] == 's') out.push_back(dims[i]);
      }
      return out;
    }
  };
  static const std::set<std::string>& known_ops() {
    static const std::set<std::string> ops{"Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Sigmoid", "Tanh",
                                           "Softmax", "Conv", "MaxPool", "AveragePool", "Pad", "GlobalAveragePool", "ReduceMean",
                                           "Flatten", "Reshape", "BatchNormalization", "LayerNormalization",
                                           "Dropout", "Identity", "LSTM", "GRU", "RNN", "Gather", "Squeeze",
                                           "Unsqueeze", "Transpose"};
    return ops;
  }
  [[noreturn]] void unknown_op(const onnx::NodeProto& n) const {
    fail(n, "an op nerve has no layer for (nerve-codegen reads Gemm, MatMul, Add after MatMul, Relu, LeakyRelu, "
            "Sigmoid, Tanh, Softmax, Conv, MaxPool, AveragePool, Pad, GlobalAveragePool, ReduceMean over (H, W), Flatten, "
            "Reshape as a flatten, BatchNormalization, LayerNormalization, Dropout, Identity, LSTM, GRU, RNN, Gather, Squeeze, "
            "Transpose; docs/codegen.md)");
  }
  std::vector<int> consumers(const std::string& tensor) const;
  int only_consumer(const std::string& tensor, const onnx::NodeProto* after) const;
  void unused_outputs(const onnx::NodeProto& n, int from) const;
  void emit(const onnx::NodeProto& n, std::string type, std::vector<array> arrays = {});

  void dense(const onnx::NodeProto& n, current& c, std::vector<double> w_kn, long k, long units,
             std::vector<double> bias, bool has_bias);
  void conv(const onnx::NodeProto& n, current& c, std::vector<long> extra_pads);
  void pool(const onnx::NodeProto& n, current& c, std::vector<long> extra_pads);
  void recurrent(const onnx::NodeProto& n, current& c);
  void flatten_to(const onnx::NodeProto& n, current& c);
  void step(const onnx::NodeProto& n, current& c);

  std::string path_;
  const onnx::ModelProto& model_;
  const onnx::GraphProto& g_;
  long opset_ = 0;
  std::map<std::string, const onnx::TensorProto*> initializers_;
  std::map<std::string, int> producer_;
  std::map<std::string, tensor_value> evaluated_;
  std::set<std::string> evaluating_;  // the constants being evaluated, outermost first
  std::map<std::string, std::vector<long>> data_dims_;  // the shape of each data tensor walked
  std::set<std::string> data_;                          // tensors computed from the input
  std::vector<bool> visited_;
  std::string output_name_;
  model out_;
  // The recurrent layer emitted last, while nothing has followed it: a Gather of its last step
  // makes it LastStep.
  long open_recurrent_ = -1;
  std::string recurrent_type_;  // "nerve::LSTM<7" without the closing options
  bool element_type_integer_ = false;
};

tensor_value reader::from_tensor(const onnx::TensorProto& t) const {
  tensor_value v;
  v.dims.assign(t.dims().begin(), t.dims().end());
  const long n = product(v.dims);
  if (std::any_of(v.dims.begin(), v.dims.end(), [](long d) { return d < 0 || d > max_dim; }) || n > max_elements) {
    fail("tensor '" + t.name() + "' has the shape " + list_text(v.dims) + " (a dimension below 0 or above 2^31, or more than 2^31 elements)");
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    fail("tensor '" + t.name() + "' keeps its data in an external file; export the model with its "
         "weights inside (torch.onnx.export does for models under 2 GB)");
  }
  const std::string& raw = t.raw_data();
  auto read_raw = [&](auto sample) {
    using S = decltype(sample);
    if (raw.size() != static_cast<std::size_t>(n) * sizeof(S)) {
      fail("tensor '" + t.name() + "' has " + std::to_string(raw.size()) + " bytes of data, its shape " +
           list_text(v.dims) + " needs " + std::to_string(n * static_cast<long>(sizeof(S))));
    }
    v.values.resize(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) {
      S s;
      std::memcpy(&s, raw.data() + i * static_cast<long>(sizeof(S)), sizeof(S));
      v.values[static_cast<std::size_t>(i)] = static_cast<double>(s);
    }
  };
  auto copy = [&](const auto& field) {
    if (static_cast<long>(field.size()) != n) {
      fail("tensor '" + t.name() + "' has " + std::to_string(field.size()) + " values, its shape " +
           list_text(v.dims) + " needs " + std::to_string(n));
    }
    v.values.assign(field.begin(), field.end());
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      raw.empty() && n ? copy(t.float_data()) : read_raw(float{});
      break;
    case onnx::TensorProto::DOUBLE:
      raw.empty() && n ? copy(t.double_data()) : read_raw(double{});
      break;
    case onnx::TensorProto::INT64:
      raw.empty() && n ? copy(t.int64_data()) : read_raw(std::int64_t{});
      break;
    case onnx::TensorProto::INT32:
      raw.empty() && n ? copy(t.int32_data()) : read_raw(std::int32_t{});
      break;
    default:
      fail("tensor '" + t.name() + "' has ONNX element type " + std::to_string(t.data_type()) +
           ": nerve-codegen reads float, double, int64 and int32 tensors");
  }
  return v;
}

bool reader::is_constant(const std::string& name) {
  if (name.empty() || data_.count(name)) return false;
  return initializers_.count(name) || producer_.count(name);
}

const tensor_value& reader::value_of(const std::string& name, const onnx::NodeProto& user) {
  if (auto it = evaluated_.find(name); it != evaluated_.end()) return it->second;
  if (data_.count(name)) fail(user, "input '" + name + "' is computed from the network's input; nerve-codegen needs it to be a constant");
  if (auto it = initializers_.find(name); it != initializers_.end()) {
    return evaluated_[name] = from_tensor(*it->second);
  }
  auto p = producer_.find(name);
  if (p == producer_.end()) fail(user, "input '" + name + "' is neither a constant nor computed in the graph");
  const auto& n = g_.node(p->second);
  // A graph whose constants depend on themselves has no value to find (and would recurse forever).
  if (!evaluating_.insert(name).second) fail(n, "computes '" + name + "' from itself: the graph has a cycle");
  if (evaluating_.size() > max_glue_depth) fail(n, "shape glue nested more than " + std::to_string(max_glue_depth) + " nodes deep");
  tensor_value v = evaluate(n);
  evaluating_.erase(name);
  return evaluated_[name] = std::move(v);
}

// The shape glue: small integer computations on shapes and constants.
tensor_value reader::evaluate(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  tensor_value v;
  if (op == "Constant") {
    if (const auto* a = attribute(n, "value")) return from_tensor(a->t());
    if (const auto* a = attribute(n, "value_float")) return {{}, {a->f()}};
    if (const auto* a = attribute(n, "value_int")) return {{}, {static_cast<double>(a->i())}};
    if (const auto* a = attribute(n, "value_ints")) {
      v.dims = {a->ints_size()};
      v.values.assign(a->ints().begin(), a->ints().end());
      return v;
    }
    if (const auto* a = attribute(n, "value_floats")) {
      v.dims = {a->floats_size()};
      v.values.assign(a->floats().begin(), a->floats().end());
      return v;
    }
    fail(n, "a Constant of a kind nerve-codegen does not read");
  }
  if (op == "Shape") {
    auto it = data_dims_.find(input(n, 0));
    if (it == data_dims_.end()) fail(n, "the shape of '" + input(n, 0) + "' is not known where it is asked for");
    v.dims = {static_cast<long>(it->second.size())};
    v.values.assign(it->second.begin(), it->second.end());
    return v;
  }
  if (op == "Cast" || op == "Identity") return value_of(input(n, 0), n);
  if (op == "Gather") {
    const tensor_value& data = value_of(input(n, 0), n);
    const tensor_value& index = value_of(input(n, 1), n);
    if (data.dims.size() != 1 || attr_int(n, "axis", 0) != 0) fail(n, "a Gather on shapes of rank other than 1");
    v.dims = index.dims;
    for (const double i : index.values) {
      long k = to_long(i, n, "index");
      if (k < 0) k += data.dims[0];
      if (k < 0 || k >= data.dims[0]) fail(n, "index " + std::to_string(to_long(i, n, "index")) + " out of range");
      v.values.push_back(data.values[static_cast<std::size_t>(k)]);
    }
    return v;
  }
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Reshape" || op == "Flatten") {
    v = value_of(input(n, 0), n);  // a shape's values do not move: only its dims
    v.dims = {static_cast<long>(v.values.size())};
    if (op == "Unsqueeze" && value_of(input(n, 0), n).dims.empty()) v.dims = {1};
    return v;
  }
  if (op == "Concat") {
    for (const auto& in : n.input()) {
      const tensor_value& part = value_of(in, n);
      if (part.dims.size() > 1) fail(n, "a Concat of shapes of rank other than 1");
      v.values.insert(v.values.end(), part.values.begin(), part.values.end());
    }
    v.dims = {static_cast<long>(v.values.size())};
    return v;
  }
  if (op == "ConstantOfShape" || op == "Expand") {
    // A tensor of one value repeated: all a zero initial state needs.
    const tensor_value& shape = value_of(input(n, op == "Expand" ? 1 : 0), n);
    double fill = 0;
    if (op == "Expand") {
      const tensor_value& x = value_of(input(n, 0), n);
      if (x.values.empty() || std::any_of(x.values.begin(), x.values.end(), [&](double e) { return e != x.values[0]; })) {
        fail(n, "an Expand of a tensor that is not one value repeated");
      }
      fill = x.values[0];
    } else if (const auto* a = attribute(n, "value")) {
      fill = first_value(from_tensor(a->t()), n, "value");
    }
    v.dims = to_longs(shape.values, n, "a dimension");
    check_range(v.dims, 0, n, "shape");
    if (product(v.dims) > max_glue_elements) fail(n, "makes a tensor of shape " + list_text(v.dims) + ", more than 2^24 elements");
    v.values.assign(static_cast<std::size_t>(product(v.dims)), fill);
    return v;
  }
  fail(n, "this op computes a constant input of the network (shape glue) that nerve-codegen cannot evaluate");
}

std::vector<int> reader::consumers(const std::string& tensor) const {
  std::vector<int> out;
  for (int i = 0; i < g_.node_size(); ++i) {
    const auto& n = g_.node(i);
    if (n.op_type() == "Shape") continue;  // reads the shape, not the data
    for (const auto& in : n.input()) {
      if (in == tensor) {
        out.push_back(i);
        break;
      }
    }
  }
  return out;
}

int reader::only_consumer(const std::string& tensor, const onnx::NodeProto* after) const {
  const auto users = consumers(tensor);
  if (users.size() == 1) return users[0];
  const std::string what = after ? "the output of node '" + node_name(*after) + "' (" + after->op_type() + ")"
                                 : "the network's input '" + tensor + "'";
  if (users.empty()) fail(what + " is used by no node and is not the graph's output");
  // An op nerve lacks says so first: a GELU exported as Div, Erf, Add, Mul is a branch too, but
  // the op is what the user has to change.
  for (const int u : users) {
    if (!known_ops().count(g_.node(u).op_type())) unknown_op(g_.node(u));
  }
  std::string names;
  for (const int u : users) names += (names.empty() ? "" : ", ") + node_name(g_.node(u)) + " (" + g_.node(u).op_type() + ")";
  fail(what + " feeds " + std::to_string(users.size()) + " nodes (" + names +
       "): nerve-codegen reads a chain of layers, and a branch or a residual connection is not one");
}

void reader::unused_outputs(const onnx::NodeProto& n, int from) const {
  for (int o = from; o < n.output_size(); ++o) {
    if (!n.output(o).empty() && (!consumers(n.output(o)).empty() || n.output(o) == output_name_)) {
      fail(n, "its output " + std::to_string(o) + " ('" + n.output(o) + "') is used; nerve's layer gives only the first");
    }
  }
}

void reader::emit(const onnx::NodeProto& n, std::string type, std::vector<array> arrays) {
  out_.layers.push_back({std::move(type), "node '" + node_name(n) + "' (" + n.op_type() + ")", std::move(arrays)});
  open_recurrent_ = -1;
}

// A Dense from a [k][units] (row-major) weight: nerve takes PyTorch's [units][k].
void reader::dense(const onnx::NodeProto& n, current& c, std::vector<double> w_kn, long k, long units,
                   std::vector<double> bias, bool has_bias) {
  const auto s = c.sample();
  if (s.empty() || s.back() != k || c.tags.back() != 's') {
    fail(n, "multiplies the last axis of size " + std::to_string(k) + ", but the input's sample shape is " + list_text(s));
  }
  if (s.size() > 2) fail(n, "a product over the last axis of a rank-" + std::to_string(s.size()) + " sample; nerve's Dense takes vectors or sequences of vectors (add a Flatten)");
  array w{"weight", {static_cast<std::size_t>(units), static_cast<std::size_t>(k)}, std::vector<double>(static_cast<std::size_t>(units * k))};
  for (long i = 0; i < k; ++i)
    for (long j = 0; j < units; ++j) w.values[static_cast<std::size_t>(j * k + i)] = w_kn[static_cast<std::size_t>(i * units + j)];
  std::vector<array> arrays{std::move(w)};
  if (has_bias) arrays.push_back({"bias", {static_cast<std::size_t>(units)}, std::move(bias)});
  emit(n, "nerve::Dense<" + std::to_string(units) + (has_bias ? "" : ", nerve::NoBias") + ">", std::move(arrays));
  c.dims.back() = units;
}

// Conv, with the zero padding of a Pad just before it added to its own.
void reader::conv(const onnx::NodeProto& n, current& c, std::vector<long> extra) {
  only_attributes(n, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  if (c.dims.size() != 4 || c.tags != "bsss") fail(n, "a Conv on a tensor of shape " + list_text(c.dims) + "; nerve's Conv2D takes (batch, channels, height, width)");
  const tensor_value& w = value_of(input(n, 1), n);
  if (w.dims.size() != 4) fail(n, "a weight of shape " + list_text(w.dims) + ": nerve-codegen reads 2-D convolutions");
  // group g: the weight is (F, C / g, kh, kw), PyTorch's and nerve's layout (Groups<g>).
  const long group = attr_int(n, "group", 1);
  if (group < 1 || group > c.dims[1] || c.dims[1] % group != 0 || w.dims[0] % group != 0) {
    fail(n, "group " + std::to_string(group) + " with " + std::to_string(c.dims[1]) + " input channels and " +
            std::to_string(w.dims[0]) + " filters: both must divide into the groups");
  }
  if (w.dims[1] * group != c.dims[1]) {
    fail(n, "a weight for " + std::to_string(w.dims[1]) + " channels per group on an input of " + std::to_string(c.dims[1]) +
            " channels in " + std::to_string(group) + " group(s)");
  }
  const long F = w.dims[0], kh = w.dims[2], kw = w.dims[3];
  auto strides = attr_ints(n, "strides", {1, 1});
  auto dil = attr_ints(n, "dilations", {1, 1});
  auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dil.size() != 2 || pads.size() != 4) {
    fail(n, "strides " + list_text(strides) + ", dilations " + list_text(dil) + ", pads " + list_text(pads) +
            ": nerve-codegen reads 2-D convolutions (2 strides, 2 dilations, 4 pads)");
  }
  check_range(strides, 1, n, "strides");
  check_range(dil, 1, n, "dilations");
  check_range(pads, 0, n, "pads");
  if (F < 1 || kh < 1 || kw < 1) fail(n, "a weight of shape " + list_text(w.dims));
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (int a = 0; a < 2; ++a) {
      const long in = c.dims[2 + a], k = (a ? kw : kh), st = strides[a], d = dil[a];
      const long outn = (in + st - 1) / st;
      const long total = std::max(0L, (outn - 1) * st + d * (k - 1) + 1 - in);
      const long small = total / 2, big = total - small;
      pads[a] = auto_pad == "SAME_UPPER" ? small : big;
      pads[2 + a] = auto_pad == "SAME_UPPER" ? big : small;
    }
  } else if (auto_pad != "NOTSET" && auto_pad != "VALID") {
    fail(n, "auto_pad " + auto_pad);
  }
  for (int i = 0; i < 4; ++i) pads[i] += extra[i];
  long out[2];
  for (int a = 0; a < 2; ++a) {
    const long span = dil[a] * ((a ? kw : kh) - 1) + 1, padded = c.dims[2 + a] + pads[a] + pads[2 + a];
    if (span > padded) fail(n, "a kernel spanning " + std::to_string(span) + " on a padded input of " + std::to_string(padded));
    out[a] = (padded - span) / strides[a] + 1;
  }
  std::string type = "nerve::Conv2D<" + std::to_string(F) + ", nerve::Kernel<" + std::to_string(kh) + ", " + std::to_string(kw) + ">";
  if (strides[0] != 1 || strides[1] != 1) type += ", nerve::Stride<" + std::to_string(strides[0]) + ", " + std::to_string(strides[1]) + ">";
  if (pads[0] || pads[1] || pads[2] || pads[3]) {
    type += ", nerve::Pad<" + std::to_string(pads[0]) + ", " + std::to_string(pads[1]) + ", " + std::to_string(pads[2]) + ", " + std::to_string(pads[3]) + ">";
  }
  if (dil[0] != 1 || dil[1] != 1) type += ", nerve::Dilation<" + std::to_string(dil[0]) + ", " + std::to_string(dil[1]) + ">";
  if (group != 1) type += ", nerve::Groups<" + std::to_string(group) + ">";
  std::vector<array> arrays{{"weight", {std::size_t(F), std::size_t(w.dims[1]), std::size_t(kh), std::size_t(kw)}, w.values}};
  if (n.input_size() > 2 && !input(n, 2).empty()) {
    arrays.push_back({"bias", {std::size_t(F)}, value_of(input(n, 2), n).values});
  } else {
    type += ", nerve::NoBias";
  }
  emit(n, type + ">", std::move(arrays));
  c.dims[2] = out[0];
  c.dims[3] = out[1];
  c.dims[1] = F;
}

void reader::pool(const onnx::NodeProto& n, current& c, std::vector<long> extra) {
  const bool max = n.op_type() == "MaxPool";
  if (max) only_attributes(n, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  else only_attributes(n, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  if (c.dims.size() != 4 || c.tags != "bsss") fail(n, "pooling on a tensor of shape " + list_text(c.dims) + "; nerve's pooling takes (batch, channels, height, width)");
  const long ceil_mode = attr_int(n, "ceil_mode", 0);
  if (ceil_mode != 0 && ceil_mode != 1) fail(n, "ceil_mode " + std::to_string(ceil_mode) + " (0 or 1)");
  if (attr_string(n, "auto_pad", "NOTSET") != "NOTSET" && attr_string(n, "auto_pad", "NOTSET") != "VALID") fail(n, "auto_pad " + attr_string(n, "auto_pad", ""));
  if (max && attr_ints(n, "dilations", {1, 1}) != std::vector<long>{1, 1}) fail(n, "a dilated MaxPool: nerve's MaxPool has no dilation");
  if (max && attr_int(n, "storage_order", 0) != 0) fail(n, "storage_order 1");
  const auto k = attr_ints(n, "kernel_shape", {});
  if (k.size() != 2) fail(n, "kernel_shape " + list_text(k) + ": nerve pools 2-D windows");
  const auto strides = attr_ints(n, "strides", {1, 1});
  auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
  if (strides.size() != 2 || pads.size() != 4) fail(n, "strides " + list_text(strides) + ", pads " + list_text(pads) + ": nerve pools 2-D windows (2 strides, 4 pads)");
  check_range(k, 1, n, "kernel_shape");
  check_range(strides, 1, n, "strides");
  check_range(pads, 0, n, "pads");
  const bool padded_here = pads[0] || pads[1] || pads[2] || pads[3];
  // count_include_pad 0 (ONNX's default) leaves the op's own padding out of each mean: ExcludePad.
  // A Pad node's zeros before it are values of the input, counted whatever the attribute.
  const bool exclude = !max && padded_here && attr_int(n, "count_include_pad", 0) == 0;
  if (exclude && (extra[0] || extra[1] || extra[2] || extra[3])) {
    fail(n, "count_include_pad 0 after a Pad node: nerve's AvgPool counts all of its padding in the mean or none of it");
  }
  for (int i = 0; i < 4; ++i) pads[i] += extra[i];
  for (int a = 0; a < 2; ++a) {
    if (k[a] > c.dims[2 + a] + pads[a] + pads[2 + a]) fail(n, "a window of " + list_text(k) + " on a padded input of " + list_text(c.dims));
  }
  std::string type = std::string(max ? "nerve::MaxPool" : "nerve::AvgPool") + "<nerve::Kernel<" + std::to_string(k[0]) + ", " +
                     std::to_string(k[1]) + ">{}, nerve::Stride<" + std::to_string(strides[0]) + ", " + std::to_string(strides[1]) + ">";
  const bool padded = pads[0] || pads[1] || pads[2] || pads[3];
  if (padded) {
    type += ", nerve::Pad<" + std::to_string(pads[0]) + ", " + std::to_string(pads[1]) + ", " + std::to_string(pads[2]) + ", " + std::to_string(pads[3]) + ">";
  } else if (exclude || ceil_mode) {
    type += ", nerve::Valid";  // the options come after the padding
  }
  if (exclude) type += ", nerve::ExcludePad";
  if (ceil_mode) type += ", nerve::CeilMode";
  emit(n, type + ">");
  // The layer's own rule (shape/window.hpp; PyTorch's, and ONNX's from opset 19 in ceil mode).
  for (int a = 0; a < 2; ++a) {
    const nerve::window_axis axis{k[a], strides[a], 1, pads[a], pads[2 + a], ceil_mode != 0};
    c.dims[2 + a] = static_cast<long>(axis.output(static_cast<std::size_t>(c.dims[2 + a])));
  }
}

void reader::recurrent(const onnx::NodeProto& n, current& c) {
  const std::string& op = n.op_type();
  only_attributes(n, {"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size",
                      "input_forget", "layout", "linear_before_reset"});
  const long H = attr_int(n, "hidden_size", 0);
  if (H <= 0 || H > max_dim) fail(n, "hidden_size " + std::to_string(H) + " (none, or not in [1, 2^31])");
  if (attribute(n, "clip")) fail(n, "clip: nerve's cells do not clip their inputs");
  if (attribute(n, "activation_alpha") || attribute(n, "activation_beta")) fail(n, "activation_alpha/beta: nerve's cells use the default activations");
  const std::string direction = attr_string(n, "direction", "forward");
  if (direction != "forward") fail(n, "direction " + direction + ": nerve's recurrent layers run forward only (bidirectional=False)");
  if (attr_int(n, "layout", 0) != 0) fail(n, "layout 1 (batch first inside the op): export with opset 13, or a batch-first model with the transposes PyTorch adds");
  if (attr_int(n, "input_forget", 0) != 0) fail(n, "input_forget 1: nerve's LSTM is PyTorch's (coupled gates are a user cell, examples/custom_cell.cpp)");
  std::vector<std::string> acts;
  if (const auto* a = attribute(n, "activations")) acts.assign(a->strings().begin(), a->strings().end());
  const std::vector<std::string> want = op == "LSTM" ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                        : op == "GRU" ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                      : std::vector<std::string>{"Tanh"};
  if (!acts.empty() && acts != want) {
    std::string got;
    for (const auto& s : acts) got += (got.empty() ? "" : ", ") + s;
    fail(n, "activations " + got + ": nerve's " + (op == "RNN" ? std::string("SimpleRNN is tanh only") : op + " uses PyTorch's"));
  }
  if (op == "GRU" && attr_int(n, "linear_before_reset", 0) != 1) {
    fail(n, "linear_before_reset 0 (the reset gate applied before the hidden product, Keras' reset_after=False): nerve's GRU is PyTorch's (linear_before_reset 1)");
  }
  if (n.input_size() > 4 && !input(n, 4).empty()) fail(n, "sequence_lens: nerve's sequences all have the type's length");
  if (op == "LSTM" && n.input_size() > 7 && !input(n, 7).empty()) fail(n, "peephole weights (P): nerve's LSTM has none (nor has PyTorch's)");
  for (int i = 5; i <= (op == "LSTM" ? 6 : 5); ++i) {
    if (n.input_size() > i && !input(n, i).empty()) {
      const tensor_value& init = value_of(input(n, i), n);
      if (std::any_of(init.values.begin(), init.values.end(), [](double v) { return v != 0; })) {
        fail(n, std::string(i == 5 ? "initial_h" : "initial_c") + " is not zero: nerve's recurrent layers start from a zero state");
      }
    }
  }
  if (c.dims.size() != 3 || c.dims[1] != 1) fail(n, "an input of shape " + list_text(c.dims) + "; a recurrent op takes (steps, batch 1, features)");
  const long S = c.dims[0], F = c.dims[2];
  if (c.sample() != std::vector<long>{S, F}) fail(n, "an input whose sample is " + list_text(c.sample()) + ", not (steps, features)");

  const long G = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1;
  // PyTorch's gate p is ONNX's gate from[p]: LSTM i,f,g,o <- i,o,f,c; GRU r,z,n <- z,r,h.
  const std::vector<long> from = op == "LSTM" ? std::vector<long>{0, 2, 3, 1} : op == "GRU" ? std::vector<long>{1, 0, 2} : std::vector<long>{0};
  const tensor_value& W = value_of(input(n, 1), n);
  const tensor_value& R = value_of(input(n, 2), n);
  if (W.dims != std::vector<long>{1, G * H, F}) fail(n, "W of shape " + list_text(W.dims) + ", not " + list_text({1, G * H, F}));
  if (R.dims != std::vector<long>{1, G * H, H}) fail(n, "R of shape " + list_text(R.dims) + ", not " + list_text({1, G * H, H}));
  std::vector<double> B(static_cast<std::size_t>(2 * G * H), 0.0);
  if (n.input_size() > 3 && !input(n, 3).empty()) {
    const tensor_value& b = value_of(input(n, 3), n);
    if (b.dims != std::vector<long>{1, 2 * G * H}) fail(n, "B of shape " + list_text(b.dims));
    B = b.values;
  }
  auto reorder = [&](const std::vector<double>& v, long offset, long cols) {
    std::vector<double> out(static_cast<std::size_t>(G * H * cols));
    for (long p = 0; p < G; ++p)
      std::copy_n(v.begin() + offset + from[static_cast<std::size_t>(p)] * H * cols, H * cols, out.begin() + p * H * cols);
    return out;
  };
  const auto sz = [](long v) { return static_cast<std::size_t>(v); };
  std::vector<array> arrays{{"weight_ih_l0", {sz(G * H), sz(F)}, reorder(W.values, 0, F)},
                            {"weight_hh_l0", {sz(G * H), sz(H)}, reorder(R.values, 0, H)},
                            {"bias_ih_l0", {sz(G * H)}, reorder(B, 0, 1)},
                            {"bias_hh_l0", {sz(G * H)}, reorder(B, G * H, 1)}};
  const std::string cell = op == "RNN" ? "SimpleRNN" : op;
  // Which output goes on: Y (every step) or Y_h (the last step's h); Y_c is not nerve's output.
  const bool y_used = !consumers(output(n, 0)).empty() || n.output(0) == output_name_;
  const bool yh_used = n.output_size() > 1 && !n.output(1).empty() &&
                       (!consumers(n.output(1)).empty() || n.output(1) == output_name_);
  if (op == "LSTM") unused_outputs(n, 2);
  if (y_used && yh_used) fail(n, "both Y and Y_h are used: nerve-codegen reads a chain");
  recurrent_type_ = "nerve::" + cell + "<" + std::to_string(H);
  if (yh_used) {
    emit(n, recurrent_type_ + ", nerve::LastStep>", std::move(arrays));
    c.tensor = n.output(1);
    c.dims = {1, 1, H};
    c.tags = "xbs";
  } else {
    emit(n, recurrent_type_ + ">", std::move(arrays));
    open_recurrent_ = static_cast<long>(out_.layers.size()) - 1;
    c.tensor = n.output(0);
    c.dims = {S, 1, 1, H};
    c.tags = "sxbs";
  }
}

// Flatten, or a Reshape that flattens: (batch, ...) -> (batch, everything else).
void reader::flatten_to(const onnx::NodeProto& n, current& c) {
  if (c.sample().size() > 1) {
    emit(n, "nerve::Flatten");
  }
  c.dims = {1, product(c.sample())};
  c.tags = "bs";
}

void reader::step(const onnx::NodeProto& n, current& c) {
  const std::string& op = n.op_type();
  // Only one input may be computed from the network's input: the current tensor.
  for (int i = 0; i < n.input_size(); ++i) {
    if (data_.count(input(n, i)) && input(n, i) != c.tensor) {
      fail(n, "takes two computed tensors ('" + c.tensor + "' and '" + input(n, i) +
              "'): nerve-codegen reads a chain of layers, and a residual connection or a branch is not one");
    }
  }
  std::string next = n.output_size() ? n.output(0) : "";
  const auto sample = c.sample();

  if (op == "Identity" || op == "Dropout") {
    if (op == "Dropout") unused_outputs(n, 1);
    if (op == "Dropout" && n.input_size() > 2 && !input(n, 2).empty() && first_value(value_of(input(n, 2), n), n, "training_mode") != 0) {
      fail(n, "training_mode is on: export the model in eval() mode");
    }
  } else if (op == "Relu" || op == "Sigmoid" || op == "Tanh") {
    only_attributes(n, {});
    emit(n, op == "Relu" ? "nerve::ReLU" : "nerve::" + op);
  } else if (op == "LeakyRelu") {
    only_attributes(n, {"alpha"});
    emit(n, "nerve::LeakyReLU<" + shortest(attr_float(n, "alpha", 0.01f)) + ">");
  } else if (op == "Softmax") {
    only_attributes(n, {"axis"});
    long axis = attr_int(n, "axis", opset_ >= 13 ? -1 : 1);
    const long rank = static_cast<long>(c.dims.size());
    if (axis < 0) axis += rank;
    const bool last = axis == rank - 1 || (opset_ < 13 && c.dims.size() == 2 && axis == 1);
    if (!last || rank == 0 || c.tags[static_cast<std::size_t>(rank - 1)] != 's') fail(n, "a softmax over axis " + std::to_string(attr_int(n, "axis", 0)) + " of " + list_text(c.dims) + ": nerve's Softmax is over the last axis");
    emit(n, "nerve::Softmax");
  } else if (op == "Gemm") {
    only_attributes(n, {"alpha", "beta", "transA", "transB"});
    if (attr_int(n, "transA", 0) != 0) fail(n, "transA 1");
    if (c.dims.size() != 2 || c.tags != "bs") fail(n, "a Gemm on " + list_text(c.dims) + "; it takes (batch, features)");
    const tensor_value& b = value_of(input(n, 1), n);
    if (b.dims.size() != 2) fail(n, "a weight of shape " + list_text(b.dims));
    const bool t = attr_int(n, "transB", 0) != 0;
    const long k = t ? b.dims[1] : b.dims[0], units = t ? b.dims[0] : b.dims[1];
    std::vector<double> w_kn(b.values.size());
    const double alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
    for (long i = 0; i < k; ++i)
      for (long j = 0; j < units; ++j)
        w_kn[static_cast<std::size_t>(i * units + j)] = alpha * b.values[static_cast<std::size_t>(t ? j * k + i : i * units + j)];
    std::vector<double> bias;
    const bool has_bias = n.input_size() > 2 && !input(n, 2).empty();
    if (has_bias) {
      const tensor_value& cv = value_of(input(n, 2), n);
      if (product(cv.dims) == units) bias = cv.values;
      else if (cv.values.size() == 1) bias.assign(static_cast<std::size_t>(units), cv.values[0]);
      else fail(n, "a C of shape " + list_text(cv.dims) + ": nerve takes a bias of " + std::to_string(units));
      for (auto& v : bias) v *= beta;
    }
    dense(n, c, std::move(w_kn), k, units, std::move(bias), has_bias);
  } else if (op == "MatMul") {
    only_attributes(n, {});
    const tensor_value& b = value_of(input(n, 1), n);
    if (input(n, 0) != c.tensor || b.dims.size() != 2) fail(n, "a MatMul that is not (input) x (a constant matrix)");
    const long k = b.dims[0], units = b.dims[1];
    std::vector<double> bias;
    bool has_bias = false;
    // A bias added right after: Add(product, constant) in either order.
    const auto users = consumers(next);
    if (users.size() == 1 && g_.node(users[0]).op_type() == "Add" && next != output_name_) {
      const auto& add = g_.node(users[0]);
      const std::string other = input(add, 0) == next ? input(add, 1) : input(add, 0);
      if (is_constant(other)) {
        const tensor_value& bv = value_of(other, add);
        if (product(bv.dims) != units) fail(add, "adds a constant of shape " + list_text(bv.dims) + " to a product of " + std::to_string(units) + " features");
        bias = bv.values;
        has_bias = true;
        visited_[static_cast<std::size_t>(users[0])] = true;
        next = output(add, 0);
      }
    }
    dense(n, c, b.values, k, units, std::move(bias), has_bias);
  } else if (op == "Conv") {
    conv(n, c, {0, 0, 0, 0});
  } else if (op == "MaxPool" || op == "AveragePool") {
    if (op == "MaxPool") unused_outputs(n, 1);
    pool(n, c, {0, 0, 0, 0});
  } else if (op == "Pad") {
    only_attributes(n, {"mode", "pads", "value"});
    if (attr_string(n, "mode", "constant") != "constant") fail(n, "mode " + attr_string(n, "mode", "") + ": only zero padding is read");
    std::vector<long> pads = attr_ints(n, "pads", {});
    if (n.input_size() > 1 && !input(n, 1).empty()) {
      pads = to_longs(value_of(input(n, 1), n).values, n, "a pad");
    }
    check_range(pads, 0, n, "pads");
    double fill = attr_float(n, "value", 0.0f);
    if (n.input_size() > 2 && !input(n, 2).empty()) fill = first_value(value_of(input(n, 2), n), n, "the padding value");
    if (fill != 0) fail(n, "padding with " + std::to_string(fill) + ": only zero padding is read");
    if (c.dims.size() != 4 || pads.size() != 8 || pads[0] || pads[1] || pads[4] || pads[5]) {
      fail(n, "pads " + list_text(pads) + " on " + list_text(c.dims) + ": only the height and width of an image are padded");
    }
    if (next == output_name_) fail(n, "a Pad at the end of the network");
    const int user = only_consumer(next, &n);
    const auto& following = g_.node(user);
    if (following.op_type() != "AveragePool" && following.op_type() != "Conv") {
      fail(n, "a Pad before " + following.op_type() + ": nerve reads zero padding before an AveragePool or a Conv (as their own padding)");
    }
    visited_[static_cast<std::size_t>(user)] = true;
    const std::vector<long> extra{pads[2], pads[3], pads[6], pads[7]};
    data_dims_[next] = c.dims;
    if (following.op_type() == "Conv") conv(following, c, extra);
    else pool(following, c, extra);
    next = output(following, 0);
  } else if (op == "GlobalAveragePool") {
    only_attributes(n, {});
    if (c.dims.size() != 4 || c.tags != "bsss") fail(n, "on " + list_text(c.dims) + "; it takes (batch, channels, height, width)");
    emit(n, "nerve::GlobalAvgPool");
    c.dims = {1, c.dims[1], 1, 1};
    c.tags = "bsxx";
  } else if (op == "ReduceMean") {
    // x.mean((2, 3)) on an image: GlobalAvgPool (keepdims 1 leaves (C, 1, 1), as GlobalAveragePool).
    only_attributes(n, {"axes", "keepdims", "noop_with_empty_axes"});
    std::vector<long> axes = attr_ints(n, "axes", {});
    if (n.input_size() > 1 && !input(n, 1).empty()) {
      axes = to_longs(value_of(input(n, 1), n).values, n, "an axis");
    }
    for (auto& a : axes) a = a < 0 ? a + static_cast<long>(c.dims.size()) : a;
    std::sort(axes.begin(), axes.end());
    if (c.dims.size() != 4 || c.tags != "bsss" || axes != std::vector<long>{2, 3}) {
      fail(n, "a mean over axes " + list_text(axes) + " of " + list_text(c.dims) +
              ": nerve-codegen reads ReduceMean only as the mean of each channel's plane (GlobalAvgPool)");
    }
    emit(n, "nerve::GlobalAvgPool");
    if (attr_int(n, "keepdims", 1) != 0) {
      c.dims = {1, c.dims[1], 1, 1};
      c.tags = "bsxx";
    } else {
      c.dims = {1, c.dims[1]};
      c.tags = "bs";
    }
  } else if (op == "Flatten") {
    only_attributes(n, {"axis"});
    const long axis = attr_int(n, "axis", 1);
    if (axis > static_cast<long>(c.dims.size())) fail(n, "axis " + std::to_string(axis) + " of " + list_text(c.dims));
    for (long a = 0; a < axis; ++a) {
      if (c.tags[static_cast<std::size_t>(a)] == 's' && c.dims[static_cast<std::size_t>(a)] != 1) fail(n, "axis " + std::to_string(axis) + " flattens the sample's own axes into the batch");
    }
    if (axis != 1 && axis != static_cast<long>(std::count(c.tags.begin(), c.tags.end(), 'b') + std::count(c.tags.begin(), c.tags.end(), 'x'))) {
      if (axis < 1) fail(n, "axis " + std::to_string(axis));
    }
    flatten_to(n, c);
  } else if (op == "Reshape") {
    only_attributes(n, {"allowzero"});
    const auto& target = value_of(input(n, 1), n).values;
    const long total = product(c.dims);
    std::vector<long> shape;
    long known = 1, infer = -1;
    for (std::size_t i = 0; i < target.size(); ++i) {
      long d = to_long(target[i], n, "a dimension");
      if (d < -1 || d > max_dim) fail(n, "a reshape to a dimension of " + std::to_string(d));
      if (d == 0) d = i < c.dims.size() ? c.dims[i] : 0;
      if (d == -1) infer = static_cast<long>(i);
      else known = product({known, d});
      shape.push_back(d);
    }
    if (infer >= 0) shape[static_cast<std::size_t>(infer)] = known ? total / known : 0;
    if (shape.size() != 2 || shape[0] != 1 || shape[1] != product(c.sample())) {
      fail(n, "a reshape of " + list_text(c.dims) + " to " + list_text(shape) + ": nerve-codegen reads a Reshape only as a flatten, (batch, everything else)");
    }
    flatten_to(n, c);
  } else if (op == "Squeeze" || op == "Unsqueeze") {
    std::vector<long> axes = attr_ints(n, "axes", {});
    if (n.input_size() > 1 && !input(n, 1).empty()) {
      axes = to_longs(value_of(input(n, 1), n).values, n, "an axis");
    }
    if (op == "Unsqueeze") fail(n, "an Unsqueeze of the data: nerve-codegen reads it only in shape glue");
    if (axes.empty()) fail(n, "a Squeeze without axes");
    const long rank = static_cast<long>(c.dims.size());
    for (auto& a : axes) a = a < 0 ? a + rank : a;
    std::sort(axes.rbegin(), axes.rend());
    for (const long a : axes) {
      if (a < 0 || a >= static_cast<long>(c.dims.size()) || c.dims[static_cast<std::size_t>(a)] != 1) fail(n, "squeezes axis " + std::to_string(a) + " of " + list_text(c.dims));
      if (c.tags[static_cast<std::size_t>(a)] == 's') fail(n, "squeezes an axis of the sample (of " + list_text(c.dims) + ")");
      c.dims.erase(c.dims.begin() + a);
      c.tags.erase(c.tags.begin() + a);
    }
  } else if (op == "Transpose") {
    only_attributes(n, {"perm"});
    const auto perm = attr_ints(n, "perm", {});
    std::vector<long> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i] != static_cast<long>(i)) fail(n, "perm " + list_text(perm) + " is not a permutation of the axes");
    }
    if (perm.size() != c.dims.size()) fail(n, "perm " + list_text(perm) + " on " + list_text(c.dims));
    current t = c;
    for (std::size_t i = 0; i < perm.size(); ++i) {
      t.dims[i] = c.dims[static_cast<std::size_t>(perm[i])];
      t.tags[i] = c.tags[static_cast<std::size_t>(perm[i])];
    }
    // Data moves only if the sample's axes change order.
    std::vector<long> before, after;
    for (std::size_t i = 0; i < perm.size(); ++i) {
      if (c.tags[i] == 's') before.push_back(static_cast<long>(i));
      if (t.tags[i] == 's') after.push_back(perm[i]);
    }
    if (before != after) {
      fail(n, "perm " + list_text(perm) + " reorders the sample's axes of " + list_text(c.dims) +
              ": nerve keeps images as (channels, height, width) and sequences as (steps, features), as PyTorch does");
    }
    c.dims = t.dims;
    c.tags = t.tags;
  } else if (op == "LSTM" || op == "GRU" || op == "RNN") {
    recurrent(n, c);
    data_dims_[c.tensor] = c.dims;
    return;  // recurrent() chose the output that goes on
  } else if (op == "Gather") {
    only_attributes(n, {"axis"});
    long axis = attr_int(n, "axis", 0);
    if (input(n, 1) == c.tensor) {
      // A table looked up by the input's ids: an Embedding.
      const tensor_value& table = value_of(input(n, 0), n);
      if (axis != 0 || table.dims.size() != 2) fail(n, "a Gather from a table of shape " + list_text(table.dims) + " along axis " + std::to_string(axis));
      if (sample.size() != 1) fail(n, "an embedding of ids of sample shape " + list_text(sample) + "; nerve's Embedding takes (steps)");
      emit(n, "nerve::Embedding<" + std::to_string(table.dims[0]) + ", " + std::to_string(table.dims[1]) + ">",
           {{"weight", {std::size_t(table.dims[0]), std::size_t(table.dims[1])}, table.values}});
      c.dims.push_back(table.dims[1]);
      c.tags.push_back('s');
    } else {
      const tensor_value& index = value_of(input(n, 1), n);
      const long rank = static_cast<long>(c.dims.size());
      if (axis < 0) axis += rank;
      if (!index.dims.empty() || axis < 0 || axis >= rank) fail(n, "a Gather of " + list_text(index.dims) + " indices along axis " + std::to_string(axis) + " of " + list_text(c.dims));
      const long size = c.dims[static_cast<std::size_t>(axis)];
      long k = to_long(first_value(index, n, "the index"), n, "index");
      if (k < 0) k += size;
      const char tag = c.tags[static_cast<std::size_t>(axis)];
      if (tag != 's') {
        if (size != 1 || k != 0) fail(n, "index " + std::to_string(k) + " of axis " + std::to_string(axis));
      } else {
        // The last step of a recurrent layer's every-step output: that layer gives only its last step.
        const long first_sample_axis = static_cast<long>(c.tags.find('s'));
        if (open_recurrent_ < 0 || axis != first_sample_axis || k != size - 1 || sample.size() != 2) {
          fail(n, "picks element " + std::to_string(k) + " of axis " + std::to_string(axis) + " of " + list_text(c.dims) +
                  ": nerve-codegen reads a Gather on the data only as the last step of a recurrent layer's output");
        }
        out_.layers[static_cast<std::size_t>(open_recurrent_)].type = recurrent_type_ + ", nerve::LastStep>";
        open_recurrent_ = -1;
      }
      c.dims.erase(c.dims.begin() + axis);
      c.tags.erase(c.tags.begin() + axis);
    }
  } else if (op == "BatchNormalization") {
    only_attributes(n, {"epsilon", "momentum", "training_mode", "spatial"});
    if (attr_int(n, "training_mode", 0) != 0) fail(n, "training_mode 1: export the model in eval() mode");
    unused_outputs(n, 1);
    if (c.dims.size() < 2 || c.tags[0] != 'b' || c.tags[1] != 's') fail(n, "on " + list_text(c.dims) + "; it takes (batch, channels, ...)");
    const long C = c.dims[1];
    std::vector<array> arrays;
    const char* names[] = {"weight", "bias", "running_mean", "running_var"};
    for (int i = 0; i < 4; ++i) {
      const tensor_value& v = value_of(input(n, i + 1), n);
      if (product(v.dims) != C) fail(n, std::string(names[i]) + " of shape " + list_text(v.dims) + " for " + std::to_string(C) + " channels");
      arrays.push_back({names[i], {std::size_t(C)}, v.values});
    }
    emit(n, "nerve::BatchNorm<0.1, " + shortest(attr_float(n, "epsilon", 1e-5f)) + ">", std::move(arrays));
  } else if (op == "LayerNormalization") {
    only_attributes(n, {"axis", "epsilon", "stash_type"});
    unused_outputs(n, 1);
    const long rank = static_cast<long>(c.dims.size());
    long axis = attr_int(n, "axis", -1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) fail(n, "axis " + std::to_string(attr_int(n, "axis", -1)) + " of " + list_text(c.dims));
    const long axes = rank - axis;
    for (long a = axis; a < rank; ++a) {
      if (c.tags[static_cast<std::size_t>(a)] != 's') fail(n, "normalises over a batch axis");
    }
    std::vector<long> shape(c.dims.begin() + axis, c.dims.end());
    std::vector<std::size_t> ushape(shape.begin(), shape.end());
    std::vector<array> arrays{{"weight", ushape, value_of(input(n, 1), n).values}};
    if (static_cast<long>(arrays[0].values.size()) != product(shape)) fail(n, "weight of " + std::to_string(arrays[0].values.size()) + " values for a normalised shape " + list_text(shape));
    if (n.input_size() > 2 && !input(n, 2).empty()) arrays.push_back({"bias", ushape, value_of(input(n, 2), n).values});
    else arrays.push_back({"bias", ushape, std::vector<double>(static_cast<std::size_t>(product(shape)), 0.0)});
    for (const auto& a : arrays) {
      if (static_cast<long>(a.values.size()) != product(shape)) fail(n, a.name + " of " + std::to_string(a.values.size()) + " values for a normalised shape " + list_text(shape));
    }
    emit(n, "nerve::LayerNorm<" + std::to_string(axes) + ", " + shortest(attr_float(n, "epsilon", 1e-5f)) + ">", std::move(arrays));
  } else {
    unknown_op(n);
  }
  if (next.empty()) fail(n, "has no output");
  c.tensor = next;
  data_dims_[c.tensor] = c.dims;
}

model reader::read() {
  for (const auto& o : model_.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = static_cast<long>(o.version());
  }
  if (!model_.has_graph() || g_.node_size() == 0) fail("the model has no graph (is it an ONNX model?)");
  for (const auto& t : g_.initializer()) initializers_[t.name()] = &t;
  for (int i = 0; i < g_.node_size(); ++i) {
    for (const auto& o : g_.node(i).output()) producer_[o] = i;
  }
  visited_.assign(static_cast<std::size_t>(g_.node_size()), false);

  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& in : g_.input()) {
    if (!initializers_.count(in.name())) inputs.push_back(&in);
  }
  if (inputs.size() != 1) fail("the graph has " + std::to_string(inputs.size()) + " inputs; a nerve network takes one");
  if (g_.output_size() != 1) fail("the graph has " + std::to_string(g_.output_size()) + " outputs; a nerve network gives one");
  output_name_ = g_.output(0).name();
  const auto& in = *inputs[0];
  const auto& tt = in.type().tensor_type();
  const int elem = tt.elem_type();
  if (elem == onnx::TensorProto::DOUBLE) out_.scalar = "double";
  else if (elem == onnx::TensorProto::INT64 || elem == onnx::TensorProto::INT32) element_type_integer_ = true;
  else if (elem != onnx::TensorProto::FLOAT) fail("input '" + in.name() + "' has ONNX element type " + std::to_string(elem) + "; nerve-codegen reads float, double or integer ids");

  current c;
  c.tensor = in.name();
  const int rank = tt.shape().dim_size();
  if (rank == 0) fail("input '" + in.name() + "' has no shape");
  for (int d = 0; d < rank; ++d) {
    const auto& dim = tt.shape().dim(d);
    const bool fixed = dim.has_dim_value();
    if (!fixed) {
      // Only the batch may be dynamic: nerve's shapes are the type's. The batch is the first
      // axis, or the second of a (steps, batch, features) input whose steps are fixed.
      const bool may_be_batch = rank >= 2 && (d == 0 || (d == 1 && rank == 3 && c.tags[0] == 's' && c.dims[0] > 1));
      if (!may_be_batch) {
        fail("input '" + in.name() + "' has a dynamic size '" + dim.dim_param() + "' at axis " + std::to_string(d) +
             ": nerve's shapes are part of the network's type; export with fixed sizes (dynamic_axes only for the batch)");
      }
      c.dims.push_back(1);
      c.tags += 'b';
      continue;
    }
    if (dim.dim_value() < 1 || dim.dim_value() > max_dim) {
      fail("input '" + in.name() + "' has the size " + std::to_string(dim.dim_value()) + " at axis " + std::to_string(d) + " (not in [1, 2^31])");
    }
    c.dims.push_back(static_cast<long>(dim.dim_value()));
    c.tags += 's';
  }
  if (product(c.dims) > max_elements) fail("input '" + in.name() + "' of shape " + list_text(c.dims) + " has more than 2^31 elements");
  // The batch: the first axis, or, for (steps, batch, features) inputs of a sequence-first
  // recurrent model, the second. It must be 1 (or dynamic): the network is per sample.
  if (rank >= 2 && c.tags.find('b') == std::string::npos) {
    if (c.dims[0] == 1) c.tags[0] = 'b';
    else if (rank == 3 && c.dims[1] == 1) c.tags[1] = 'b';
    else fail("input '" + in.name() + "' has the fixed batch " + std::to_string(c.dims[0]) + "; export with a batch of 1 (or a dynamic batch): the generated network takes one sample");
  }
  if (c.tags.find('b') != std::string::npos && c.tags.find('b') != c.tags.rfind('b')) fail("input '" + in.name() + "' has two dynamic axes");
  for (std::size_t i = 0; i < c.dims.size(); ++i) {
    if (c.tags[i] == 's') out_.input.push_back(static_cast<std::size_t>(c.dims[i]));
  }
  if (out_.input.empty()) out_.input.push_back(1);

  // The data: every tensor computed (through anything but Shape) from the input.
  data_.insert(c.tensor);
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& n : g_.node()) {
      if (n.op_type() == "Shape") continue;
      const bool uses = std::any_of(n.input().begin(), n.input().end(), [&](const std::string& s) { return data_.count(s) > 0; });
      if (!uses) continue;
      for (const auto& o : n.output()) {
        if (!o.empty() && data_.insert(o).second) grew = true;
      }
    }
  }
  if (!data_.count(output_name_)) fail("the graph's output '" + output_name_ + "' is not computed from its input");

  data_dims_[c.tensor] = c.dims;
  const onnx::NodeProto* last = nullptr;
  while (c.tensor != output_name_) {
    const int i = only_consumer(c.tensor, last);
    // A node met again: the chain goes round in a cycle and would never reach the output.
    if (visited_[static_cast<std::size_t>(i)]) fail(g_.node(i), "is reached twice: the graph has a cycle");
    visited_[static_cast<std::size_t>(i)] = true;
    last = &g_.node(i);
    step(*last, c);
  }
  for (int i = 0; i < g_.node_size(); ++i) {
    const auto& n = g_.node(i);
    const bool on_data = std::any_of(n.output().begin(), n.output().end(), [&](const std::string& s) { return data_.count(s) > 0; });
    if (on_data && !visited_[static_cast<std::size_t>(i)]) fail(n, "is off the chain from the input to the output");
  }
  for (const long d : c.sample()) out_.output.push_back(static_cast<std::size_t>(d));
  if (out_.output.empty()) out_.output.push_back(1);
  const auto& ot = g_.output(0).type().tensor_type();
  if (ot.has_shape()) {
    long declared = 1;
    bool all_fixed = true;
    for (const auto& d : ot.shape().dim()) {
      if (d.has_dim_value()) declared = product({declared, static_cast<long>(d.dim_value())});
      else all_fixed = false;
    }
    if (all_fixed && declared != product(c.sample())) {
      fail("the graph's output has " + std::to_string(declared) + " elements per sample, the layers read give " + std::to_string(product(c.sample())));
    }
  }
  if (out_.layers.empty()) fail("no layer in the graph (only reshapes)");

  out_.notes.push_back("The input is ONNX input '" + in.name() + "' for one sample (batch 1), its elements in ONNX's order" +
                       std::string(c.dims.size() == 4 ? " (NCHW)" : "") + "; the output is ONNX output '" + output_name_ + "', likewise.");
  if (element_type_integer_) out_.notes.push_back("The input's token ids are given as " + out_.scalar + " values (nerve's Embedding reads ids as values).");
  return out_;
}

}  // namespace

model read_onnx_bytes(const std::string& bytes, const std::string& path) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  onnx::ModelProto m;
  if (!m.ParseFromString(bytes)) {
    throw codegen_error(path + ": not an ONNX model (it does not parse as an ONNX protobuf: a truncated or different file?)");
  }
  model out = reader(path, m).read();
  out.source = path;
  out.kind = "ONNX model, opset " + [&] {
    for (const auto& o : m.opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") return std::to_string(o.version());
    }
    return std::string("?");
  }();
  return out;
}

model read_onnx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw codegen_error(path + ": cannot open the file (missing or unreadable)");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return read_onnx_bytes(bytes, path);
}

}  // namespace nerve_codegen
