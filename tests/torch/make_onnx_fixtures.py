#!/usr/bin/env python3
"""Writes the ONNX fixtures of nerve-codegen's tests into tests/data/onnx/:

    <name>.onnx             a small PyTorch model of tests/torch/onnx_models.py, built in float32
                            from torch.manual_seed, put in eval() mode and exported by
                            torch.onnx.export at opset 13 (layer_norm: 17), graph input "input",
                            output "output", batch 1 (mlp_dynamic_batch: a dynamic batch axis)
    <name>_reference.hpp    3 reference samples, each run at batch 1: the ONNX input (token ids
                            as doubles for embedding_lstm) and the PyTorch module's own float32
                            output for it, as C++ doubles printed %.17g (exact), in ONNX element
                            order with the batch dimension of 1 dropped; its first lines list the
                            op_types of the exported graph's nodes
    bad/<name>.onnx         models nerve-codegen must refuse, with a clear error (no reference)

Run it from the repository root with Debian's Python, which has python3-torch and python3-onnx
(another python3 may come first on PATH):

    /usr/bin/python3 tests/torch/make_onnx_fixtures.py

It prints each good model's node op_types. The fixtures are committed, so the test suite never
needs Python: run this again only to change them. The output is the same on every run.

What torch 1.13's exporter emits, beyond one node per layer: a Linear on a 2-d tensor is a Gemm
(transB=1), on a 3-d tensor MatMul (weight stored pre-transposed, in x out) then Add(bias, .);
Dropout vanishes in eval mode; AvgPool2d(padding=1) is Constant + Pad + AveragePool (pads 0).
Every LSTM/GRU/RNN gets its zero initial states built from the input's shape (Constant zeros,
Shape, Gather, Unsqueeze, Concat, Expand), batch_first adds a Transpose before and after, and
its Y output (steps, directions, batch, hidden) is Squeezed; h[-1] is a Gather (index -1,
axis 0) on LSTM output Y_h, out[:, -1] a Gather (index -1, axis 1) after the Transpose back;
num_layers=2 is two LSTM nodes; Embedding is Gather(weight, ids); LayerNorm at opset 17 is one
LayerNormalization node.
"""

import os
import subprocess
import sys

import onnx
import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_models  # noqa: E402

SAMPLES = 3
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "onnx")
BAD = os.path.join(OUT, "bad")


def torch_version():
    """Debian's python3-torch 1.13.1 reports torch.__version__ "1.13.0a0+gitunknown": name the
    package's version when dpkg knows it."""
    try:
        v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                           capture_output=True, text=True, check=True).stdout.strip()
        if v:
            return v.split("+")[0]
    except (OSError, subprocess.CalledProcessError):
        pass
    return torch.__version__


# name -> (constructor, seed, one sample's ONNX input shape, export options)
# Export options: opset (13 unless said), dynamic_axes, do_constant_folding, training, vocab (the
# input is int64 token ids in [0, vocab) rather than torch.randn).
GOOD = {
    "mlp": (onnx_models.mlp, 101, (1, 5), {}),
    "mlp_dynamic_batch": (onnx_models.mlp, 102, (1, 5),
                          {"dynamic_axes": {"input": {0: "batch"}, "output": {0: "batch"}}}),
    # Default settings: in eval mode PyTorch folds the BatchNorm into the Conv before it.
    "cnn": (onnx_models.cnn, 103, (1, 2, 13, 11), {}),
    # The same module (built from cnn's seed: the same weights and samples, so the same reference
    # outputs). With training=EVAL (the obvious setting) torch 1.13's exporter still folds
    # Conv+BatchNorm, whatever do_constant_folding says: its eval peephole pass
    # (_jit_pass_onnx_eval_peephole) runs for EVAL. training=PRESERVE skips that pass; the module
    # is in eval mode, so PRESERVE still exports inference behaviour (BatchNormalization with the
    # running statistics, no training_mode). With PRESERVE and do_constant_folding=True the
    # exporter warns and emits two stray Identity nodes, hence do_constant_folding=False.
    # make_good() asserts the node is there.
    "cnn_unfolded": (onnx_models.cnn, 103, (1, 2, 13, 11),
                     {"do_constant_folding": False, "training": torch.onnx.TrainingMode.PRESERVE}),
    # BatchNormalization kept as in cnn_unfolded (do_constant_folding=False alone is not enough).
    "gap": (onnx_models.gap, 105, (1, 3, 11, 10),
            {"do_constant_folding": False, "training": torch.onnx.TrainingMode.PRESERVE}),
    "lstm": (onnx_models.lstm, 106, (1, 5, 3), {}),
    "gru_last": (onnx_models.gru_last, 107, (1, 8, 4), {}),
    "rnn_seq_first": (onnx_models.rnn_seq_first, 108, (4, 1, 3), {}),
    "lstm_hn": (onnx_models.lstm_hn, 109, (1, 6, 3), {}),
    "lstm_stacked": (onnx_models.lstm_stacked, 110, (1, 4, 3), {}),
    # Seed 117 rather than 111: its 21 token ids use every id 0..10, the first and last rows too.
    "embedding_lstm": (onnx_models.embedding_lstm, 117, (1, 7), {"vocab": 11}),
    "layer_norm": (onnx_models.layer_norm, 112, (1, 5), {"opset": 17}),
    # A dynamic batch, so that view(x.size(0), -1) stays a Reshape fed by shape glue.
    "cnn_functional": (onnx_models.cnn_functional, 113, (1, 1, 12, 10),
                       {"dynamic_axes": {"input": {0: "batch"}, "output": {0: "batch"}}}),
    "gap_mean": (onnx_models.gap_mean, 114, (1, 2, 9, 8), {}),
    "avg_exclude_pad": (onnx_models.avg_exclude_pad, 118, (1, 1, 9, 8), {}),
    "ceil_pool": (onnx_models.ceil_pool, 119, (1, 1, 9, 8), {}),
    "grouped_conv": (onnx_models.grouped_conv, 120, (1, 2, 5, 5), {}),
    "depthwise_block": (onnx_models.depthwise_block, 121, (1, 3, 10, 12), {}),
}

# Which settings must leave a BatchNormalization node in the graph.
KEEPS_BATCHNORM = {"cnn_unfolded", "gap"}
FOLDS_BATCHNORM = {"cnn"}


def randomize_batchnorms(model):
    """Random non-trivial affine weights and running statistics (running_var positive) for every
    BatchNorm, so that a wrong folding or a forgotten term shows in the outputs."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.normal_(0.0, 0.5)
                m.running_var.uniform_(0.3, 2.0)


def build(make, seed, shape, vocab=None):
    """The model (float32, eval mode) and SAMPLES inputs of the given one-sample shape."""
    torch.manual_seed(seed)
    model = make().float()
    randomize_batchnorms(model)
    model.eval()
    if vocab is not None:
        xs = [torch.randint(0, vocab, shape, dtype=torch.int64) for _ in range(SAMPLES)]
    else:
        xs = [torch.randn(*shape) for _ in range(SAMPLES)]
    return model, xs


def export(model, x, path, opset=13, dynamic_axes=None, do_constant_folding=True,
           training=torch.onnx.TrainingMode.EVAL):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(model, (x,), path, opset_version=opset, input_names=["input"],
                      output_names=["output"], dynamic_axes=dynamic_axes,
                      do_constant_folding=do_constant_folding, training=training)
    assert not model.training, "export must leave the model in eval mode"
    loaded = onnx.load(path)
    onnx.checker.check_model(loaded)
    return loaded


def op_types(proto):
    return [node.op_type for node in proto.graph.node]


def values_text(values, per_line=4):
    # A float32 converted to double prints exactly with %.17g and reads back as the same double.
    items = ["%.17g" % v for v in values]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "{\n    " + ",\n    ".join(lines) + "}"


def comment_lines(text, width=98):
    """text as // lines of at most width characters, broken at spaces."""
    lines, line = [], "//"
    for word in text.split():
        if len(line) + 1 + len(word) > width and line != "//":
            lines.append(line)
            line = "//  "
        line += " " + word
    lines.append(line)
    return "\n".join(lines)


def header_text(name, seed, opset, ops, xs, ys):
    x_shape, y_shape = tuple(xs[0].shape), tuple(ys[0].shape)
    input_values = [float(v) for x in xs for v in x.reshape(-1).tolist()]
    output_values = [float(v) for y in ys for v in y.reshape(-1).tolist()]
    kind = "int64 token ids, as doubles" if xs[0].dtype == torch.int64 else "float32"
    nodes = comment_lines(f"{name}.onnx (opset {opset}, torch.manual_seed({seed})), "
                          f"{len(ops)} nodes: " + " ".join(ops))
    about = comment_lines(f"The model {name} of tests/torch/onnx_models.py; ONNX input shape "
                          f"{x_shape} ({kind}), output shape {y_shape}.")
    generated = f"// Generated by tests/torch/make_onnx_fixtures.py (PyTorch {torch_version()})"
    return f"""{generated}: do not edit.
{nodes}
{about}
#pragma once

namespace onnx_fixtures::{name} {{

inline constexpr int samples = {SAMPLES};  // reference samples, each run at batch 1
inline constexpr int input_size = {xs[0].numel()};  // elements of one sample's input
inline constexpr int output_size = {ys[0].numel()};  // elements of one sample's output

// Each sample's ONNX input, in ONNX element order (the batch dimension of 1 dropped).
inline constexpr double input[samples * input_size] = {values_text(input_values)};

// The PyTorch module's float32 output for it (eval mode), exactly, as doubles.
inline constexpr double output[samples * output_size] = {values_text(output_values)};

}}  // namespace onnx_fixtures::{name}
"""


def make_good(name):
    make, seed, shape, options = GOOD[name]
    options = dict(options)
    vocab = options.pop("vocab", None)
    opset = options.get("opset", 13)
    model, xs = build(make, seed, shape, vocab)
    with torch.no_grad():
        ys = [model(x) for x in xs]
    proto = export(model, xs[0], os.path.join(OUT, f"{name}.onnx"), **options)
    ops = op_types(proto)
    if name in KEEPS_BATCHNORM:
        assert "BatchNormalization" in ops, f"{name}: the BatchNorm was folded: {ops}"
    if name in FOLDS_BATCHNORM:
        assert "BatchNormalization" not in ops, f"{name}: the BatchNorm was not folded: {ops}"
    # Export must not have changed the module (it switches training modes back and forth).
    with torch.no_grad():
        for x, y in zip(xs, ys):
            assert torch.equal(model(x), y), name
    graph = proto.graph
    assert [i.name for i in graph.input] == ["input"], (name, [i.name for i in graph.input])
    assert [o.name for o in graph.output] == ["output"], (name, [o.name for o in graph.output])
    with open(os.path.join(OUT, f"{name}_reference.hpp"), "w") as f:
        f.write(header_text(name, seed, opset, ops, xs, ys))
    print(f"{name}: {' '.join(ops)}")
    return model, xs


def make_bad(lstm_model, lstm_x):
    def bad(make, seed, shape, file, **options):
        model, xs = build(make, seed, shape)
        proto = export(model, xs[0], os.path.join(BAD, file), **options)
        print(f"bad/{file}: {' '.join(op_types(proto))}")

    # An op nerve lacks: GELU exports as Div, Erf, Add, Mul, Mul.
    bad(onnx_models.gelu_mlp, 201, (1, 4), "unsupported_op.onnx")
    # A residual y = x + relu(linear(x)): the graph input feeds two nodes, not a chain.
    bad(onnx_models.residual, 202, (1, 4), "not_sequential.onnx")
    # The lstm model with a dynamic sequence length ("steps"): the shapes are not all fixed.
    proto = export(lstm_model, lstm_x, os.path.join(BAD, "dynamic_shape.onnx"),
                   dynamic_axes={"input": {1: "steps"}})
    print(f"bad/dynamic_shape.onnx: {' '.join(op_types(proto))}")
    # A bidirectional LSTM (direction "bidirectional", two sets of weights).
    bad(onnx_models.bidirectional, 204, (1, 5, 3), "bidirectional.onnx")
    # avg_exclude_pad.onnx with a Pad node (zeros, 1 on each side) before its AveragePool, which
    # has pads of its own and count_include_pad 0: the Pad's zeros count in the mean, the pool's
    # own padding does not, and nerve's AvgPool counts all its padding or none of it. Written by
    # hand: torch 1.13 exports ZeroPad2d and F.pad through shape glue.
    proto = onnx.load(os.path.join(OUT, "avg_exclude_pad.onnx"))
    nodes = list(proto.graph.node)
    at = next(k for k, node in enumerate(nodes) if node.op_type == "AveragePool")
    pads = onnx.helper.make_node("Constant", [], ["extra_pads"], value=onnx.helper.make_tensor(
        "extra_pads", onnx.TensorProto.INT64, [8], [0, 0, 1, 1, 0, 0, 1, 1]))
    pad = onnx.helper.make_node("Pad", [nodes[at].input[0], "extra_pads"], ["padded"], name="/extra/Pad")
    nodes[at].input[0] = "padded"
    del proto.graph.node[:]
    proto.graph.node.extend(nodes[:at] + [pads, pad] + nodes[at:])
    onnx.save(proto, os.path.join(BAD, "pad_then_exclude_pad.onnx"))
    print(f"bad/pad_then_exclude_pad.onnx: {' '.join(op_types(proto))}")
    # Not a whole protobuf: the first half of mlp.onnx's bytes.
    with open(os.path.join(OUT, "mlp.onnx"), "rb") as f:
        data = f.read()
    with open(os.path.join(BAD, "truncated.onnx"), "wb") as f:
        f.write(data[:len(data) // 2])
    # Not ONNX at all: plain text.
    with open(os.path.join(BAD, "not_onnx.onnx"), "w") as f:
        f.write("This is not an ONNX model.\n"
                "It is a few lines of plain text, written by tests/torch/make_onnx_fixtures.py\n"
                "so that nerve-codegen's tests can check it refuses such a file clearly.\n")


def main():
    os.makedirs(BAD, exist_ok=True)
    made = {name: make_good(name) for name in GOOD}
    lstm_model, lstm_xs = made["lstm"]
    make_bad(lstm_model, lstm_xs[0])


if __name__ == "__main__":
    main()
