// The mistakes of tests/compile_fail/, asked as plain compile-time questions: each one is
// refused by the predicate the network check is built on, and its fix is accepted. Nothing
// here fails to compile; the compile-fail tests check the messages.
// Not checkable here: BasicNetwork<int, ...>, Dense<10, int> and Dense<10, WithBias, float>,
// which static_assert in the class body as soon as they are instantiated (see
// compile_fail/int_element_type.cpp, dense_second_argument.cpp, dense_third_argument.cpp).
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

#include <nerve/nerve.hpp>

using namespace nerve;
using detail::layer_accepts;
using detail::shapes_of;
using meta::type_list;

namespace {
// A user's activation written as a plain struct, and the same one done right.
struct NotDerived {
  static std::string name() { return "NotDerived"; }
};
using Swish = Activation<expr::x * expr::sigmoid(expr::x)>;
// Derives from nerve::layer but has no name(): the concept asks for both.
struct Nameless : elementwise_layer {};
}  // namespace

TEST_CASE("negative: a list without Input folds to no shape", "[network][negative]") {
  // missing_input.cpp, empty_network.cpp
  STATIC_REQUIRE(std::is_same_v<shapes_of<Dense<128>, ReLU, Dense<10>>, type_list<invalid_shape>>);
  STATIC_REQUIRE(std::is_same_v<shapes_of<>, type_list<invalid_shape>>);
  STATIC_REQUIRE_FALSE(is_input<Dense<128>>);
  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<784>, Dense<10>>, type_list<Shape<784>, Shape<10>>>);
}

TEST_CASE("negative: Input needs positive dimensions, at least one", "[network][negative]") {
  // input_zero_dimension.cpp, input_negative_dimension.cpp, input_no_dimension.cpp
  STATIC_REQUIRE_FALSE(Input<28, 0, 1>::valid_parameters);
  STATIC_REQUIRE_FALSE(Input<-4, -4>::valid_parameters);
  STATIC_REQUIRE_FALSE(Input<28, -1>::valid_parameters);
  STATIC_REQUIRE_FALSE(Input<>::valid_parameters);
  STATIC_REQUIRE(Input<1, 28, 28>::valid_parameters);
  STATIC_REQUIRE(Input<1>::valid_parameters);
  // An invalid Input starts no fold, so no layer after it is checked against a made-up shape.
  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<28, 0, 1>, Flatten, Dense<10>>,
                                type_list<invalid_shape>>);
  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<>, Dense<10>>, type_list<invalid_shape>>);
  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<-4, -4>, Flatten, Dense<10>>,
                                type_list<invalid_shape>>);
}

TEST_CASE("negative: Dense and Softmax refuse a rank-3 shape", "[network][negative]") {
  // dense_after_rank3.cpp, dense_deep_in_lenet.cpp, softmax_on_rank3.cpp
  STATIC_REQUIRE_FALSE(layer_accepts<Dense<10>, Shape<4, 4, 16>>());
  STATIC_REQUIRE_FALSE(layer_accepts<Dense<3>, Shape<2, 2, 1>>());
  STATIC_REQUIRE(layer_accepts<Dense<10>, Shape<256>>());
  STATIC_REQUIRE(layer_accepts<Dense<3>, Shape<2, 2>>());  // a sequence: every step
  STATIC_REQUIRE_FALSE(layer_accepts<Softmax, Shape<4, 4, 16>>());
  STATIC_REQUIRE(layer_accepts<Softmax, Shape<10>>());
  STATIC_REQUIRE(layer_accepts<Softmax, Shape<7, 10>>());  // each step
  STATIC_REQUIRE(layer_accepts<Flatten, Shape<4, 4, 16>>());
  STATIC_REQUIRE(layer_accepts<ReLU, Shape<4, 4, 16>>());

  // The first refusal makes every later shape invalid_shape: one mistake, one error.
  using Broken = shapes_of<Input<1, 28, 28>, ReLU, Tanh, Dense<120>, ReLU, Dense<84>, ReLU,
                           Dense<10>, Softmax>;
  STATIC_REQUIRE(std::is_same_v<
                 Broken, type_list<Shape<1, 28, 28>, Shape<1, 28, 28>, Shape<1, 28, 28>,
                                   invalid_shape, invalid_shape, invalid_shape, invalid_shape,
                                   invalid_shape, invalid_shape>>);
  using Fixed = Network<Input<1, 28, 28>, ReLU, Tanh, Flatten, Dense<120>, ReLU, Dense<84>, ReLU,
                        Dense<10>, Softmax>;
  STATIC_REQUIRE(Fixed::well_formed);
  STATIC_REQUIRE(Fixed::shape_after<3> == Shape<784>{});
  STATIC_REQUIRE(Fixed::output_shape == Shape<10>{});

  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<4, 4, 16>, ReLU, Softmax>,
                                type_list<Shape<4, 4, 16>, Shape<4, 4, 16>, invalid_shape>>);
}

TEST_CASE("negative: Input after the first position is refused as a layer", "[network][negative]") {
  // second_input.cpp
  STATIC_REQUIRE(is_input<Input<64>>);
  STATIC_REQUIRE_FALSE(layer_accepts<Input<64>, Shape<64>>());
  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<784>, Dense<64>, Input<64>, Dense<10>>,
                                type_list<Shape<784>, Shape<64>, invalid_shape, invalid_shape>>);
}

TEST_CASE("negative: only types derived from nerve::layer with a name() are layers",
          "[network][negative]") {
  // not_a_layer.cpp, int_in_layer_list.cpp, network_as_layer.cpp
  STATIC_REQUIRE_FALSE(Layer<int>);
  STATIC_REQUIRE_FALSE(Layer<double>);
  STATIC_REQUIRE_FALSE(Layer<NotDerived>);
  STATIC_REQUIRE_FALSE(Layer<Nameless>);
  STATIC_REQUIRE(Layer<Swish>);
  STATIC_REQUIRE_FALSE(Layer<Network<Input<784>, Dense<64>>>);
  STATIC_REQUIRE_FALSE(layer_accepts<int, Shape<784>>());
  STATIC_REQUIRE_FALSE(layer_accepts<NotDerived, Shape<784>>());
  STATIC_REQUIRE(layer_accepts<Swish, Shape<784>>());
  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<784>, Dense<64>, int, Dense<10>>,
                                type_list<Shape<784>, Shape<64>, invalid_shape, invalid_shape>>);
  STATIC_REQUIRE(Network<Input<784>, Dense<64>, Swish, Dense<10>>::output_shape == Shape<10>{});
}

TEST_CASE("negative: Dense needs at least one unit", "[network][negative]") {
  // dense_zero_units.cpp, dense_negative_units.cpp
  STATIC_REQUIRE_FALSE(Dense<0>::valid_parameters);
  STATIC_REQUIRE_FALSE(Dense<-5>::valid_parameters);
  STATIC_REQUIRE(Dense<1>::valid_parameters);
  STATIC_REQUIRE_FALSE(layer_accepts<Dense<0>, Shape<784>>());
  STATIC_REQUIRE_FALSE(layer_accepts<Dense<-5>, Shape<784>>());
  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<784>, Dense<0>, ReLU, Dense<10>>,
                                type_list<Shape<784>, invalid_shape, invalid_shape, invalid_shape>>);
  // The unit count never wraps around to a huge unsigned number.
  STATIC_REQUIRE(Dense<-5>::units == 0);
}

TEST_CASE("negative: an Input alone folds to one shape and no layer", "[network][negative]") {
  // input_only.cpp: the fold succeeds, the check refuses the network for having no layer.
  STATIC_REQUIRE(std::is_same_v<shapes_of<Input<784>>, type_list<Shape<784>>>);
  STATIC_REQUIRE(shapes_of<Input<784>>::size == 1);
}

TEST_CASE("negative: the fixes of Dense's second and third arguments", "[network][negative]") {
  // dense_second_argument.cpp, dense_third_argument.cpp: the fixes.
  STATIC_REQUIRE_FALSE(Dense<10, NoBias>::has_bias);
  STATIC_REQUIRE(Dense<10, WithBias>::has_bias);
  STATIC_REQUIRE(Network<Input<784>, Dense<10, NoBias>>::parameter_count == 7840);
  STATIC_REQUIRE(is_initializer<Glorot>);
  STATIC_REQUIRE_FALSE(is_initializer<float>);
  STATIC_REQUIRE_FALSE(is_initializer<int>);
  STATIC_REQUIRE(Network<Input<784>, Dense<10, WithBias, Glorot>>::parameter_count == 7850);
}
