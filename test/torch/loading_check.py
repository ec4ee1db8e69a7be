"""from_pretrained on variants of a checkpoint (test/torch/torch-export.test.ts runs this).

argv[1]: an exported package; argv[2]: the checkpoint it was exported from; argv[3]: a scratch
folder. Prints one JSON object: what each variant gave (the error message, or how far its
logits are from the float32 checkpoint's)."""
import importlib
import json
import os
import shutil
import sys

import torch


def load(path):
    sys.path.insert(0, os.path.dirname(path))
    try:
        return importlib.import_module(os.path.basename(path))
    finally:
        sys.path.pop(0)


pkg = load(sys.argv[1])
st = importlib.import_module(pkg.__name__ + ".safetensors")
source, scratch = sys.argv[2], sys.argv[3]
tensors = pkg.read_checkpoint(source)
ids = torch.tensor([[3, 1, 4, 1, 5, 9, 2]])
with torch.no_grad():
    reference = pkg.from_pretrained(source)(ids)


def variant(name, weights, shards=1, against=None):
    folder = os.path.join(scratch, name)
    os.makedirs(folder, exist_ok=True)
    shutil.copy(os.path.join(source, "config.json"), folder)
    names = list(weights)
    if shards == 1:
        st.save_file(weights, os.path.join(folder, "model.safetensors"))
    else:
        weight_map = {}
        for i in range(shards):
            file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            part = {n: weights[n] for n in names[i::shards]}
            st.save_file(part, os.path.join(folder, file))
            weight_map.update({n: file for n in part})
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f)
    try:
        with torch.no_grad():
            out = pkg.from_pretrained(folder)(ids)
        return {"max_abs_diff": float((out - (reference if against is None else against)).abs().max())}
    except pkg.CheckpointError as e:
        return {"error": str(e)}


first = next(iter(tensors))
results = {
    "missing": variant("missing", {k: v for k, v in tensors.items() if k != first}),
    "unexpected": variant("unexpected", {**tensors, "model.extra.weight": torch.zeros(2, 2)}),
    "misshapen": variant("misshapen", {**tensors, first: torch.zeros(3, 3)}),
    "sharded": variant("sharded", tensors, shards=3),
}
# F16 and BF16 files load as the float32 model of the same (rounded) weights does.
for half in (torch.float16, torch.bfloat16):
    rounded = {k: v.to(half) for k, v in tensors.items()}
    with torch.no_grad():
        m = pkg.build(pkg.Config.from_hf(json.load(open(os.path.join(source, "config.json")))))
        pkg.load_strict(m, {k: v.float() for k, v in rounded.items()})
        expected = m(ids)
    results[str(half).replace("torch.", "")] = variant(str(half), rounded, against=expected)
results["first"] = first
# dtype follows the parameters: the whole model in bfloat16.
with torch.no_grad():
    m = pkg.from_pretrained(source, dtype=torch.bfloat16)
    out = m(ids)
results["bf16_model"] = {"dtype": str(out.dtype), "max_abs_diff": float((out.float() - reference).abs().max()), "scale": float(reference.abs().max())}
print(json.dumps(results))
