// nerve/io/checkpoint.hpp: save(net, path) and load(net, path), and the same with a trainer's
// optimizer state for resuming, as safetensors files that PyTorch reads:
//
//   safetensors.torch.load_file(path) -> model.load_state_dict(...)   reads a nerve checkpoint
//   nerve::load(net, path)                                            reads PyTorch's save_file()
//
// The format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//  "__metadata__": {string: string}}, then the arrays' raw little-endian bytes, back to back.
// Array names and layouts are PyTorch's (network/torch_arrays.hpp). nerve's own facts are in
// __metadata__: format "nerve", format_version, scalar_type, the architecture (the layers as
// summary() names them), a shape signature, the optimizer and its entries, the trainer's step
// count, and a checksum (FNV-1a, 64 bits) of the data. A trainer's checkpoint adds the optimizer's
// arrays as "optimizer.<array>.<state>" (exp_avg, exp_avg_sq, momentum_buffer) and their step
// counts as "optimizer.<array>.step": PyTorch's load_state_dict(strict=True) wants only the
// model's keys, so drop those (`{k: v for k, v in d.items() if not k.startswith("optimizer.")}`).
//
// Saving is atomic: the file is written beside its destination under a temporary name, flushed to
// disk and renamed over it, so a crash leaves the previous checkpoint whole. Loading checks
// everything (the header, every array's name, type, shape and bytes, the format version, the
// scalar type, the checksum) before it changes anything: on any problem it throws io_error naming
// the file and what differs, and the network (and trainer) in memory are as they were.
// A safetensors file without nerve's metadata (one PyTorch wrote) loads when its names and shapes
// match; F32, F64 and I64 arrays are converted to the network's type. Counts PyTorch keeps as int64
// (BatchNorm's num_batches_tracked) are written as I64.
//
// The header's JSON is read and written by io/json.hpp. nerve.hpp does not include this header.
#pragma once

#include <bit>        // std::endian
#include <charconv>   // std::from_chars
#include <cmath>      // std::floor
#include <cstdint>    // std::uint64_t
#include <cstdio>     // std::FILE, std::fopen, std::fwrite, std::fflush, std::fclose
#include <cstring>    // std::memcpy
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <unistd.h>   // fsync, getpid
#include <utility>    // std::index_sequence, std::in_range
#include <vector>

#include "nerve/io/error.hpp"               // nerve::io_error
#include "nerve/io/json.hpp"                // nerve::json::parse, write_string, write_integers
#include "nerve/network/torch_arrays.hpp"   // nerve::for_each_named_array, module_name

namespace nerve {

namespace checkpoint {

static_assert(std::endian::native == std::endian::little,
              "nerve checkpoints are written with the host's byte order, which must be little "
              "endian as safetensors files are");

inline constexpr const char* format_version = "1";
inline constexpr std::string_view optimizer_prefix = "optimizer.";

template <class T>
constexpr const char* dtype_of() {
  return std::is_same_v<T, float> ? "F32" : "F64";
}
template <class T>
constexpr const char* scalar_name() {
  return std::is_same_v<T, float> ? "float32" : "float64";
}

// FNV-1a over the bytes: catches a flipped or lost byte of the data.
inline std::uint64_t fnv1a(std::span<const unsigned char> bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}
inline std::string hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = digits[v & 15];
  return out;
}

// One array to write: its name, PyTorch's shape, and its values in PyTorch's order.
template <class T>
struct entry {
  std::string name;
  std::vector<std::size_t> shape;
  std::vector<T> values;
  bool integer = false;  // written as I64 (PyTorch's int64 counts)
};

template <class A>
std::vector<std::size_t> shape_of(const A& a) {
  return std::vector<std::size_t>(a.shape.begin(), a.shape.begin() + static_cast<std::ptrdiff_t>(a.rank));
}
inline std::string shape_text(const std::vector<std::size_t>& s) {
  std::string out = "(";
  for (std::size_t d = 0; d < s.size(); ++d) out += (d ? ", " : "") + std::to_string(s[d]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// The layers as summary() names them, one line: enough for a person (or codegen) to rebuild the
// type, and to tell two networks apart.
template <class Net>
std::string architecture() {
  std::string out;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((out += (I ? " | " : "") + Net::template entry<I>::name()), ...);
  }(std::make_index_sequence<Net::depth>{});
  return out;
}

// The model's arrays (parameters and state), in state_dict order.
template <class Net>
std::vector<entry<typename Net::value_type>> model_entries(const Net& net) {
  std::vector<entry<typename Net::value_type>> out;
  for_each_named_array(net, [&](const std::string& name, auto a, array_kind) {
    entry<typename Net::value_type> e{name, shape_of(a), {}, a.integer};
    e.values.resize(a.size());
    for (std::size_t i = 0; i < e.values.size(); ++i) e.values[i] = a.at(i);
    out.push_back(std::move(e));
  });
  return out;
}

// f(name of the parameter array, its torch_array, its optimizer state) for every trainable array:
// the optimizer's arrays have the parameter's layout, so the parameter's view with the state's
// data pointer reads them in PyTorch's layout.
// (Plain function templates: g++ 12 fails on a generic lambda over the entries here.)
template <std::size_t I, class Trainer, class F>
void optimizer_state_of_entry(Trainer& trainer, F& f) {
  using Net = std::remove_reference_t<decltype(trainer.network())>;
  using T = typename Net::value_type;
  auto& states = std::get<I>(trainer.optimizer_states());
  std::vector<torch_array<T>> views;
  for_each_torch_array(trainer.network().template parameters<I>(),
                       [&](torch_array<T> a) { views.push_back(a); });
  const std::string module = module_name<Net, I>();
  std::size_t j = 0;
  std::apply([&](auto&... s) { ((f(module + "." + views[j].name, views[j], s), ++j), ...); }, states);
}
template <class Trainer, class F, std::size_t... I>
void optimizer_states_of(Trainer& trainer, F& f, std::index_sequence<I...>) {
  (optimizer_state_of_entry<I + 1>(trainer, f), ...);
}
template <class Trainer, class F>
void for_each_optimizer_state(Trainer& trainer, F&& f) {
  using Net = std::remove_reference_t<decltype(trainer.network())>;
  optimizer_states_of(trainer, f, std::make_index_sequence<Net::depth - 1>{});
}

template <class Trainer>
std::vector<entry<typename Trainer::value_type>> optimizer_entries(Trainer& trainer) {
  using T = typename Trainer::value_type;
  std::vector<entry<T>> out;
  for_each_optimizer_state(trainer, [&](const std::string& name, torch_array<T> view, auto& s) {
    s.for_each_array([&](const char* state, T* data) {
      torch_array<T> a = view;
      a.data = data;
      entry<T> e{std::string(optimizer_prefix) + name + "." + state, shape_of(a), {}};
      e.values.resize(a.size());
      for (std::size_t i = 0; i < e.values.size(); ++i) e.values[i] = a.at(i);
      out.push_back(std::move(e));
    });
    out.push_back({std::string(optimizer_prefix) + name + ".step", {}, {static_cast<T>(s.step)}});
  });
  return out;
}

// Writes entries as a safetensors file, atomically.
template <class T>
void write_file(const std::filesystem::path& path, const std::vector<entry<T>>& entries,
                const std::map<std::string, std::string>& metadata_in) {
  std::vector<unsigned char> data;
  // {"<name>":{"dtype":"F32","shape":[..],"data_offsets":[b,e]},...,"__metadata__":{..}}: compact,
  // the entries in order, the metadata last.
  std::string text = "{";
  for (const auto& e : entries) {
    const std::size_t begin = data.size();
    if (e.integer) {
      data.resize(begin + e.values.size() * 8);
      for (std::size_t i = 0; i < e.values.size(); ++i) {
        const auto v = static_cast<std::int64_t>(e.values[i]);
        std::memcpy(data.data() + begin + 8 * i, &v, 8);
      }
    } else {
      data.resize(begin + e.values.size() * sizeof(T));
      std::memcpy(data.data() + begin, e.values.data(), e.values.size() * sizeof(T));
    }
    const std::size_t offsets[2] = {begin, data.size()};
    json::write_string(text, e.name);
    text += ":{\"dtype\":";
    json::write_string(text, e.integer ? "I64" : dtype_of<T>());
    text += ",\"shape\":";
    json::write_integers(text, e.shape);
    text += ",\"data_offsets\":";
    json::write_integers(text, offsets);
    text += "},";
  }
  auto metadata = metadata_in;
  metadata["checksum"] = "fnv1a64:" + hex(fnv1a(data));
  text += "\"__metadata__\":{";
  for (const auto& [k, v] : metadata) {
    if (text.back() != '{') text += ',';
    json::write_string(text, k);
    text += ':';
    json::write_string(text, v);
  }
  text += "}}";
  while ((8 + text.size()) % 8 != 0) text += ' ';  // the data starts 8-byte aligned
  const std::uint64_t n = text.size();

  const std::filesystem::path tmp =
      path.parent_path() / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    throw io_error(path, "cannot write a checkpoint here: cannot create " + tmp.string() + " (" +
                             std::generic_category().message(errno) + ")");
  }
  const bool written = std::fwrite(&n, 8, 1, f) == 1 &&
                       std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                       std::fwrite(data.data(), 1, data.size(), f) == data.size() &&
                       std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int error = errno;
  if (std::fclose(f) != 0 || !written) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw io_error(path, "writing the checkpoint failed (" + std::generic_category().message(error) +
                             "); the previous file, if any, is unchanged");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw io_error(path, "cannot replace the checkpoint (" + ec.message() + ")");
  }
}

template <class Net>
std::map<std::string, std::string> model_metadata() {
  using T = typename Net::value_type;
  std::string signature = "input " + shape_text(std::vector<std::size_t>(
                                         Net::input_shape_t::dims.begin(), Net::input_shape_t::dims.end())) +
                          " output " + shape_text(std::vector<std::size_t>(
                                           Net::output_shape_t::dims.begin(), Net::output_shape_t::dims.end())) +
                          " parameters " + std::to_string(Net::parameter_count);
  return {{"format", "nerve"},
          {"format_version", format_version},
          {"scalar_type", scalar_name<T>()},
          {"architecture", architecture<Net>()},
          {"shape_signature", signature}};
}

// ---- reading --------------------------------------------------------------------------------
// A checked view of a file's arrays: every entry's bytes are inside the data and of its size.
struct array_record {
  std::string dtype;
  std::vector<std::size_t> shape;
  std::size_t begin = 0, end = 0;
};
struct file_contents {
  std::map<std::string, array_record> arrays;
  std::map<std::string, std::string> metadata;  // empty for a file without any
  std::vector<unsigned char> data;
  bool nerve = false;  // written by nerve (its metadata present)
};

inline file_contents read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(path, "cannot open the checkpoint (missing or unreadable)");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8) {
    throw io_error(path, "truncated: " + std::to_string(bytes.size()) +
                             " bytes, not even the 8-byte header length of a safetensors file");
  }
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  if (n > bytes.size() - 8) {
    throw io_error(path, "truncated or not a safetensors file: the header says " + std::to_string(n) +
                             " bytes of JSON, but only " + std::to_string(bytes.size() - 8) + " follow");
  }
  json::value header;
  try {
    header = json::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()) + 8, n));
  } catch (const json::parse_error& e) {
    throw io_error(path, std::string("not a safetensors file: its header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw io_error(path, "not a safetensors file: its header is not a JSON object");
  file_contents c;
  c.data.assign(bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n), bytes.end());
  for (const auto& [key, value] : header.members) {
    if (key == "__metadata__") {
      if (!value.is_object()) throw io_error(path, "__metadata__ is not a JSON object");
      for (const auto& [k, v] : value.members) {
        if (!v.is_string()) throw io_error(path, "__metadata__ entry \"" + k + "\" is not a string");
        c.metadata[k] = v.text;
      }
      continue;
    }
    const auto bad = [&](const std::string& why) {
      return io_error(path, "array \"" + key + "\": " + why);
    };
    const json::value* dtype = value.find("dtype");
    const json::value* shape = value.find("shape");
    const json::value* data_offsets = value.find("data_offsets");
    if (!value.is_object() || !dtype || !shape || !data_offsets) {
      throw bad("not an entry with dtype, shape and data_offsets");
    }
    // Sizes must be JSON's non-negative integers: a negative one would wrap and a float like 1e30
    // would convert with undefined behaviour (tests/fuzz/regressions/checkpoint/).
    const auto counts = [](const json::value& v, std::vector<std::size_t>& out) {
      if (!v.is_array()) return false;
      for (const json::value& d : v.items) {
        const auto n = d.as_uint64();
        if (!n || !std::in_range<std::size_t>(*n)) return false;
        out.push_back(static_cast<std::size_t>(*n));
      }
      return true;
    };
    array_record r;
    std::vector<std::size_t> offsets;
    if (!counts(*shape, r.shape)) throw bad("shape must be a list of non-negative integers");
    if (!counts(*data_offsets, offsets)) throw bad("data_offsets must be a list of non-negative integers");
    if (!dtype->is_string()) throw bad("malformed (dtype is not a string)");
    if (offsets.size() != 2) throw bad("data_offsets must be [begin, end]");
    r.dtype = dtype->text;
    r.begin = offsets[0];
    r.end = offsets[1];
    std::size_t width = r.dtype == "F32" ? 4 : r.dtype == "F64" || r.dtype == "I64" ? 8 : 0;
    if (width == 0) throw bad("type " + r.dtype + ": nerve reads F32, F64 and I64 arrays");
    std::size_t count = 1;  // (checked: a shape whose count wraps around would match few bytes)
    for (const std::size_t d : r.shape) {
      if (d != 0 && count > (std::size_t{1} << 60) / d) throw bad("shape " + shape_text(r.shape) + " has too many elements");
      count *= d;
    }
    if (r.begin > r.end || r.end > c.data.size()) {
      throw bad("its bytes [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                ") are not within the file's " + std::to_string(c.data.size()) +
                " bytes of data (a truncated file?)");
    }
    if (r.end - r.begin != count * width) {
      throw bad("shape " + shape_text(r.shape) + " of " + r.dtype + " needs " +
                std::to_string(count * width) + " bytes, the file gives " + std::to_string(r.end - r.begin));
    }
    c.arrays.emplace(key, std::move(r));
  }
  c.nerve = c.metadata.count("format") && c.metadata.at("format") == "nerve";
  if (c.nerve) {
    const auto version = c.metadata.count("format_version") ? c.metadata.at("format_version") : "(none)";
    if (version != format_version) {
      throw io_error(path, "nerve checkpoint format version " + version + "; this nerve reads version " +
                               format_version);
    }
    if (c.metadata.count("checksum")) {
      const std::string want = c.metadata.at("checksum");
      const std::string got = "fnv1a64:" + hex(fnv1a(c.data));
      if (want != got) {
        throw io_error(path, "corrupted: the data's checksum is " + got + ", the file says " + want);
      }
    }
  }
  return c;
}

// The values of one record, converted to T.
template <class T>
std::vector<T> values_of(const file_contents& c, const array_record& r) {
  const std::size_t width = r.dtype == "F32" ? 4 : 8;
  std::vector<T> out((r.end - r.begin) / width);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (width == 4) {
      float v;
      std::memcpy(&v, c.data.data() + r.begin + 4 * i, 4);
      out[i] = static_cast<T>(v);
    } else if (r.dtype == "I64") {
      std::int64_t v;
      std::memcpy(&v, c.data.data() + r.begin + 8 * i, 8);
      out[i] = static_cast<T>(v);
    } else {
      double v;
      std::memcpy(&v, c.data.data() + r.begin + 8 * i, 8);
      out[i] = static_cast<T>(v);
    }
  }
  return out;
}

// Checks the file against the network (names, shapes, the scalar type a nerve file was saved in)
// and stages every model array's values; nothing is written yet.
template <class Net>
std::vector<std::pair<std::string, std::vector<typename Net::value_type>>> stage_model(
    const Net& net, const file_contents& c, const std::filesystem::path& path) {
  using T = typename Net::value_type;
  if (c.nerve && c.metadata.count("scalar_type") && c.metadata.at("scalar_type") != scalar_name<T>()) {
    throw io_error(path, "saved from a network of " + c.metadata.at("scalar_type") +
                             ", loaded into one of " + scalar_name<T>() +
                             " (use a network of the same element type)");
  }
  std::vector<std::pair<std::string, std::vector<T>>> staged;
  std::string missing, mismatched;
  for_each_named_array(net, [&](const std::string& name, auto a, array_kind) {
    const auto it = c.arrays.find(name);
    if (it == c.arrays.end()) {
      missing += (missing.empty() ? "" : ", ") + name;
      return;
    }
    if (it->second.shape != shape_of(a)) {
      mismatched += (mismatched.empty() ? "" : "; ") + name + " is " + shape_text(it->second.shape) +
                    " in the file, " + a.shape_text() + " in the network";
      return;
    }
    staged.emplace_back(name, values_of<T>(c, it->second));
  });
  std::string extra;
  for (const auto& [name, r] : c.arrays) {
    if (name.starts_with(optimizer_prefix)) continue;
    bool known = false;
    for (const auto& [n, v] : staged) known = known || n == name;
    if (!known && missing.find(name) == std::string::npos && mismatched.find(name) == std::string::npos)
      extra += (extra.empty() ? "" : ", ") + name;
  }
  if (!missing.empty() || !mismatched.empty() || !extra.empty()) {
    std::string why = "does not fit this network";
    if (c.nerve && c.metadata.count("architecture") && c.metadata.at("architecture") != architecture<Net>()) {
      why += " (saved from " + c.metadata.at("architecture") + "; this network is " +
             architecture<Net>() + ")";
    }
    if (!mismatched.empty()) why += "; shapes differ: " + mismatched;
    if (!missing.empty()) why += "; missing: " + missing;
    if (!extra.empty()) why += "; arrays the network does not have: " + extra;
    throw io_error(path, why);
  }
  return staged;
}

template <class Net>
void apply_model(Net& net, const std::vector<std::pair<std::string, std::vector<typename Net::value_type>>>& staged) {
  std::size_t k = 0;
  for_each_named_array(net, [&](const std::string&, auto a, array_kind) {
    const auto& v = staged[k++].second;
    for (std::size_t i = 0; i < v.size(); ++i) a.at(i) = v[i];
  });
}

}  // namespace checkpoint

// Saves the network's parameters and state (running statistics).
template <class Net>
void save(const Net& net, const std::filesystem::path& path) {
  checkpoint::write_file(path, checkpoint::model_entries(net), checkpoint::model_metadata<Net>());
}

// Loads what save(net, path), or PyTorch's safetensors.torch.save_file(model.state_dict(), path)
// wrote into a network of the same layers.
template <class Net>
  requires requires { typename Net::parameter_tuple; }
void load(Net& net, const std::filesystem::path& path) {
  const checkpoint::file_contents c = checkpoint::read_file(path);
  checkpoint::apply_model(net, checkpoint::stage_model(net, c, path));
}

// Saves a trainer's network and its optimizer's state and step count, to resume training.
template <class Trainer>
  requires requires(Trainer& t) { t.optimizer_states(); }
void save(Trainer& trainer, const std::filesystem::path& path) {
  using Net = std::remove_reference_t<decltype(trainer.network())>;
  auto entries = checkpoint::model_entries(trainer.network());
  auto optimizer = checkpoint::optimizer_entries(trainer);
  entries.insert(entries.end(), optimizer.begin(), optimizer.end());
  auto metadata = checkpoint::model_metadata<Net>();
  metadata["optimizer"] = std::remove_cvref_t<decltype(trainer.optimizer())>::name;
  metadata["trainer_steps"] = std::to_string(trainer.steps());
  std::string names;
  for (const auto& e : optimizer) names += (names.empty() ? "" : ",") + e.name;
  metadata["optimizer_entries"] = names;
  checkpoint::write_file(path, entries, metadata);
}

// Loads a trainer checkpoint: the network, the optimizer's state and the step count, so that
// training goes on exactly as if it had not stopped. A file without optimizer state (save(net))
// is an error here: load(trainer.network(), path) loads its weights alone.
template <class Trainer>
  requires requires(Trainer& t) { t.optimizer_states(); }
void load(Trainer& trainer, const std::filesystem::path& path) {
  using T = typename Trainer::value_type;
  const checkpoint::file_contents c = checkpoint::read_file(path);
  auto staged = checkpoint::stage_model(trainer.network(), c, path);
  const std::string want = std::remove_cvref_t<decltype(trainer.optimizer())>::name;
  if (!c.metadata.count("optimizer")) {
    throw io_error(path, "has no optimizer state (saved with save(net, path)); load it with "
                         "load(trainer.network(), path), or save with save(trainer, path)");
  }
  if (c.metadata.at("optimizer") != want) {
    throw io_error(path, "holds the state of " + c.metadata.at("optimizer") + ", this trainer uses " + want);
  }
  // Stage the optimizer's arrays: every one the file has for a parameter must be a state this
  // optimizer keeps, of the parameter's shape, and every parameter must have its step count.
  std::vector<std::vector<T>> values;  // in the order the apply pass below meets them
  std::vector<std::size_t> steps;
  std::string problem;
  const auto note = [&](const std::string& p) { problem += (problem.empty() ? "" : "; ") + p; };
  checkpoint::for_each_optimizer_state(trainer, [&](const std::string& name, torch_array<T> view, auto& s) {
    const std::string prefix = std::string(checkpoint::optimizer_prefix) + name + ".";
    const auto step = c.arrays.find(prefix + "step");
    if (step == c.arrays.end() || !step->second.shape.empty()) return note("no step count " + prefix + "step");
    const T count = checkpoint::values_of<T>(c, step->second)[0];
    // (a NaN or negative count converted to std::size_t would be undefined behaviour)
    if (!(count >= 0 && count <= T(1e15)) || count != std::floor(count)) {
      return note(prefix + "step is " + std::to_string(count) + ", not a step count");
    }
    steps.push_back(static_cast<std::size_t>(count));
    for (const auto& [key, record] : c.arrays) {
      if (!key.starts_with(prefix) || key == prefix + "step") continue;
      if (!s.keeps(key.substr(prefix.size()))) {
        note(key + " is not a state of " + want);
      } else if (record.shape != checkpoint::shape_of(view)) {
        note(key + " is " + checkpoint::shape_text(record.shape) + ", its parameter " + view.shape_text());
      } else {
        values.push_back(checkpoint::values_of<T>(c, record));
      }
    }
  });
  if (!problem.empty()) throw io_error(path, "optimizer state does not fit this trainer: " + problem);
  // The trainer's step count, checked before anything changes (std::stoull once threw
  // std::invalid_argument here, after the network had been overwritten).
  std::uint64_t trainer_steps = trainer.steps();
  if (c.metadata.count("trainer_steps")) {
    const std::string& text = c.metadata.at("trainer_steps");
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), trainer_steps);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
      throw io_error(path, "trainer_steps \"" + text + "\" is not a step count");
    }
  }
  // Nothing can fail from here: the network, the optimizer's arrays, the step counts.
  checkpoint::apply_model(trainer.network(), staged);
  std::size_t k = 0, n = 0;
  checkpoint::for_each_optimizer_state(trainer, [&](const std::string& name, torch_array<T> view, auto& s) {
    const std::string prefix = std::string(checkpoint::optimizer_prefix) + name + ".";
    s.step = steps[n++];
    for (const auto& [key, record] : c.arrays) {
      if (!key.starts_with(prefix) || key == prefix + "step") continue;
      torch_array<T> target = view;
      target.data = s.array_for(key.substr(prefix.size()));
      const auto& v = values[k++];
      for (std::size_t i = 0; i < v.size(); ++i) target.at(i) = v[i];
    }
  });
  trainer.restore_steps(trainer_steps);
}

}  // namespace nerve
