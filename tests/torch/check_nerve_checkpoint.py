#!/usr/bin/env python3
"""nerve's checkpoints in PyTorch: the second half of the CTest torch.nerve_checkpoints_in_pytorch.

    check_nerve_checkpoint.py DIR

DIR holds what tests/torch/save_nerve_checkpoints.cpp wrote: <name>.safetensors for the models of
tests/torch/models.py and outputs.json, nerve's outputs for fixed inputs. For each model: the file
is read with safetensors_lite.load_file (safetensors.torch.load_file's equivalent), its nerve
metadata checked, the "optimizer." arrays of a trainer's checkpoint checked (one state array per
parameter, of its shape, and a scalar step count) and dropped, the rest loaded with
model.load_state_dict(strict=True) into the PyTorch model, and the model's float32 output in eval()
compared with nerve's (relative 1e-5, as models.relative_error measures it). Exits 1 on any
difference, printing what differs.
"""

import json
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_lite  # noqa: E402

TOLERANCE = 1e-5
# What save_nerve_checkpoints.cpp saved with save(trainer, path), and the optimizer's states.
TRAINER_STATES = {"cnn": ("Adam", {"exp_avg", "exp_avg_sq"}), "lstm": ("SGD", {"momentum_buffer"})}


def check(directory, name, outputs):
    problems = []
    path = os.path.join(directory, f"{name}.safetensors")
    arrays = safetensors_lite.load_file(path)
    meta = safetensors_lite.load_metadata(path)
    if meta.get("format") != "nerve" or meta.get("scalar_type") != "float32":
        problems.append(f"metadata {meta}")
    state = {k: v for k, v in arrays.items() if not k.startswith("optimizer.")}
    optimizer = {k: v for k, v in arrays.items() if k.startswith("optimizer.")}

    model = models.MODELS[name][0]()
    trainable = {k for k, _ in model.named_parameters()}
    if name in TRAINER_STATES:
        kind, states = TRAINER_STATES[name]
        if meta.get("optimizer") != kind:
            problems.append(f"optimizer {meta.get('optimizer')!r} in the metadata, not {kind}")
        want = {f"optimizer.{p}.{s}" for p in trainable for s in states | {"step"}}
        if set(optimizer) != want:
            problems.append(f"optimizer arrays {sorted(optimizer)}, expected {sorted(want)}")
        for key, value in optimizer.items():
            param = key[len("optimizer."):].rsplit(".", 1)[0]
            shape = () if key.endswith(".step") else tuple(state[param].shape)
            if param in state and tuple(value.shape) != shape:
                problems.append(f"{key} has shape {tuple(value.shape)}, not {shape}")
        if "optimizer_entries" in meta and set(meta["optimizer_entries"].split(",")) != set(optimizer):
            problems.append("optimizer_entries in the metadata differ from the file's arrays")
    elif optimizer:
        problems.append(f"optimizer arrays in a model checkpoint: {sorted(optimizer)}")

    result = model.load_state_dict(state, strict=True)  # raises on a missing or unexpected key
    assert not result.missing_keys and not result.unexpected_keys
    model.eval()
    if name == "cnn":
        bn = model[1]
        if int(bn.num_batches_tracked) != 3 or not bn.running_mean.abs().gt(0).all():
            problems.append(f"BatchNorm's state did not move: num_batches_tracked "
                            f"{int(bn.num_batches_tracked)}, running_mean {bn.running_mean.tolist()}")

    shape = models.MODELS[name][1]
    samples = outputs["samples"]
    x = torch.tensor(outputs["input"], dtype=torch.float32).reshape(samples, *shape)
    expected = torch.tensor(outputs["output"], dtype=torch.float32)
    with torch.no_grad():
        y = model(x).reshape(-1)
    if y.shape != expected.shape:
        problems.append(f"output of {y.numel()} values, nerve gave {expected.numel()}")
        error = float("inf")
    else:
        error = models.relative_error(y, expected)
        if not error <= TOLERANCE:
            problems.append(f"outputs differ: worst relative error {error:.3g} > {TOLERANCE}\n"
                            f"  pytorch {y.tolist()}\n  nerve   {expected.tolist()}")
    print(f"{name:5s} {len(state)} arrays into the PyTorch model (strict), {len(optimizer)} "
          f"optimizer arrays dropped, worst relative error {error:.3g}: "
          f"{'ok' if not problems else 'FAILED'}")
    for p in problems:
        print(f"  {name}: {p}")
    return not problems


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = sys.argv[1]
    with open(os.path.join(directory, "outputs.json")) as f:
        outputs = json.load(f)
    torch.set_grad_enabled(False)
    ok = True
    for name in models.MODELS:
        try:
            ok = check(directory, name, outputs[name]) and ok
        except Exception as e:  # a load_state_dict error names the keys
            print(f"{name:5s} FAILED: {type(e).__name__}: {e}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
