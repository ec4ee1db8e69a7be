"""Runs conformance cases through exported PyTorch packages (archc verify --engine torch).

argv[1] is a JSON job: a list of {package, case, out, inputs, mask, generate}. For each case
the model is loaded with the package's own from_pretrained, run once over the inputs (every
emitted tensor and the logits go to out/outputs.safetensors) and, when asked, generates
greedily (out/result.json). One process runs every case, so torch is imported once."""
import importlib
import json
import os
import sys
import traceback

import torch


def run_case(job):
    sys.path.insert(0, os.path.dirname(job["package"]))
    try:
        pkg = importlib.import_module(os.path.basename(job["package"]))
    finally:
        sys.path.pop(0)
    from importlib import import_module

    safetensors = import_module(pkg.__name__ + ".safetensors")
    model = pkg.from_pretrained(job["case"])
    ctx = pkg.Context()
    feed = {k: torch.tensor(v, dtype=torch.long) for k, v in job["inputs"].items()}
    mask = torch.tensor(job["mask"], dtype=torch.long) if job.get("mask") is not None else None
    stream = feed[model.stream_input]
    ctx.begin(stream.shape[0], stream.shape[1], mask)
    with torch.no_grad():
        logits = model(**feed, ctx=ctx)
    tensors = {"logits": logits.float()}
    tensors.update({k: v.float() for k, v in ctx.emitted.items()})
    os.makedirs(job["out"], exist_ok=True)
    safetensors.save_file(tensors, os.path.join(job["out"], "outputs.safetensors"))
    result = {}
    if job.get("generate"):
        g = job["generate"]
        result["generated"] = pkg.generate(model, g["prompt"], g["max_new_tokens"], decoder_start=g.get("decoder_start"))
    return result


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for job in jobs:
        try:
            result = run_case(job)
        except Exception as e:  # reported per case; the others still run
            result = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
        os.makedirs(job["out"], exist_ok=True)
        with open(os.path.join(job["out"], "result.json"), "w") as f:
            json.dump(result, f)


if __name__ == "__main__":
    main()
