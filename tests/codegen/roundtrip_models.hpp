// The nerve networks that tests/codegen round-trips through a checkpoint and nerve-codegen: every
// kind of layer nerve has, with options off their defaults (strides, paddings, dilation, named
// layers, NoBias, non-default eps and momentum, a double network, LastStep, OneHot, PaddingIdx,
// ExcludePad, CeilMode, Divisor, Groups), so that rebuilding a type from its checkpoint's architecture text is tested on
// what can go wrong.
#pragma once

#include <nerve/nerve.hpp>

namespace roundtrip {

using namespace nerve;

using cnn = Network<Input<2, 12, 11>,
                    Conv2D<4, Kernel<3, 3>, Stride<2>, Pad<1>>, BatchNorm<0.2, 1e-3>, ReLU,
                    MaxPool<Kernel<3, 2>{}, Stride<1>, Pad<1>>,
                    Conv2D<6, Kernel<2, 2>, Dilation<2>, NoBias, Groups<2>>, LeakyReLU<0.1>,
                    AvgPool<2, Stride<2>, Pad<1>, ExcludePad, CeilMode>, Flatten,
                    Named<"head", Dense<5>>, Dropout<0.3>, Dense<3, NoBias>, Softmax>;

using cnn_double = BasicNetwork<double, Input<3, 9, 9>, Conv2D<5, Kernel<3, 3>, Same>, Tanh,
                                AvgPool<3, Stride<1>, Pad<1>, Divisor<4>>,
                                MaxPool<2, Stride<2>, Valid, CeilMode>, GlobalAvgPool, Affine, LayerNorm<>, Dense<4>, Sigmoid>;

using language_model = Network<Input<9>, Embedding<13, 6, PaddingIdx<-2>>, Named<"enc", LSTM<7>>,
                               GRU<5>, SimpleRNN<4, LastStep>, Dense<13>, Softmax>;

// Token ids read by the LSTM as one-hot rows (OneHot), then a last-step GRU.
using one_hot_lm = Network<Input<9>, Named<"enc", LSTM<6, OneHot<11>>>, GRU<5, LastStep>, Dense<3>, Softmax>;

using mlp = Network<Input<6>, Dense<8>, LayerNorm<1, 1e-3>, Tanh, Dense<3>>;

// Not one of nerve's layers: nerve-codegen must refuse it.
using user_activation = Network<Input<4>, Dense<3>, Activation<expr::x * expr::x>>;

}  // namespace roundtrip
