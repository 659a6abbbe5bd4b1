// tests/support/check_gradients.hpp: the gradient check every gradcheck test runs, with its
// assertions: a network built from a seed (and changed by prepare(net), e.g. to move a layer's
// parameters off their identity start), one batch of B random inputs, every parameter gradient
// against central differences of Loss.
#pragma once

#include <catch2/catch.hpp>

#include "support/network_check.hpp"

#include <cstddef>
#include <cstdint>

namespace nerve_test {

struct leave_as_is {
  template <class Net>
  void operator()(Net&) const {}
};

template <class Net, class Loss, std::size_t B, class Target, class Prepare = leave_as_is>
void check_gradients(const Target* targets, std::uint64_t seed = 1, Prepare prepare = {},
                     double tolerance = 1e-5) {
  Net net{nerve::Seed{seed}};
  prepare(net);
  nerve::Trainer<Net, Loss, nerve::SGD, nerve::Batch<B>> trainer(net);
  const auto X = random_inputs(B * Net::input_shape_t::size, seed + 100);
  const auto r = gradcheck(trainer, X, targets);
  INFO(Net::summary_string());
  INFO("worst: " << r.worst_where);
  CHECK(r.checked > 0);
  CHECK(r.largest_gradient > 1e-4);  // the check compared something that moves
  CHECK(r.worst_relative_error < tolerance);
}

}  // namespace nerve_test
