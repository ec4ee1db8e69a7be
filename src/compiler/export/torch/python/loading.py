"""from_pretrained: a Hugging Face checkpoint folder (config.json + *.safetensors) into the
exported model, loaded strictly: every parameter and persistent buffer the model has must be
in the checkpoint (except tied ones), and every tensor in the checkpoint must belong to it."""
import json
import os
from typing import Dict, Optional

import torch

from . import model as arch
from .safetensors import load_file


class CheckpointError(ValueError):
    pass


def checkpoint_files(path: str):
    index = os.path.join(path, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        return sorted(set(os.path.join(path, v) for v in weight_map.values()))
    files = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".safetensors") and f != "expected.safetensors")
    if not files:
        raise CheckpointError(f"{path}: no *.safetensors files")
    return files


def read_checkpoint(path: str) -> Dict[str, torch.Tensor]:
    tensors: Dict[str, torch.Tensor] = {}
    for file in checkpoint_files(path):
        for name, t in load_file(file).items():
            if name in tensors:
                raise CheckpointError(f"{file}: tensor {name} is also in another shard")
            tensors[name] = t
    return tensors


def tied_names(model: torch.nn.Module) -> Dict[str, str]:
    """Tied parameter -> the parameter it shares storage with (full state-dict names)."""
    out = {}
    for prefix, m in model.named_modules():
        for target, source in getattr(m, "tied_weights", {}).items():
            p = f"{prefix}." if prefix else ""
            out[p + target] = p + source
    return out


def load_strict(model: torch.nn.Module, tensors: Dict[str, torch.Tensor], source: str = "checkpoint") -> None:
    own = model.state_dict(keep_vars=True)
    tied = tied_names(model)
    missing = [n for n in own if n not in tensors and n not in tied]
    unexpected = [n for n in tensors if n not in own]
    problems = []
    if missing:
        problems.append("missing: " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected: " + ", ".join(unexpected))
    for name, t in tensors.items():
        if name in own and tuple(own[name].shape) != tuple(t.shape):
            problems.append(f"{name}: shape {list(t.shape)} in the {source}, {list(own[name].shape)} in the model")
    if problems:
        raise CheckpointError(f"{source} does not match {type(model).__name__}: " + "; ".join(problems))
    with torch.no_grad():
        for name, target in own.items():
            if name in tied:
                continue  # the same tensor as its source
            target.copy_(tensors[name].to(target.dtype))


def from_pretrained(path: str, dtype: Optional[torch.dtype] = None, root: Optional[str] = None) -> torch.nn.Module:
    """Builds the model config.json asks for and loads its weights; dtype defaults to float32."""
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    cfg = arch.Config.from_hf(config)
    cls = arch.ROOTS[root] if root else arch.root_for(config)
    model = cls(cfg)
    if dtype is not None:
        model = model.to(dtype)
    load_strict(model, read_checkpoint(path), path)
    return model.eval()
