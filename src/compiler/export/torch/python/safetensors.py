"""A small reader of the safetensors format (needs only torch).

Layout: an unsigned 64-bit little-endian header length N, N bytes of JSON mapping each
tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (relative to byte 8 + N),
then the raw little-endian data.
"""
import json
import struct
from typing import Dict

import torch

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


class SafetensorsError(ValueError):
    pass


def read_header(path: str) -> Dict[str, dict]:
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise SafetensorsError(f"{path}: too short for a safetensors file")
        (n,) = struct.unpack("<Q", head)
        raw = f.read(n)
    if len(raw) != n:
        raise SafetensorsError(f"{path}: the header says {n} bytes but the file ends before")
    header = json.loads(raw.decode("utf-8"))
    header.pop("__metadata__", None)
    return header


def load_file(path: str) -> Dict[str, torch.Tensor]:
    """Every tensor of one file, in its stored dtype, by name."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    base = 8 + n
    out: Dict[str, torch.Tensor] = {}
    for name, info in header.items():
        dtype = DTYPES.get(info["dtype"])
        if dtype is None:
            raise SafetensorsError(f"{path}: tensor {name} has dtype {info['dtype']}, which this reader does not know")
        begin, end = info["data_offsets"]
        shape = [int(s) for s in info["shape"]]
        count = 1
        for s in shape:
            count *= s
        width = torch.empty((), dtype=dtype).element_size()
        if end - begin != count * width or base + end > len(data):
            raise SafetensorsError(f"{path}: tensor {name} has {end - begin} bytes for shape {shape} of {info['dtype']}")
        if count == 0:
            out[name] = torch.empty(shape, dtype=dtype)
            continue
        # A copy (bytearray) owns its memory: no alignment or read-only buffer issues.
        out[name] = torch.frombuffer(bytearray(data[base + begin : base + end]), dtype=dtype).reshape(shape)
    return out


def _raw_bytes(t: torch.Tensor) -> bytes:
    flat = t.reshape(-1).view(torch.uint8)
    try:
        return flat.numpy().tobytes()
    except (ImportError, RuntimeError):  # torch built without numpy
        return bytes(flat.tolist())


def save_file(tensors: Dict[str, torch.Tensor], path: str) -> None:
    """Writes float32/int tensors (used by tests and `archc verify --engine torch`)."""
    names = {v: k for k, v in DTYPES.items()}
    header = {}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = _raw_bytes(t)
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
