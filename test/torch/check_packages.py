"""Checks exported PyTorch packages (test/torch/torch-export.test.ts runs this once for all).

argv[1]: JSON list of {package, train}. For each package, prints JSON lines with
print(model), its parameter count and, when `train`, the training checks: finite gradients
for every parameter, gradcheck in float64 (fast mode, every parameter) and the loss of a few
AdamW steps on a fixed batch."""
import importlib
import json
import os
import sys

import torch
from torch.nn.utils import stateless


def load(path):
    sys.path.insert(0, os.path.dirname(path))
    try:
        return importlib.import_module(os.path.basename(path))
    finally:
        sys.path.pop(0)


def batch(model, vocab, rows, length, seed):
    g = torch.Generator().manual_seed(seed)
    ids = lambda n: torch.randint(1, vocab, (rows, n), generator=g)
    inputs = {name: ids(length if name == model.stream_input else length + 2) for name in model.inputs}
    return inputs


def loss_of(model, inputs):
    logits = model(**inputs)
    target = inputs[model.stream_input]
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), target[:, 1:].reshape(-1))


def train_checks(pkg):
    torch.manual_seed(0)
    model = pkg.build()
    vocab = model(**batch(model, 8, 1, 2, 0)).shape[-1]
    inputs = batch(model, vocab, 2, 6, 1)
    out = {}
    loss = loss_of(model, inputs)
    loss.backward()
    named = list(model.named_parameters())
    out["no_grad"] = [n for n, p in named if p.grad is None]
    out["not_finite"] = [n for n, p in named if p.grad is not None and not torch.isfinite(p.grad).all()]
    out["parameters"] = len(named)
    # gradcheck in float64 on a small input, with respect to every parameter.
    model64 = pkg.build()
    model64.load_state_dict(model.state_dict())
    model64 = model64.double().eval()
    small = batch(model64, vocab, 1, 3, 2)
    names = [n for n, _ in model64.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for _, p in model64.named_parameters())

    def f(*ps):
        return stateless.functional_call(model64, dict(zip(names, ps)), (), small)

    out["gradcheck"] = bool(torch.autograd.gradcheck(f, params, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True))
    # A few AdamW steps on the fixed batch lower the loss.
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = loss_of(model, inputs)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    out["losses"] = losses
    return out


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for job in jobs:
        try:
            pkg = load(job["package"])
            model = pkg.build()
            result = {
                "package": job["package"],
                "print": repr(model),
                "params": sum(p.numel() for p in model.parameters()),
                "torch": torch.__version__,
            }
            if job.get("train"):
                result["train"] = train_checks(pkg)
        except Exception as e:  # reported for this package; the others still run
            result = {"package": job["package"], "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
