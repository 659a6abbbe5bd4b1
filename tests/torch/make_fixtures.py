#!/usr/bin/env python3
"""Writes the PyTorch fixtures of tests/unit/checkpoint_torch.cpp into tests/data/checkpoints/:

    <name>.safetensors      the model's state_dict as safetensors.torch.save_file writes it (no
                            nerve metadata; a BatchNorm's num_batches_tracked is I64, as in PyTorch)
    <name>_reference.hpp    a reference input (3 samples) and PyTorch's output for it, in float32,
                            as C++ literals that round-trip exactly

for the models of tests/torch/models.py (mlp, cnn, lstm, gru), built in float32 from
torch.manual_seed. The CNN's BatchNorm gets random affine weights and sees three training-mode
batches before eval(), so its running statistics and num_batches_tracked (3) are not the defaults.

Needs python3-torch (Debian; run with /usr/bin/python3 if another python3 comes first on PATH):

    /usr/bin/python3 tests/torch/make_fixtures.py [OUTPUT_DIR]

The fixtures are committed: the unit tests need no Python. Run it again only to change them.
"""

import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_lite  # noqa: E402

SAMPLES = 3
SEEDS = {"mlp": 11, "cnn": 12, "lstm": 13, "gru": 14}


def build(name):
    make, shape = models.MODELS[name]
    torch.manual_seed(SEEDS[name])
    model = make().float()
    if name == "cnn":
        bn = model[1]
        with torch.no_grad():
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(8, *shape) * 2 + 0.5)
        assert int(bn.num_batches_tracked) == 3
    model.eval()
    x = torch.randn(SAMPLES, *shape)
    with torch.no_grad():
        y = model(x)
    return model, x, y


def literal(v):
    """A float32 as the shortest C++ float literal that reads back as the same float."""
    text = np.format_float_scientific(np.float32(v), unique=True, trim="-")
    return text + "f"


def array_text(t, per_line=6):
    values = [literal(v) for v in t.reshape(-1).tolist()]
    lines = [", ".join(values[i:i + per_line]) for i in range(0, len(values), per_line)]
    return "{\n      " + ",\n      ".join(lines) + "}"


def header_text(name, x, y):
    return f"""// Written by tests/torch/make_fixtures.py (PyTorch {torch.__version__}, torch.manual_seed({SEEDS[name]})):
// {SAMPLES} samples of input {tuple(x.shape[1:])} for the model "{name}" of tests/torch/models.py and
// PyTorch's float32 output {tuple(y.shape[1:])} per sample for them, with the weights of
// {name}.safetensors, model.eval(). Do not edit: run the script again.
#pragma once

#include <cstddef>

namespace checkpoint_fixtures {{

struct {name} {{
  static constexpr std::size_t samples = {SAMPLES};
  static constexpr std::size_t input_size = {x[0].numel()};   // one sample, {"x".join(map(str, x.shape[1:]))}
  static constexpr std::size_t output_size = {y[0].numel()};  // one sample, {"x".join(map(str, y.shape[1:]))}

  static constexpr float input[samples * input_size] = {array_text(x)};

  static constexpr float output[samples * output_size] = {array_text(y)};
}};

}}  // namespace checkpoint_fixtures
"""


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data", "checkpoints")
    os.makedirs(out, exist_ok=True)
    for name in models.MODELS:
        model, x, y = build(name)
        path = os.path.join(out, f"{name}.safetensors")
        safetensors_lite.save_file(model.state_dict(), path)
        # The file reads back as the very state_dict, strict.
        check = models.MODELS[name][0]()
        check.load_state_dict(safetensors_lite.load_file(path), strict=True)
        check.eval()
        with torch.no_grad():
            assert torch.equal(check(x), y), name
        with open(os.path.join(out, f"{name}_reference.hpp"), "w") as f:
            f.write(header_text(name, x, y))
        keys = ", ".join(f"{k} {tuple(v.shape)} {v.dtype}".replace("torch.", "")
                         for k, v in model.state_dict().items())
        print(f"{name}: {keys}")


if __name__ == "__main__":
    main()
