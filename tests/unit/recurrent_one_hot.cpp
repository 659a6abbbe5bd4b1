// A recurrent layer reading token ids as one-hot rows (OneHot<V>): its gathered input product
// against the same layer multiplying the one-hot rows themselves (PyTorch's
// `lstm(F.one_hot(ids, V).float())`), with the same parameters, for every cell: outputs, every
// parameter gradient (the scatter-add of dW_ih and db_ih), batches 1 and 3, every step and the
// last step, an id repeated across steps and samples, and values that are not ids (a row of
// zeros, no gradient); step() fed one id at a time; float and double. The dense one-hot layer is
// itself checked against plain loops and PyTorch (recurrent.cpp, recurrent_torch.cpp), and the
// OneHot layer's gradients against central differences (gradcheck/recurrent.cpp).
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include "support/network_check.hpp"  // nerve_test::for_each_array

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

using namespace nerve;

namespace {

// Ids for B samples of S steps: a repeated id, and (with odd_values) values that are not ids.
template <class T>
std::vector<T> token_ids(std::size_t B, std::size_t S, std::size_t V, bool odd_values) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const std::vector<T> odd = {T(V), T(-1), T(1.5), nan};
  std::vector<T> ids(B * S);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<T>((i * 5 + i / 3) % V);
  ids[ids.size() - 1] = ids[0];  // the same id in two samples (or twice in one)
  if (odd_values)
    for (std::size_t k = 0; k < odd.size() && 2 * k + 1 < ids.size(); ++k) ids[2 * k + 1] = odd[k];
  return ids;
}

// The one-hot rows PyTorch's F.one_hot makes of them (a value that is not an id: zeros).
template <class T>
std::vector<T> one_hot_rows(const std::vector<T>& ids, std::size_t V) {
  std::vector<T> x(ids.size() * V, T(0));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const T v = ids[i];
    if (v >= T(0) && v < T(V) && v == std::floor(v)) x[i * V + static_cast<std::size_t>(v)] = T(1);
  }
  return x;
}

// Every array of `from` into `to` (the same arrays, in the same order).
template <class To, class From>
void copy_parameters(To& to, const From& from) {
  std::vector<const void*> sources;
  const auto& from_arrays = from.parameter_arrays();
  nerve_test::for_each_array(from_arrays, [&](std::size_t, std::size_t, const auto& t) {
    sources.push_back(t.data());
  });
  std::size_t n = 0;
  auto& to_arrays = to.parameter_arrays();
  nerve_test::for_each_array(to_arrays, [&](std::size_t, std::size_t, auto& t) {
    using E = std::remove_cvref_t<decltype(*t.data())>;
    std::copy_n(static_cast<const E*>(sources[n++]), t.size, t.data());
  });
}

// The network's outputs for B samples (batched inference when B > 1).
template <std::size_t B, class Net, class T>
std::vector<T> infer(const Net& net, const std::vector<T>& x) {
  auto ws = std::make_unique<typename Net::template Workspace<B>>();
  if constexpr (B == 1) {
    const auto y = net(x.data(), *ws);
    return {y.data(), y.data() + Net::output_shape_t::size};
  } else {
    auto X = std::make_unique<Tensor<T, decltype(concat(Shape<B>{}, typename Net::input_shape_t{}))>>();
    std::copy(x.begin(), x.end(), X->data());
    const auto y = net(*X, *ws);
    return {y.data(), y.data() + B * Net::output_shape_t::size};
  }
}

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;

template <class T>
void check_close(const std::string& what, const T* got, const T* want, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    INFO(what << ", element " << i);
    CHECK(double(got[i]) == Approx(double(want[i])).epsilon(tolerance<T>).margin(tolerance<T>));
  }
}

// Ids -> Cell<H, OneHot<V>, Out...> -> Dense<3>, Softmax against one-hot rows -> Cell<H, Out...>
// -> the same: outputs and the parameter gradients of a cross-entropy step.
template <class T, template <long, class...> class Cell, std::size_t S, std::size_t V,
          std::size_t H, std::size_t B, class... Out>
void compare_with_dense(std::uint64_t seed, bool odd_values) {
  constexpr bool last = (std::is_same_v<Out, LastStep> || ...);
  using Ids = BasicNetwork<T, Input<S>, Cell<H, OneHot<V>, Out...>, Dense<3>, Softmax>;
  using Rows = BasicNetwork<T, Input<S, V>, Cell<H, Out...>, Dense<3>, Softmax>;
  static_assert(std::is_same_v<typename Ids::output_shape_t, typename Rows::output_shape_t>);
  const std::string name = Ids::summary_string();
  auto rows = std::make_unique<Rows>(Seed{seed});
  auto ids = std::make_unique<Ids>(Seed{seed + 1});
  copy_parameters(*ids, *rows);

  const std::vector<T> x_ids = token_ids<T>(B, S, V, odd_values);
  const std::vector<T> x_rows = one_hot_rows(x_ids, V);
  const std::vector<T> y_ids = infer<B>(*ids, x_ids);
  const std::vector<T> y_rows = infer<B>(*rows, x_rows);
  check_close<T>(name + ": outputs", y_ids.data(), y_rows.data(), B * Ids::output_shape_t::size);

  std::vector<std::uint32_t> labels(last ? B : B * S);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::uint32_t>((i * 7 + 1) % 3);
  Trainer<Ids, CrossEntropy, SGD, Batch<B>> train_ids(*ids);
  Trainer<Rows, CrossEntropy, SGD, Batch<B>> train_rows(*rows);
  const T loss_ids = train_ids.compute_gradients(x_ids.data(), labels.data());
  const T loss_rows = train_rows.compute_gradients(x_rows.data(), labels.data());
  CHECK(double(loss_ids) == Approx(double(loss_rows)).epsilon(tolerance<T>));
  std::vector<std::pair<const T*, std::size_t>> want;
  nerve_test::for_each_array(train_rows.gradients(), [&](std::size_t, std::size_t, const auto& t) {
    want.emplace_back(t.data(), t.size);
  });
  std::size_t n = 0;
  nerve_test::for_each_array(train_ids.gradients(), [&](std::size_t i, std::size_t j, const auto& t) {
    REQUIRE(n < want.size());
    REQUIRE(t.size == want[n].second);
    check_close<T>(name + ": gradient of layer " + std::to_string(i) + " array " + std::to_string(j),
                   t.data(), want[n].first, t.size);
    ++n;
  });
  CHECK(n == want.size());
}

template <class T, template <long, class...> class Cell>
void every_shape(std::uint64_t seed) {
  compare_with_dense<T, Cell, 1, 4, 5, 1>(seed, false);
  compare_with_dense<T, Cell, 7, 6, 5, 3>(seed + 1, true);
  compare_with_dense<T, Cell, 7, 11, 17, 1>(seed + 2, true);
  compare_with_dense<T, Cell, 2, 6, 3, 3, LastStep>(seed + 3, true);
  compare_with_dense<T, Cell, 7, 5, 17, 3, LastStep>(seed + 4, false);
}

}  // namespace

TEMPLATE_TEST_CASE("OneHot: the gathered input product equals the product with one-hot rows, "
                   "outputs and gradients, for every cell",
                   "[recurrent][one-hot]", float, double) {
  every_shape<TestType, SimpleRNN>(10);
  every_shape<TestType, LSTM>(20);
  every_shape<TestType, GRU>(30);
}

TEST_CASE("OneHot: the layer's type, name, parameters and counts", "[recurrent][one-hot]") {
  using Net = Network<Input<32>, LSTM<128, OneHot<64>>, Dense<64>, Softmax>;
  using Rows = Network<Input<32, 64>, LSTM<128>, Dense<64>, Softmax>;
  static_assert(std::is_same_v<Net::output_shape_t, Shape<32, 64>>);
  static_assert(Net::parameter_count == Rows::parameter_count);
  // The same option in either order; the name lists it before LastStep.
  static_assert(std::is_same_v<BasicNetwork<float, Input<9>, GRU<4, LastStep, OneHot<7>>>::output_shape_t,
                               Shape<4>>);
  // Cells whose products enter only as a sum keep one gradient array for both (GRU does not).
  static_assert(LSTM<8, OneHot<5>>::one_product_gradient && SimpleRNN<8, OneHot<5>>::one_product_gradient);
  static_assert(!GRU<8, OneHot<5>>::one_product_gradient && GRU<8>::products_share_gradient == false);
  static_assert(LSTM<8>::products_share_gradient && !LSTM<8>::one_product_gradient);
  // ... and so no scratch for a second one.
  static_assert(LSTM<8, OneHot<5>>::plan<float, Shape<7>, 3>::input_gradients == 0);
  static_assert(GRU<8, OneHot<5>>::plan<float, Shape<7>, 3>::input_gradients ==
                GRU<8, OneHot<5>>::plan<float, Shape<7>, 3>::input_products);
  // Those read W_ih's rows where they are (b_ih joins b_hh): no gathered copy per (b, t), only
  // the bias sum and a row of zeros for ids outside the vocabulary. GRU gathers.
  static_assert(LSTM<8, OneHot<5>>::rows_in_place && SimpleRNN<8, OneHot<5>>::rows_in_place);
  static_assert(!GRU<8, OneHot<5>>::rows_in_place && !LSTM<8>::rows_in_place);
  static_assert(LSTM<8, OneHot<5>>::plan<float, Shape<7>, 3>::input_products == 2 * 32);
  static_assert(GRU<8, OneHot<5>>::plan<float, Shape<7>, 3>::input_products == 3 * 7 * 32);
  CHECK(LSTM<128, OneHot<64>>::name() == "LSTM<128, OneHot<64>>");
  CHECK(GRU<4, LastStep, OneHot<7>>::name() == "GRU<4, OneHot<7>, LastStep>");
  // No multiply-adds over the vocabulary: the forward pass counts the hidden product and the cell.
  CHECK(Rows::inference_flops<1> - Net::inference_flops<1> == 32u * 2u * 4u * 128u * 64u);
}

TEST_CASE("OneHot: step() fed one id at a time equals the whole sequence", "[recurrent][one-hot][step]") {
  using LM = Network<Input<8>, LSTM<9, OneHot<11>>, Dense<11>, Softmax>;
  const LM lm{Seed{4}};
  const std::vector<float> ids = {3, 1, 4, 1, 5, 9, 2, 6};
  LM::Workspace<1> ws;
  const auto y = lm(ids.data(), ws);
  LM::StepState state;
  for (int round = 0; round < 2; ++round) {
    for (std::size_t t = 0; t < 8; ++t) {
      const auto p = lm.step(&ids[t], state);
      for (std::size_t j = 0; j < 11; ++j) CHECK(p.data()[j] == Approx(y.data()[t * 11 + j]).margin(1e-6));
    }
    state.reset();
  }
}
