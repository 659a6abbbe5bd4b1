// nerve/nerve.hpp: the one header users include.
#pragma once

// Diagnostics and layers come first so that a compile error's include chain stays short.
#include "nerve/shape/diagnostics.hpp"
#include "nerve/layers/activation.hpp"
#include "nerve/layers/dense.hpp"
#include "nerve/layers/flatten.hpp"
#include "nerve/layers/input.hpp"
#include "nerve/layers/layer.hpp"
#include "nerve/layers/softmax.hpp"

#include "nerve/config.hpp"
#include "nerve/autodiff/derivative.hpp"
#include "nerve/eval/evaluate.hpp"
#include "nerve/expr/build.hpp"
#include "nerve/expr/node.hpp"
#include "nerve/init/initializer.hpp"
#include "nerve/init/random.hpp"
#include "nerve/loss/binary_cross_entropy.hpp"
#include "nerve/loss/cross_entropy.hpp"
#include "nerve/loss/mse.hpp"
#include "nerve/optim/adam.hpp"
#include "nerve/optim/sgd.hpp"
#include "nerve/train/trainer.hpp"
#include "nerve/network/network.hpp"
#include "nerve/shape/shape.hpp"
#include "nerve/tensor/tensor.hpp"
