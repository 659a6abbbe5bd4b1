// nerve/loss/mse.hpp: mean squared error, mean over every output of the batch (PyTorch's
// MSELoss with reduction='mean'). Declared as its per-element expression (y - t)^2; the gradient
// 2 (y - t) / (B N) is derived from it (loss/elementwise_loss.hpp).
#pragma once

#include "nerve/expr/build.hpp"              // nerve::expr::square
#include "nerve/loss/elementwise_loss.hpp"   // nerve::elementwise_loss, loss_y, loss_t

namespace nerve {

struct MeanSquaredError : elementwise_loss<expr::square(loss_y - loss_t)> {
  static constexpr const char* name = "mse";
};

using MSE = MeanSquaredError;

}  // namespace nerve
