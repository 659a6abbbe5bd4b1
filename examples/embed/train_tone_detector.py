#!/usr/bin/env python3
"""Trains the small model of examples/embed (tone_detector.onnx) and exports it to ONNX.

The task: a stream of audio at 8 kHz arrives in blocks of 64 samples (8 ms), as an audio
callback receives it. For each block, say whether a tone in the band 800-1200 Hz (a whistle, a
pilot tone) is present. The block holds white noise, and maybe the tone, and maybe a distractor
tone outside the band (200-500 Hz or 2-3.5 kHz), so the loudness of a block says nothing: the
model has to tell frequencies apart. A block is drawn as:

    level      uniform in [0.05, 0.5]          the noise's standard deviation
    target     present with probability 1/2    frequency uniform in [800, 1200] Hz
    distractor present with probability 1/2    frequency uniform in [200, 500] or [2000, 3500] Hz
    each tone  amplitude level * sqrt(2) * 10^(snr / 20), snr uniform in [0, 12] dB (the tone's
               power against the noise's), its phase uniform in [0, 2 pi)
    label      1 when the target is present

examples/embed/main.cpp draws a stream from the same distribution, segment by segment (a tone
keeps its frequency and its phase runs on from block to block), and reports the detection rate.

The model: Linear(64, 32) ReLU Linear(32, 16) ReLU Linear(16, 1) Sigmoid, 2,625 parameters
(10.5 KB of float32), trained here for a few seconds with Adam on freshly drawn batches. It is
exported at opset 13, batch 1, input "block" (1, 64), output "tone" (1, 1), the probability that
the block holds the target tone.

Run it from anywhere with Debian's Python (python3-torch, python3-onnx):

    /usr/bin/python3 examples/embed/train_tone_detector.py

It writes tone_detector.onnx next to itself and prints the held-out accuracy per kind of block.
The file is committed, so building the example needs no Python; run this again only to change
the model. The build turns the file into a header with nerve-codegen.
"""

import math
import os
import sys

import onnx
import torch
from torch import nn

sys.dont_write_bytecode = True

RATE = 8000.0
BLOCK = 64
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tone_detector.onnx")


def tone(n, low, high, level, present, gen):
    """n blocks of a tone (zero where not present): frequency in [low, high] Hz (one of two
    bands when low, high are pairs), random phase, amplitude from a random SNR against level."""
    if isinstance(low, tuple):
        upper = torch.rand(n, 1, generator=gen) < 0.5
        f = torch.where(upper, low[1] + (high[1] - low[1]) * torch.rand(n, 1, generator=gen),
                        low[0] + (high[0] - low[0]) * torch.rand(n, 1, generator=gen))
    else:
        f = low + (high - low) * torch.rand(n, 1, generator=gen)
    snr = 12.0 * torch.rand(n, 1, generator=gen)
    amplitude = level * math.sqrt(2.0) * 10.0 ** (snr / 20.0)
    phase = 2 * math.pi * torch.rand(n, 1, generator=gen)
    t = torch.arange(BLOCK, dtype=torch.float32).unsqueeze(0)
    return present * amplitude * torch.sin(2 * math.pi * f / RATE * t + phase)


def draw(n, gen):
    """n blocks and their labels, as the docstring says."""
    level = 0.05 + 0.45 * torch.rand(n, 1, generator=gen)
    target = (torch.rand(n, 1, generator=gen) < 0.5).float()
    distractor = (torch.rand(n, 1, generator=gen) < 0.5).float()
    x = level * torch.randn(n, BLOCK, generator=gen)
    x = x + tone(n, 800.0, 1200.0, level, target, gen)
    x = x + tone(n, (200.0, 2000.0), (500.0, 3500.0), level, distractor, gen)
    return x, target, distractor


def main():
    torch.manual_seed(7)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(7)
    model = nn.Sequential(nn.Linear(BLOCK, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                          nn.Linear(16, 1), nn.Sigmoid())
    logits = model[:-1]  # trained on the logits (a stable loss); the same modules
    optimizer = torch.optim.Adam(logits.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6000)
    loss_fn = nn.BCEWithLogitsLoss()
    for step in range(6000):
        x, y, _ = draw(512, gen)
        loss = loss_fn(logits(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 1000 == 0 or step == 5999:
            print(f"step {step:5d}  loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        x, y, d = draw(100_000, torch.Generator().manual_seed(8))
        hit = ((model(x) > 0.5).float() == y).float()
    print(f"held out: accuracy {hit.mean().item():.4f}")
    for name, mask in [("noise only", (y == 0) & (d == 0)), ("target", (y == 1) & (d == 0)),
                       ("distractor", (y == 0) & (d == 1)), ("target + distractor", (y == 1) & (d == 1))]:
        print(f"  {name:20s} {hit[mask].mean().item():.4f} correct")

    torch.onnx.export(model, (torch.zeros(1, BLOCK),), OUT, opset_version=13,
                      input_names=["block"], output_names=["tone"])
    onnx.checker.check_model(onnx.load(OUT))
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes): "
          + " ".join(n.op_type for n in onnx.load(OUT).graph.node))


if __name__ == "__main__":
    main()
