// LabelledData<T, Sample>: samples as views into one row-major block, labels, slices, and the
// checks made on construction.
#include <catch2/catch.hpp>

#include <nerve/train/dataset.hpp>

#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

using namespace nerve;

namespace {

// 4 samples of shape (2, 3): sample i holds 10 * i + k at flat position k.
LabelledData<float, Shape<2, 3>> four_samples() {
  std::vector<float> values;
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 6; ++k) values.push_back(static_cast<float>(10 * i + k));
  return {std::move(values), {3, 0, 2, 3}, 5};
}

}  // namespace

TEST_CASE("LabelledData: samples are views in row-major order with their labels", "[dataset]") {
  const auto data = four_samples();
  CHECK(data.size() == 4);
  CHECK_FALSE(data.empty());
  CHECK(data.classes() == 5);
  STATIC_REQUIRE(std::is_same_v<decltype(data.sample(0)), TensorView<const float, Shape<2, 3>>>);
  for (std::size_t i = 0; i < 4; ++i) {
    const auto s = data.sample(i);
    CHECK(s.data() == data.samples().data() + 6 * i);  // a view, not a copy
    for (std::size_t r = 0; r < 2; ++r)
      for (std::size_t c = 0; c < 3; ++c) CHECK(s(r, c) == static_cast<float>(10 * i + 3 * r + c));
  }
  CHECK(data.label(0) == 3);
  CHECK(data.label(2) == 2);
  CHECK(std::vector<std::uint32_t>(data.labels().begin(), data.labels().end()) ==
        std::vector<std::uint32_t>{3, 0, 2, 3});
  CHECK(data.samples().size() == 24);

  CHECK_THROWS_WITH(data.sample(4), "LabelledData::sample: index 4 is past the end of 4 samples");
  CHECK_THROWS_AS(data.label(4), std::out_of_range);
}

TEST_CASE("LabelledData: head and slice copy a range of samples and labels", "[dataset]") {
  const auto data = four_samples();
  const auto middle = data.slice(1, 2);
  CHECK(middle.size() == 2);
  CHECK(middle.classes() == 5);
  CHECK(middle.label(0) == 0);
  CHECK(middle.label(1) == 2);
  CHECK(middle.sample(0)(0, 0) == 10);
  CHECK(middle.sample(1)(1, 2) == 25);
  CHECK(middle.samples().data() != data.samples().data() + 6);  // a copy

  const auto first = data.head(1);
  CHECK(first.size() == 1);
  CHECK(first.label(0) == 3);
  CHECK(first.sample(0)(1, 1) == 4);
  CHECK(data.head(100).size() == 4);  // head takes what there is
  CHECK(data.slice(4, 0).empty());

  CHECK_THROWS_WITH(data.slice(3, 2),
                    "LabelledData::slice: samples [3, 3 + 2) are past the end of 4 samples");
  CHECK_THROWS_AS(data.slice(5, 0), std::out_of_range);
}

TEST_CASE("LabelledData: construction checks counts and label range", "[dataset]") {
  using Data = LabelledData<double, Shape<3>>;
  CHECK_THROWS_WITH((Data({1, 2, 3, 4, 5, 6}, {0}, 2)), "LabelledData: 1 labels for 2 samples");
  CHECK_THROWS_WITH((Data({1, 2, 3, 4}, {0}, 2)),
                    "LabelledData: 4 values are not a whole number of samples of shape (3) (3 "
                    "values each)");
  CHECK_THROWS_WITH((Data({1, 2, 3, 4, 5, 6, 7, 8, 9}, {0, 1, 7}, 3)),
                    "LabelledData: label out of range: label 7 at index 2, but there are 3 "
                    "classes");
  CHECK_THROWS_AS((Data({1, 2, 3}, {3}, 3)), std::invalid_argument);
  CHECK_NOTHROW(Data({1, 2, 3}, {2}, 3));
  CHECK(Data().size() == 0);
}
