// The FLOP counts of element-wise layers (network/cost.hpp), exactly: an activation costs the
// operations of its expression per element at inference, and in training also those of its
// derived derivative and the product dz = dy * f' (docs/design.md). Counted here by hand from the
// expressions, as the difference a layer makes to a network's total, so that the other layers'
// counts (tested with them) cancel out.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

using namespace nerve;
using nerve::expr::x;

namespace {

// What entry L adds to Network<Input<7>, Dense<5>, L> at inference and in training, per sample.
template <class L>
constexpr std::size_t inference_cost = Network<Input<7>, Dense<5>, L>::template inference_flops<1> -
                                       Network<Input<7>, Dense<5>>::template inference_flops<1>;
template <class L>
constexpr std::size_t training_cost = Network<Input<7>, Dense<5>, L>::template training_flops<1> -
                                      Network<Input<7>, Dense<5>>::template training_flops<1>;

}  // namespace

TEST_CASE("flops: an activation costs its expression, its derivative and one product", "[flops]") {
  // relu(x): 1 operation; relu' = step(x): 1; and dy * step(x): 1.
  STATIC_REQUIRE(inference_cost<ReLU> == 5 * 1);
  STATIC_REQUIRE(training_cost<ReLU> == 5 * (1 + 1 + 1));
  // tanh(x): 1; tanh' = 1 - square(tanh(x)): 3; the product: 1.
  STATIC_REQUIRE(inference_cost<Tanh> == 5 * 1);
  STATIC_REQUIRE(training_cost<Tanh> == 5 * (1 + 3 + 1));
  // x * sigmoid(x): 2; its derivative sigmoid(x) + x * (sigmoid(x) * (1 - sigmoid(x))): 7; product: 1.
  using Swish = Activation<x * expr::sigmoid(x)>;
  STATIC_REQUIRE(inference_cost<Swish> == 5 * 2);
  STATIC_REQUIRE(training_cost<Swish> == 5 * (2 + 7 + 1));
  // Batches multiply.
  using Net = Network<Input<7>, Dense<5>, Tanh>;
  STATIC_REQUIRE(Net::training_flops<8> == 8 * Net::training_flops<1>);
}
