// nerve/loss/huber.hpp: Huber loss (smooth L1), PyTorch's HuberLoss(delta) with reduction='mean':
// with d = y - t, 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); mean over every output.
// Declared as that expression; the gradient (d inside, delta sign(d) outside, d at |d| = delta
// exactly, as PyTorch) is derived from it (loss/elementwise_loss.hpp).
#pragma once

#include <type_traits>

#include "nerve/expr/build.hpp"             // nerve::expr::select, abs, square
#include "nerve/loss/elementwise_loss.hpp"  // nerve::elementwise_loss, loss_y, loss_t

namespace nerve {

namespace detail {
constexpr auto huber_per_element(double delta) {
  const auto d = loss_y - loss_t;
  return expr::select(delta - expr::abs(d), 0.5 * expr::square(d),
                      delta * (expr::abs(d) - 0.5 * delta));
}
}  // namespace detail

// Huber<> is delta = 1 (PyTorch's default); Huber<0.5>, Huber<2> for others (delta > 0).
template <auto Delta = 1.0>
struct Huber : elementwise_loss<detail::huber_per_element(static_cast<double>(Delta))> {
  static_assert(std::is_arithmetic_v<decltype(Delta)>, "Huber<delta> takes a number, e.g. Huber<0.5>");
  static_assert(static_cast<double>(Delta) > 0, "Huber<delta> needs delta > 0 (PyTorch's default is 1)");
  static constexpr double delta = static_cast<double>(Delta);
  static constexpr const char* name = "huber";
};

using HuberLoss = Huber<>;

}  // namespace nerve
