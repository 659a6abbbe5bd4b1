"""The four PyTorch models whose state_dict keys are the array names of the nerve networks of
tests/unit/checkpoint_torch.cpp and tests/torch/save_nerve_checkpoints.cpp:

    mlp   nn.Sequential(Linear(5, 7), Tanh(), Linear(7, 3))
          Network<Input<5>, Dense<7>, Tanh, Dense<3>>
    cnn   nn.Sequential(Conv2d(1, 3, 3, stride=2, padding=1), BatchNorm2d(3), ReLU(), MaxPool2d(2),
                        Flatten(), Linear(18, 4))      on a (1, 11, 9) image
          Network<Input<1, 11, 9>, Conv2D<3, Kernel<3, 3>, Stride<2>, Pad<1>>, BatchNorm<>, ReLU,
                  MaxPool<2>, Flatten, Dense<4>>
    lstm  Recurrent(nn.LSTM(3, 5, batch_first=True)) then Linear(5, 2) on every step, 6 steps
          Network<Input<6, 3>, LSTM<5>, Dense<2>>
    gru   the same with nn.GRU
          Network<Input<6, 3>, GRU<5>, Dense<2>>

nn.Sequential cannot hold an LSTM (it returns a tuple), so the recurrent models register their two
submodules under the names "0" and "1", the names nn.Sequential would give them and nerve gives
the entries after Input: "0.weight_ih_l0", ..., "1.weight", "1.bias".
"""

from torch import nn

MLP_INPUT = (5,)
CNN_INPUT = (1, 11, 9)  # (channels, height, width): conv (3, 6, 5), pool (3, 3, 2), 18 features
SEQ_INPUT = (6, 3)      # (steps, features), batch_first
HIDDEN = 5


class RecurrentThenLinear(nn.Module):
    """A recurrent layer ("0", batch_first) and a Linear ("1") applied to every step's h."""

    def __init__(self, cell):
        super().__init__()
        self.add_module("0", cell(SEQ_INPUT[1], HIDDEN, batch_first=True))
        self.add_module("1", nn.Linear(HIDDEN, 2))

    def forward(self, x):
        h, _ = self._modules["0"](x)
        return self._modules["1"](h)


def mlp():
    return nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(18, 4))


def lstm():
    return RecurrentThenLinear(nn.LSTM)


def gru():
    return RecurrentThenLinear(nn.GRU)


# name -> (constructor, one sample's shape)
MODELS = {
    "mlp": (mlp, MLP_INPUT),
    "cnn": (cnn, CNN_INPUT),
    "lstm": (lstm, SEQ_INPUT),
    "gru": (gru, SEQ_INPUT),
}


def relative_error(got, expected, floor=0.1):
    """The worst |got - expected| / max(|expected|, floor * max|expected|). A float32 output that
    sums terms of both signs to nearly zero is compared on the scale of the array: an LSTM output
    of 0.0016 made of terms near 0.4 is only known to within a float32 rounding of 0.4 (3e-8, 2e-5
    of 0.0016). With floor 0.1 the tolerance 1e-5 is relative for every value of at least a tenth
    of the largest, and 1e-6 of the largest (about 8 float32 roundings of it) below."""
    got = got.double()
    expected = expected.double()
    scale = expected.abs().max().item()
    denom = expected.abs().clamp(min=floor * scale)
    return ((got - expected).abs() / denom).max().item()
