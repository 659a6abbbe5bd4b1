// nerve-codegen: a trained model (a nerve checkpoint, or an ONNX model from PyTorch, Keras, ...)
// as a standalone C++ header declaring NS::network (the network's type) and NS::make() (a ready
// network, its weights compiled in as constants):
//
//   nerve-codegen model.onnx -o model.hpp --namespace mymodel
//   #include "model.hpp"  ...  auto net = mymodel::make(); auto y = net(x);
//
// On any problem it prints one message naming the input and what is wrong, exits with status 1,
// and writes nothing (the header is written under a temporary name and renamed into place).
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include <unistd.h>  // getpid

#include "checkpoint_reader.hpp"
#include "header_writer.hpp"
#include "model.hpp"
#include "onnx_reader.hpp"

namespace {

constexpr const char* usage =
    "usage: nerve-codegen INPUT -o OUT.hpp [--namespace NS] [--kind onnx|checkpoint]\n"
    "\n"
    "Writes a C++ header declaring NS::network (the network's type) and NS::make() (the network\n"
    "with the model's weights compiled in as constants), for a program that needs only nerve's\n"
    "headers: no file, no parser and no allocation at inference.\n"
    "\n"
    "  INPUT             a nerve checkpoint (.safetensors, written by nerve::save) or an ONNX\n"
    "                    model (.onnx, e.g. from torch.onnx.export); told apart by their content\n"
    "  -o, --output OUT  the header to write\n"
    "  --namespace NS    the namespace to declare everything in (default: model); NS may be\n"
    "                    qualified, e.g. models::lenet\n"
    "  --kind KIND       read INPUT as onnx or checkpoint, whatever its content looks like\n"
    "  -h, --help        this text\n"
    "\n"
    "The generated network takes its input and gives its output in the source's layout: for\n"
    "ONNX, one sample of the input tensor's elements in ONNX's order (NCHW for images), so a\n"
    "caller feeds the buffer it fed PyTorch. See docs/codegen.md for the ops and layers read.\n";

// A safetensors file starts with an 8-byte length and then '{'; an ONNX file is a protobuf.
bool looks_like_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[9] = {};
  in.read(head, 9);
  return in.gcount() == 9 && head[8] == '{';
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, output, ns = "model", kind;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "nerve-codegen: " << a << " needs " << what << "\n" << usage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return 0;
    } else if (a == "-o" || a == "--output") {
      output = value("a file name");
    } else if (a == "--namespace") {
      ns = value("a namespace");
    } else if (a == "--kind") {
      kind = value("onnx or checkpoint");
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "nerve-codegen: unknown option " << a << "\n" << usage;
      return 2;
    } else if (input.empty()) {
      input = a;
    } else {
      std::cerr << "nerve-codegen: more than one input (" << input << ", " << a << ")\n" << usage;
      return 2;
    }
  }
  if (input.empty() || output.empty()) {
    std::cerr << "nerve-codegen: " << (input.empty() ? "no INPUT" : "no -o OUT.hpp") << "\n" << usage;
    return 2;
  }
  if (!nerve_codegen::valid_namespace(ns)) {
    std::cerr << "nerve-codegen: --namespace " << ns << " is not a C++ namespace name (letters, digits, _ and ::)\n";
    return 2;
  }
  if (!kind.empty() && kind != "onnx" && kind != "checkpoint") {
    std::cerr << "nerve-codegen: --kind " << kind << ": onnx or checkpoint\n";
    return 2;
  }
  try {
    if (!std::filesystem::exists(input)) throw nerve_codegen::codegen_error(input + ": no such file");
    const bool checkpoint = kind.empty() ? looks_like_safetensors(input) : kind == "checkpoint";
    const nerve_codegen::model m = checkpoint ? nerve_codegen::read_checkpoint(input) : nerve_codegen::read_onnx(input);
    const std::string text = nerve_codegen::write_header(m, ns);

    const std::filesystem::path out(output);
    const std::filesystem::path tmp = out.string() + ".tmp" + std::to_string(::getpid());
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) throw nerve_codegen::codegen_error(output + ": cannot write here");
      f << text;
      f.close();
      if (!f) {
        std::filesystem::remove(tmp);
        throw nerve_codegen::codegen_error(output + ": writing failed");
      }
    }
    std::filesystem::rename(tmp, out);
    std::cout << "nerve-codegen: " << output << ": " << ns << "::network, " << m.layers.size() << " layers after Input<"
              << nerve_codegen::dims_text(m.input) << ">, from " << m.kind << " " << input << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "nerve-codegen: " << e.what() << "\n";
    return 1;
  }
}
