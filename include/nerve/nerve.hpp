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
#include "nerve/network/network.hpp"
#include "nerve/shape/shape.hpp"
#include "nerve/tensor/tensor.hpp"
