"""The PyTorch models behind the ONNX fixtures of tests/data/onnx/ (written by
tests/torch/make_onnx_fixtures.py, which nerve-codegen's tests read). Each one-sample input shape
below includes ONNX's batch dimension of 1 (first, except in rnn_seq_first).

Good models (each has <name>.onnx and <name>_reference.hpp), with one sample's ONNX input shape:

    mlp                (1, 5)
        Linear(5, 7) ReLU Linear(7, 6) LeakyReLU(0.2) Linear(6, 5) Sigmoid Linear(5, 4) Tanh
        Linear(4, 3) Softmax(dim=1)
    mlp_dynamic_batch  (1, 5), exported with a dynamic batch dimension "batch" on input and output
        the same architecture, its own weights
    cnn                (1, 2, 13, 11)
        Conv2d(2, 4, 3, stride=2, padding=1) BatchNorm2d(4) ReLU MaxPool2d(3, stride=2, padding=1)
        Conv2d(4, 5, (3, 2), padding=(1, 0)) ReLU AvgPool2d(2, padding=1) Flatten Dropout(0.3)
        Linear(30, 3); shapes: conv (4, 7, 6), max pool (4, 4, 3), conv (5, 4, 2), average pool
        (5, 3, 2) (count_include_pad, PyTorch's default), 30 features. The BatchNorm has random
        weight, bias, running_mean and running_var, so that a wrong folding shows. Exported with
        the defaults: the BatchNorm is folded into the Conv.
    cnn_unfolded       (1, 2, 13, 11)
        the very cnn model (same weights), exported so that a BatchNormalization node remains
    gap                (1, 3, 11, 10)
        Conv2d(3, 6, 3, dilation=2) BatchNorm2d(6) ReLU AdaptiveAvgPool2d(1) Flatten Linear(6, 2);
        conv (6, 7, 6), global average pool (6, 1, 1); BatchNormalization kept
    lstm               (1, 5, 3)
        LSTM(3, 7, batch_first=True), its whole output sequence through Linear(7, 4) at every
        step (a Linear on a 3-d tensor exports as MatMul + Add)
    gru_last           (1, 8, 4)
        GRU(4, 6, batch_first=True), the last step out[:, -1], Linear(6, 3), Softmax(dim=1)
    rnn_seq_first      (4, 1, 3) = (steps, batch, features); output (4, 1, 2)
        RNN(3, 5) (tanh, batch_first=False), Linear(5, 2) at every step
    lstm_hn            (1, 6, 3)
        LSTM(3, 5, batch_first=True), its final hidden state h[-1] (h_n of the only layer),
        Linear(5, 2)
    lstm_stacked       (1, 4, 3)
        LSTM(3, 5, num_layers=2, batch_first=True), all steps of the top layer, Linear(5, 2) at
        every step
    embedding_lstm     (1, 7) int64 token ids, each in [0, 11)
        Embedding(11, 4), LSTM(4, 6, batch_first=True), Linear(6, 11) at every step
    layer_norm         (1, 5), exported at opset 17 (the first with LayerNormalization)
        Linear(5, 6) LayerNorm(6) ReLU Linear(6, 3)
    cnn_functional     (1, 1, 12, 10), exported with a dynamic batch dimension
        written the functional way: Conv2d(1, 3, 3, stride=2, padding=2), F.relu, F.max_pool2d(2),
        x.view(x.size(0), -1) (a Reshape whose shape the exporter computes from Shape, Gather,
        Unsqueeze and Concat), Linear(27, 4), F.softmax(dim=-1); conv (3, 7, 6), pool (3, 3, 3)
    gap_mean           (1, 2, 9, 8)
        Conv2d(2, 4, 3), ReLU, x.mean((2, 3)) (ReduceMean, the other spelling of a global
        average pool), Linear(4, 3)
    avg_exclude_pad    (1, 1, 9, 8)
        Conv2d(1, 3, 3, padding=1) ReLU AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        Flatten Linear(60, 2); conv (3, 9, 8), pool (3, 5, 4): an AveragePool with its own pads
        and count_include_pad 0 (no Pad node: its zeros would count)
    ceil_pool          (1, 1, 9, 8)
        Conv2d(1, 3, 3, padding=1) ReLU MaxPool2d(2, ceil_mode=True) AvgPool2d(3, stride=2,
        padding=1, ceil_mode=True) Flatten Linear(27, 2): pools in ceil mode, their last windows
        cut by the plane's edge and by the padded plane's
    grouped_conv       (1, 2, 5, 5)
        Conv2d(2, 4, 3, groups=2) ReLU Conv2d(4, 4, 3, padding=1, groups=4) (depthwise) Flatten
        Linear(36, 2)
    depthwise_block    (1, 3, 10, 12)
        Conv2d(3, 6, 3, padding=1, groups=3) (depthwise, two filters a channel, rows of 12: nerve's
        depthwise kernels) ReLU MaxPool2d(2) (folded into its pass) Conv2d(6, 4, 1) (pointwise)
        Flatten Linear(120, 2)

Bad models (tests/data/onnx/bad/<name>.onnx, no reference; what is wrong in each is said in
make_onnx_fixtures.py): gelu_mlp (unsupported_op), residual (not_sequential),
bidirectional; the lstm model is reused for dynamic_shape, avg_exclude_pad for
pad_then_exclude_pad.
"""

from torch import nn


class SequenceThenLinear(nn.Module):
    """A recurrent layer whose whole output sequence goes through a Linear at every step."""

    def __init__(self, recurrent, linear):
        super().__init__()
        self.recurrent = recurrent
        self.linear = linear

    def forward(self, x):
        out, _ = self.recurrent(x)
        return self.linear(out)


class GRULast(nn.Module):
    """GRU(4, 6, batch_first), the last step's output, Linear(6, 3), Softmax."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 6, batch_first=True)
        self.linear = nn.Linear(6, 3)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.softmax(self.linear(out[:, -1]))


class LSTMFinalHidden(nn.Module):
    """LSTM(3, 5, batch_first), the final hidden state h_n of its (only) layer, Linear(5, 2)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.linear = nn.Linear(5, 2)

    def forward(self, x):
        _, (h, c) = self.lstm(x)
        return self.linear(h[-1])


class EmbeddingLSTM(nn.Module):
    """Embedding(11, 4), LSTM(4, 6, batch_first), Linear(6, 11) at every step."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(11, 4)
        self.lstm = nn.LSTM(4, 6, batch_first=True)
        self.linear = nn.Linear(6, 11)

    def forward(self, ids):
        out, _ = self.lstm(self.embedding(ids))
        return self.linear(out)


class FunctionalCNN(nn.Module):
    """A LeNet-style CNN written with torch.nn.functional and view(), as much PyTorch code is."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, stride=2, padding=2)
        self.linear = nn.Linear(27, 4)

    def forward(self, x):
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv(x)), 2)
        return nn.functional.softmax(self.linear(x.view(x.size(0), -1)), dim=-1)


class MeanPoolCNN(nn.Module):
    """Conv2d(2, 4, 3), ReLU, the mean over height and width, Linear(4, 3)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)
        self.linear = nn.Linear(4, 3)

    def forward(self, x):
        return self.linear(nn.functional.relu(self.conv(x)).mean((2, 3)))


class Residual(nn.Module):
    """y = x + relu(linear(x)): the input is used twice, so the graph is not a chain."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x):
        return x + nn.functional.relu(self.linear(x))


def mlp():
    return nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 6), nn.LeakyReLU(0.2),
                         nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 4), nn.Tanh(),
                         nn.Linear(4, 3), nn.Softmax(dim=1))


def cnn():
    return nn.Sequential(nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(3, stride=2, padding=1),
                         nn.Conv2d(4, 5, (3, 2), padding=(1, 0)), nn.ReLU(),
                         nn.AvgPool2d(2, padding=1), nn.Flatten(), nn.Dropout(0.3),
                         nn.Linear(30, 3))


def gap():
    return nn.Sequential(nn.Conv2d(3, 6, 3, dilation=2), nn.BatchNorm2d(6), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 2))


def lstm():
    return SequenceThenLinear(nn.LSTM(3, 7, batch_first=True), nn.Linear(7, 4))


def gru_last():
    return GRULast()


def rnn_seq_first():
    return SequenceThenLinear(nn.RNN(3, 5), nn.Linear(5, 2))


def lstm_hn():
    return LSTMFinalHidden()


def lstm_stacked():
    return SequenceThenLinear(nn.LSTM(3, 5, num_layers=2, batch_first=True), nn.Linear(5, 2))


def embedding_lstm():
    return EmbeddingLSTM()


def layer_norm():
    return nn.Sequential(nn.Linear(5, 6), nn.LayerNorm(6), nn.ReLU(), nn.Linear(6, 3))


def cnn_functional():
    return FunctionalCNN()


def gap_mean():
    return MeanPoolCNN()


def avg_exclude_pad():
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(),
                         nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                         nn.Flatten(), nn.Linear(60, 2))


def gelu_mlp():
    return nn.Sequential(nn.Linear(4, 5), nn.GELU(), nn.Linear(5, 2))


def residual():
    return Residual()


def grouped_conv():
    # Conv2d(2, 4, 3, groups=2): (4, 3, 3), two filters per channel; then depthwise,
    # Conv2d(4, 4, 3, padding=1, groups=4): (4, 3, 3); 36 features
    return nn.Sequential(nn.Conv2d(2, 4, 3, groups=2), nn.ReLU(),
                         nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.Flatten(), nn.Linear(36, 2))


def depthwise_block():
    # A MobileNet-style block: depthwise 3x3 (two filters per channel), ReLU, a pool, pointwise 1x1;
    # planes (6, 10, 12) -> pooled (6, 5, 6) -> (4, 5, 6); 120 features
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, groups=3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 4, 1), nn.Flatten(), nn.Linear(120, 2))


def bidirectional():
    return SequenceThenLinear(nn.LSTM(3, 4, batch_first=True, bidirectional=True),
                              nn.Linear(8, 2))


def ceil_pool():
    # conv (3, 9, 8); MaxPool2d(2, ceil_mode=True): (3, 5, 4), the last row window one row high;
    # AvgPool2d(3, stride=2, padding=1, ceil_mode=True): (3, 3, 3), exported as Pad then
    # AveragePool (pads 0, ceil_mode 1), its last windows past the padded plane; 27 features
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                         nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), nn.Flatten(),
                         nn.Linear(27, 2))
