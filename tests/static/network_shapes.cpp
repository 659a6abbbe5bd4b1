// Networks as types: shapes after every layer, parameter counts, and what is not a network,
// checked without running anything. The compile-fail tests check the messages.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

using namespace nerve;

using Mlp = Network<Input<784>, Dense<128>, ReLU, Dense<10>, Softmax>;

TEST_CASE("Network: the MLP of the README folds to the right shapes", "[network]") {
  STATIC_REQUIRE(Mlp::well_formed);
  STATIC_REQUIRE(Mlp::depth == 5);
  STATIC_REQUIRE(Mlp::input_shape == Shape<784>{});
  STATIC_REQUIRE(Mlp::shape_after<1> == Shape<128>{});
  STATIC_REQUIRE(Mlp::shape_after<2> == Shape<128>{});
  STATIC_REQUIRE(Mlp::shape_after<3> == Shape<10>{});
  STATIC_REQUIRE(Mlp::output_shape == Shape<10>{});
  // 784*128 + 128 + 128*10 + 10
  STATIC_REQUIRE(Mlp::parameter_count == 101'770);
}

TEST_CASE("Network: Flatten, bias-free Dense and every activation", "[network]") {
  using Net = Network<Input<1, 28, 28>, Flatten, Dense<64, NoBias>, LeakyReLU<0.2f>, Dense<32>,
                      Sigmoid, Dense<7>, Tanh, Softmax>;
  STATIC_REQUIRE(Net::shape_after<0> == Shape<1, 28, 28>{});
  STATIC_REQUIRE(Net::shape_after<1> == Shape<784>{});
  STATIC_REQUIRE(Net::shape_after<2> == Shape<64>{});
  STATIC_REQUIRE(Net::output_shape == Shape<7>{});
  STATIC_REQUIRE(Net::parameter_count == 784 * 64 + (64 * 32 + 32) + (32 * 7 + 7));
}

TEST_CASE("Network: activations keep any shape", "[network]") {
  using Net = Network<Input<3, 5>, ReLU, Tanh, Sigmoid, LeakyReLU<>>;
  STATIC_REQUIRE(Net::output_shape == Shape<3, 5>{});
  STATIC_REQUIRE(Net::parameter_count == 0);
}

TEST_CASE("Network: double precision is a type parameter", "[network]") {
  using Net = BasicNetwork<double, Input<3>, Dense<2>>;
  STATIC_REQUIRE(std::is_same_v<Net::value_type, double>);
  STATIC_REQUIRE(Net::parameter_count == 8);
}

// The validity of a list is a compile-time question with a plain answer.
TEST_CASE("Network: the shape rules refuse what they must", "[network]") {
  STATIC_REQUIRE(detail::layer_accepts<Dense<3>, Shape<5>>());
  STATIC_REQUIRE_FALSE(detail::layer_accepts<Dense<3>, Shape<5, 5, 1>>());
  STATIC_REQUIRE_FALSE(detail::layer_accepts<Softmax, Shape<2, 2, 2>>());
  STATIC_REQUIRE(detail::layer_accepts<Dense<3>, Shape<5, 5>>());  // every step of a sequence
  STATIC_REQUIRE_FALSE(detail::layer_accepts<Dense<0>, Shape<5>>());
  STATIC_REQUIRE_FALSE(detail::layer_accepts<int, Shape<5>>());
  STATIC_REQUIRE_FALSE(detail::layer_accepts<Input<5>, Shape<5>>());
  STATIC_REQUIRE(std::is_same_v<detail::shapes_of<Input<2, 3, 1>, Dense<4>, ReLU>,
                                meta::type_list<Shape<2, 3, 1>, invalid_shape, invalid_shape>>);
  STATIC_REQUIRE(std::is_same_v<detail::shapes_of<Input<2, 3>, Dense<4>, ReLU>,
                                meta::type_list<Shape<2, 3>, Shape<2, 4>, Shape<2, 4>>>);
  STATIC_REQUIRE(Layer<Dense<3>>);
  STATIC_REQUIRE(Layer<Flatten>);
  STATIC_REQUIRE_FALSE(Layer<int>);
}
