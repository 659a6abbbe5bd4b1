// Writes small ONNX models, each broken in one way a careless or hostile exporter could break it,
// into the folder given. Each made nerve-codegen's ONNX reader crash, hang or run into undefined
// behaviour before the reader checked for it (docs/fuzzing.md); they are committed in
// tests/fuzz/regressions/onnx/ (replayed through nerve-codegen by tests/codegen/CMakeLists.txt) and,
// being graphs with the structure the byte-level mutations of libFuzzer rarely build, serve as
// seeds of the onnx target too. Built with the fuzz targets when libonnx-dev is installed:
//   build/fuzz/tests/fuzz/fuzz_write_onnx_cases tests/fuzz/regressions/onnx
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

namespace {

using onnx::TensorProto;

struct builder {
  onnx::ModelProto m;
  onnx::GraphProto* g = m.mutable_graph();

  explicit builder(std::initializer_list<long> input_dims) {
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    g->set_name("case");
    auto* in = g->add_input();
    in->set_name("x");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(TensorProto::FLOAT);
    for (const long d : input_dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
    auto* out = g->add_output();
    out->set_name("y");
    out->mutable_type()->mutable_tensor_type()->set_elem_type(TensorProto::FLOAT);
  }
  onnx::NodeProto* node(const std::string& op, std::initializer_list<const char*> inputs,
                        std::initializer_list<const char*> outputs) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name("/" + op + std::to_string(g->node_size()));
    for (const char* i : inputs) n->add_input(i);
    for (const char* o : outputs) n->add_output(o);
    return n;
  }
  static void ints(onnx::NodeProto* n, const char* name, std::initializer_list<long> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const long x : v) a->add_ints(x);
  }
  static void integer(onnx::NodeProto* n, const char* name, long v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void fill(TensorProto* t, const std::string& name, std::initializer_list<long> dims,
                   const std::vector<float>& values) {
    t->set_name(name);
    t->set_data_type(TensorProto::FLOAT);
    for (const long d : dims) t->add_dims(d);
    for (const float v : values) t->add_float_data(v);
  }
  void weight(const std::string& name, std::initializer_list<long> dims, std::size_t count) {
    fill(g->add_initializer(), name, dims, std::vector<float>(count, 0.5f));
  }
  void write(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::binary);
    m.SerializeToOstream(&out);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const auto file = [&](const char* name) { return dir / (std::string(name) + ".onnx"); };

  {  // Gemm with only its data input: the weight was read as input(1) unchecked.
    builder b({1, 4});
    b.node("Gemm", {"x"}, {"y"});
    b.write(file("gemm_without_weight"));
  }
  {  // MatMul + an Add that has one input: the bias was read as input(1) unchecked.
    builder b({1, 4});
    b.weight("w", {4, 3}, 12);
    b.node("MatMul", {"x", "w"}, {"m"});
    b.node("Add", {"m"}, {"y"});
    b.write(file("matmul_add_one_input"));
  }
  {  // A Reshape's target computed from itself (s = Identity(t), t = Identity(s)): the constant
     // evaluation recursed until the stack overflowed.
    builder b({1, 2, 2});
    b.node("Reshape", {"x", "s"}, {"y"});
    b.node("Identity", {"t"}, {"s"});
    b.node("Identity", {"s"}, {"t"});
    b.write(file("shape_glue_cycle"));
  }
  {  // The data going round (x -> Relu -> a -> Relu -> x, whose second output leads to y): the
     // walk never reached the output, emitting layers for ever.
    builder b({1, 4});
    b.node("Relu", {"x"}, {"a"});
    b.node("Relu", {"a"}, {"x", "q"});
    b.node("Relu", {"q"}, {"y"});
    b.write(file("data_cycle"));
  }
  {  // Conv with strides 0: an integer division by zero.
    builder b({1, 1, 5, 5});
    b.weight("w", {2, 1, 3, 3}, 18);
    builder::ints(b.node("Conv", {"x", "w"}, {"y"}), "strides", {0, 0});
    b.write(file("conv_stride_zero"));
  }
  {  // Conv with one stride: strides[1] read past the end of the vector.
    builder b({1, 1, 5, 5});
    b.weight("w", {2, 1, 3, 3}, 18);
    builder::ints(b.node("Conv", {"x", "w"}, {"y"}), "strides", {1});
    b.write(file("conv_one_stride"));
  }
  {  // MaxPool with strides 0: an integer division by zero.
    builder b({1, 1, 4, 4});
    auto* n = b.node("MaxPool", {"x"}, {"y"});
    builder::ints(n, "kernel_shape", {2, 2});
    builder::ints(n, "strides", {0, 0});
    b.write(file("maxpool_stride_zero"));
  }
  {  // Transpose with a perm naming axes the tensor does not have: read out of bounds.
    builder b({1, 4});
    builder::ints(b.node("Transpose", {"x"}, {"y"}), "perm", {7, 0});
    b.write(file("transpose_bad_perm"));
  }
  {  // A Reshape to NaN: converting NaN to long is undefined behaviour.
    builder b({1, 4});
    builder::fill(b.g->add_initializer(), "s", {2}, {1.0f, std::nanf("")});
    b.node("Reshape", {"x", "s"}, {"y"});
    b.write(file("reshape_to_nan"));
  }
  {  // ConstantOfShape whose value tensor is empty: std::out_of_range from values.at(0), not
     // the reader's codegen_error.
    builder b({1, 4});
    builder::fill(b.g->add_initializer(), "shape", {1}, {2.0f});
    auto* c = b.node("ConstantOfShape", {"shape"}, {"s"});
    auto* a = c->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    builder::fill(a->mutable_t(), "value", {0}, {});
    b.node("Reshape", {"x", "s"}, {"y"});
    b.write(file("constant_of_shape_empty_value"));
  }
  {  // LayerNormalization over axis 5 of a rank-2 tensor: an iterator past the end.
    builder b({1, 4});
    b.weight("w", {4}, 4);
    builder::integer(b.node("LayerNormalization", {"x", "w"}, {"y"}), "axis", 5);
    b.write(file("layer_norm_axis_out_of_range"));
  }
  {  // An input of 2^40 x 2^40 elements: their product overflowed a long.
    builder b({1, 1L << 40, 1L << 40});
    b.node("Flatten", {"x"}, {"y"});
    b.write(file("input_size_overflow"));
  }
  {  // An LSTM of hidden size 2^62: 4 x hidden_size overflowed a long.
    builder b({3, 1, 2});
    b.weight("w", {1, 4, 2}, 8);
    b.weight("r", {1, 4, 1}, 4);
    builder::integer(b.node("LSTM", {"x", "w", "r"}, {"y"}), "hidden_size", 1L << 62);
    b.write(file("lstm_hidden_size_overflow"));
  }
  return 0;
}
