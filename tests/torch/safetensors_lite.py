"""A small reader and writer of the safetensors format, for Debian, which packages PyTorch
(python3-torch) but not huggingface's safetensors.

    load_file(path)                       -> dict name -> torch.Tensor   (safetensors.torch.load_file)
    save_file(tensors, path, metadata)                                   (safetensors.torch.save_file)
    load_metadata(path)                   -> dict of strings, {} if none (safe_open(path).metadata())

The format (https://github.com/huggingface/safetensors): an unsigned 64-bit little-endian length N,
N bytes of JSON, {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
"__metadata__": {"key": "value", ...}} (optional, strings only), then the arrays' raw little-endian
bytes back to back, offsets counted from the end of the header. Like save_file, save_file here
puts the wider types first (by element size, then by name: safetensors orders by its dtype enum,
which only differs between types of one size) and pads the header with spaces to a multiple of 8
bytes; like load_file, load_file wants the header to be a JSON object starting with "{" and the
arrays' bytes to tile the data exactly (no gap, no overlap, nothing after).

F32 and F64 are the types nerve reads and writes; I64 (a BatchNorm's num_batches_tracked in a
PyTorch state_dict), I32, I16, I8, U8, BOOL, F16 and BF16 are there because PyTorch's state dicts
hold them.
"""

import json
import struct
import sys

import torch

if sys.byteorder != "little":
    raise RuntimeError("safetensors_lite: safetensors data is little endian; this host is not")

DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def _itemsize(dtype):
    return torch.empty((), dtype=dtype).element_size()


def _read_header(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: {len(blob)} bytes, not a safetensors file")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError(f"{path}: the header says {n} bytes of JSON, only {len(blob) - 8} follow")
    if n == 0 or blob[8:9] != b"{":
        raise ValueError(f"{path}: the header does not start with '{{'")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the header is not a JSON object")
    return header, blob[8 + n:]


def load_metadata(path):
    header, _ = _read_header(path)
    meta = header.get("__metadata__", {}) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise ValueError(f"{path}: __metadata__ must map strings to strings")
    return dict(meta)


def load_file(path, device="cpu"):
    header, data = _read_header(path)
    out = {}
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: array {name!r}: unknown dtype {info['dtype']}")
        shape = [int(d) for d in info["shape"]]
        begin, end = (int(o) for o in info["data_offsets"])
        count = 1
        for d in shape:
            count *= d
        if not 0 <= begin <= end <= len(data):
            raise ValueError(f"{path}: array {name!r}: bytes [{begin}, {end}) outside the data")
        if end - begin != count * _itemsize(dtype):
            raise ValueError(f"{path}: array {name!r}: shape {shape} of {info['dtype']} needs "
                             f"{count * _itemsize(dtype)} bytes, not {end - begin}")
        spans.append((begin, end, name))
        raw = bytearray(data[begin:end])  # a copy the tensor owns
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(shape).clone().to(device)
    # As safetensors' own check: the arrays tile the data, no gap, no overlap, nothing after.
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise ValueError(f"{path}: array {name!r} starts at {begin}, expected {at}")
        at = end
    if at != len(data):
        raise ValueError(f"{path}: {len(data) - at} bytes after the last array")
    return out


def save_file(tensors, path, metadata=None):
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str)
                                        for k, v in metadata.items()):
        raise ValueError("save_file: metadata must map strings to strings")
    items = []
    for name, t in tensors.items():
        if not isinstance(t, torch.Tensor):
            raise ValueError(f"save_file: {name!r} is not a tensor")
        if t.dtype not in NAMES:
            raise ValueError(f"save_file: {name!r}: dtype {t.dtype} not supported")
        items.append((name, t.detach().to("cpu").contiguous()))
    items.sort(key=lambda nt: (-_itemsize(nt[1].dtype), nt[0]))
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    chunks = []
    at = 0
    for name, t in items:
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [at, at + len(raw)]}
        chunks.append(raw)
        at += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
