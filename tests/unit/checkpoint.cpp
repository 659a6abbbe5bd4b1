// Checkpoints (include/nerve/io/checkpoint.hpp) and arrays by PyTorch's names
// (include/nerve/network/torch_arrays.hpp): round trips for every kind of layer (dense,
// convolutional with BatchNorm's running statistics, recurrent, embedding), training resumed
// from a trainer checkpoint bit for bit (Adam; SGD with momentum), a file PyTorch's save_file
// would write (no nerve metadata, float64 arrays), and every kind of bad file, each with its error
// naming the file, the network left as it was.
#include <catch2/catch.hpp>

#include <nerve/io/checkpoint.hpp>
#include <nerve/nerve.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace nerve;

namespace {

std::filesystem::path scratch_file(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "nerve_checkpoint_tests";
  std::filesystem::create_directories(dir);
  return dir / name;
}

std::vector<unsigned char> bytes_of(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<unsigned char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void write_bytes(const std::filesystem::path& p, const std::vector<unsigned char>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Every array of a network, by name: to see that a failed load changed nothing.
template <class Net>
std::vector<std::vector<typename Net::value_type>> snapshot(const Net& net) {
  std::vector<std::vector<typename Net::value_type>> out;
  for (const auto& name : array_names(net)) out.push_back(read_array(net, name));
  return out;
}

// A safetensors file as PyTorch's save_file writes one: header, arrays, no nerve metadata.
struct foreign_array {
  std::string name;
  std::vector<std::size_t> shape;
  std::vector<double> values;
};
void write_foreign(const std::filesystem::path& p, const std::vector<foreign_array>& arrays) {
  std::string header = "{";
  std::vector<unsigned char> data;
  for (const auto& a : arrays) {
    std::string shape;
    for (const auto d : a.shape) shape.append(shape.empty() ? "" : ",").append(std::to_string(d));
    const std::size_t begin = data.size();
    data.resize(begin + 8 * a.values.size());
    std::memcpy(data.data() + begin, a.values.data(), 8 * a.values.size());
    // Appended piece by piece (g++ 12's -Wrestrict false alarm on "literal" + string chains).
    header.append(header.size() > 1 ? "," : "").append("\"").append(a.name);
    header.append("\":{\"dtype\":\"F64\",\"shape\":[").append(shape).append("],\"data_offsets\":[");
    header.append(std::to_string(begin)).append(",").append(std::to_string(data.size())).append("]}");
  }
  header += "}";
  std::vector<unsigned char> file(8);
  const std::uint64_t n = header.size();
  std::memcpy(file.data(), &n, 8);
  file.insert(file.end(), header.begin(), header.end());
  file.insert(file.end(), data.begin(), data.end());
  write_bytes(p, file);
}

}  // namespace

TEST_CASE("arrays by PyTorch's names and layouts", "[checkpoint][arrays]") {
  using Net = Network<Input<2, 5, 5>, Conv2D<3, Kernel<3, 3>>, BatchNorm<>, ReLU, Flatten, Dense<4>,
                      Named<"head", Dense<2>>, Softmax>;
  Net net{Seed{1}};
  CHECK(array_names(net) ==
        std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                 "1.running_var", "1.num_batches_tracked", "4.weight", "4.bias",
                                 "head.weight", "head.bias"});
  CHECK(array_shape(net, "4.weight") == std::vector<std::size_t>{4, 27});  // Linear: (out, in)
  CHECK(array_shape(net, "0.weight") == std::vector<std::size_t>{3, 2, 3, 3});
  CHECK(array_shape(net, "1.num_batches_tracked").empty());  // a PyTorch scalar
  // Linear.weight[m][k] is Dense's w(m, k), whatever the packing.
  const auto w = read_array(net, "4.weight");
  CHECK(w[2 * 27 + 5] == net.parameters<5>().w(2, 5));
  std::vector<float> v(8);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  write_array<6>(net, "weight", std::span<const float>(v));  // by entry index: "head.weight"
  CHECK(net.parameters<6>().w(1, 3) == 7.0f);
  CHECK_THROWS_WITH(write_array(net, "head.bias", std::span<const float>(v)),
                    "write_array: \"head.bias\" has shape (2,), 2 values, not 8");
  CHECK_THROWS_WITH(read_array(net, "9.weight"),
                    Catch::StartsWith("read_array: the network has no array named \"9.weight\" (it has 0.weight, "));
  // LSTM: PyTorch's stacked gate rows, through the packing.
  using Rnn = Network<Input<4, 3>, LSTM<5>>;
  Rnn rnn{Seed{2}};
  CHECK(array_shape(rnn, "0.weight_hh_l0") == std::vector<std::size_t>{20, 5});
  CHECK(read_array(rnn, "0.weight_hh_l0")[7 * 5 + 2] == rnn.parameters<1>().w_hh(7, 2));
  CHECK(read_array(rnn, "0.bias_ih_l0").size() == 20);
}

TEST_CASE("checkpoints round-trip every kind of layer", "[checkpoint]") {
  const auto path = scratch_file("round_trip.safetensors");
  using Cnn = Network<Input<1, 6, 6>, Conv2D<3, Kernel<3, 3>, Pad<1>>, BatchNorm<>, ReLU, MaxPool<2>,
                      Flatten, Dense<5>, Softmax>;
  Cnn a{Seed{1}}, b{Seed{2}};
  // Train a little, so the running statistics and num_batches_tracked move off their start.
  Trainer<Cnn, CrossEntropy, Adam, Batch<4>> trainer(a);
  std::vector<float> x(4 * 36);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) / 7.0f;
  const std::uint32_t labels[4] = {0, 1, 2, 3};
  for (int i = 0; i < 3; ++i) trainer.step(x.data(), labels);
  CHECK(read_array(a, "1.num_batches_tracked")[0] == 3.0f);
  save(a, path);
  load(b, path);
  CHECK(snapshot(a) == snapshot(b));
  const auto ya = a(x.data());
  const auto yb = b(x.data());
  for (std::size_t j = 0; j < 5; ++j) CHECK(ya(j) == yb(j));

  using LM = BasicNetwork<double, Input<7>, Embedding<9, 4>, GRU<5>, LSTM<3>, Dense<9>, Softmax>;
  LM c{Seed{3}}, d{Seed{4}};
  save(c, path);
  load(d, path);
  CHECK(snapshot(c) == snapshot(d));
}

TEST_CASE("training resumed from a trainer checkpoint is bit-identical", "[checkpoint][resume]") {
  const auto path = scratch_file("resume.safetensors");
  using Net = Network<Input<5, 3>, LSTM<6>, Dense<4>, Softmax>;
  std::vector<float> x(8 * 15);
  std::vector<std::uint32_t> y(8 * 5);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3f * static_cast<float>(i));
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<std::uint32_t>(i % 4);
  const auto check = [&](auto make_optimizer) {
    using Opt = decltype(make_optimizer());
    Net uninterrupted{Seed{5}};
    Trainer<Net, CrossEntropy, Opt, Batch<8>> t1(uninterrupted, make_optimizer());
    for (int i = 0; i < 10; ++i) t1.step(x.data(), y.data());

    Net first{Seed{5}};
    Trainer<Net, CrossEntropy, Opt, Batch<8>> t2(first, make_optimizer());
    for (int i = 0; i < 5; ++i) t2.step(x.data(), y.data());
    save(t2, path);
    Net resumed{Seed{99}};  // other weights: all of them come from the file
    Trainer<Net, CrossEntropy, Opt, Batch<8>> t3(resumed, make_optimizer());
    load(t3, path);
    CHECK(t3.steps() == 5);
    for (int i = 0; i < 5; ++i) t3.step(x.data(), y.data());
    CHECK(snapshot(uninterrupted) == snapshot(resumed));
  };
  check([] { return Adam{.learning_rate = 0.01}; });
  check([] { return SGD{.learning_rate = 0.1, .momentum = 0.9, .dampening = 0.1}; });
}

TEST_CASE("a safetensors file PyTorch wrote (no nerve metadata, float64) loads", "[checkpoint][torch]") {
  const auto path = scratch_file("foreign.safetensors");
  using Net = Network<Input<3>, Dense<2>, Tanh, Dense<1>>;
  // state_dict of nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1)).
  write_foreign(path, {{"0.weight", {2, 3}, {1, 2, 3, 4, 5, 6}},
                       {"0.bias", {2}, {0.5, -0.5}},
                       {"2.weight", {1, 2}, {0.25, -1}},
                       {"2.bias", {1}, {2}}});
  Net net;
  load(net, path);
  CHECK(net.parameters<1>().w(1, 0) == 4.0f);
  CHECK(net.parameters<3>().b(0) == 2.0f);
  const float in[3] = {0.1f, -0.2f, 0.3f};
  const double h0 = std::tanh(0.1 - 0.4 + 0.9 + 0.5), h1 = std::tanh(0.4 - 1.0 + 1.8 - 0.5);
  CHECK(net(in)(0) == Approx(0.25 * h0 - h1 + 2).epsilon(1e-6));
}

TEST_CASE("bad checkpoints: a clear error naming the file, the network unchanged",
          "[checkpoint][errors]") {
  const auto good = scratch_file("good.safetensors");
  const auto bad = scratch_file("bad.safetensors");
  using Net = Network<Input<4>, Dense<3>, ReLU, Dense<2>, Softmax>;
  Net saved{Seed{1}};
  save(saved, good);
  const auto bytes = bytes_of(good);
  Net net{Seed{2}};
  const auto before = snapshot(net);
  const auto fails_with = [&](const std::vector<unsigned char>& b, const std::string& problem) {
    write_bytes(bad, b);
    CHECK_THROWS_WITH(load(net, bad), Catch::StartsWith(bad.string() + ": ") && Catch::Contains(problem));
    CHECK(snapshot(net) == before);
  };
  SECTION("missing") {
    CHECK_THROWS_WITH(load(net, scratch_file("nothing_here.safetensors")),
                      Catch::Contains("cannot open the checkpoint (missing or unreadable)"));
  }
  SECTION("truncated anywhere") {
    fails_with({bytes.begin(), bytes.begin() + 5}, "truncated: 5 bytes");
    fails_with({bytes.begin(), bytes.begin() + 40}, "truncated or not a safetensors file");
    fails_with({bytes.begin(), bytes.end() - 1}, "not within the file's");
  }
  SECTION("a flipped byte in the data") {
    auto b = bytes;
    b[b.size() - 3] ^= 0x10;
    fails_with(b, "corrupted: the data's checksum is fnv1a64:");
  }
  SECTION("not JSON") {
    auto b = bytes;
    b[8] = '[';
    b[9] = '!';
    fails_with(b, "its header is not valid JSON");
    // Two entries of one name (which would be meant?): the header's reader rejects a repeated key.
    std::string twice(bytes.begin(), bytes.end());
    twice.replace(twice.find("\"2.bias\""), 8, "\"0.bias\"");
    fails_with({twice.begin(), twice.end()}, "the key \"0.bias\" appears twice in one object");
  }
  SECTION("another format version or element type") {
    std::string text(bytes.begin(), bytes.end());
    auto swap = [&](const std::string& from, const std::string& to) {
      std::string t = text;
      t.replace(t.find(from), from.size(), to);
      return std::vector<unsigned char>(t.begin(), t.end());
    };
    fails_with(swap("\"format_version\":\"1\"", "\"format_version\":\"7\""),
               "nerve checkpoint format version 7; this nerve reads version 1");
    BasicNetwork<double, Input<4>, Dense<3>, ReLU, Dense<2>, Softmax> wide;
    CHECK_THROWS_WITH(load(wide, good), Catch::Contains("saved from a network of float32, loaded into one of float64"));
  }
  SECTION("another network") {
    Network<Input<4>, Dense<5>, ReLU, Dense<2>, Softmax> other;
    CHECK_THROWS_WITH(load(other, good),
                      Catch::Contains("does not fit this network (saved from Input<4> | Dense<3> | ReLU | "
                                      "Dense<2> | Softmax; this network is Input<4> | Dense<5> | ReLU | "
                                      "Dense<2> | Softmax); shapes differ: 0.weight is (3, 4) in the "
                                      "file, (5, 4) in the network"));
    Network<Input<4>, Dense<3>, ReLU, Dense<2>, Dense<2>> longer;
    CHECK_THROWS_WITH(load(longer, good), Catch::Contains("missing: 3.weight, 3.bias"));
  }
  SECTION("a model file given to a trainer, and another optimizer's state") {
    Trainer<Net, CrossEntropy, Adam, Batch<2>> adam(net);
    CHECK_THROWS_WITH(load(adam, good), Catch::Contains("has no optimizer state"));
    Trainer<Net, CrossEntropy, SGD, Batch<2>> sgd(saved);
    save(sgd, bad);
    CHECK_THROWS_WITH(load(adam, bad), Catch::Contains("holds the state of SGD, this trainer uses Adam"));
    CHECK(snapshot(net) == before);
  }
}

TEST_CASE("saving is atomic: a failed save leaves the previous checkpoint whole", "[checkpoint][atomic]") {
  const auto dir = scratch_file("atomic");
  std::filesystem::create_directories(dir);
  const auto path = dir / "net.safetensors";
  using Net = Network<Input<4>, Dense<3>>;
  Net a{Seed{1}}, b{Seed{2}};
  save(a, path);
  const auto first = bytes_of(path);
  save(b, path);  // replaced whole
  Net c;
  load(c, path);
  CHECK(snapshot(c) == snapshot(b));
  // A save that cannot complete (its folder is gone) throws and leaves no temporary file behind.
  CHECK_THROWS_WITH(save(a, dir / "no_such_folder" / "net.safetensors"),
                    Catch::Contains("cannot write a checkpoint here"));
  for (const auto& e : std::filesystem::directory_iterator(dir))
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  CHECK(first.size() == bytes_of(path).size());
}
