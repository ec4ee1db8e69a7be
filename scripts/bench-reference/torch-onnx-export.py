"""The reference graph for `archc bench --engine ort --reference-onnx`: torch.onnx.export of a
decoder, from the PyTorch package `archc export CKPT --torch -o PKG` writes.

    /usr/bin/python3 scripts/bench-reference/torch-onnx-export.py PKG CKPT OUT

for a decoder with one KV cache per layer whose Config names n_layers, kv_heads and head_dim (the
Llama family, which the bench models are). It writes OUT/model.onnx (weights inline: a model
under protobuf's 2 GB limit) with the I/O of
Hugging Face Optimum's decoder exports, the same contract as archc's graph, so that one driver
runs both: inputs input_ids, attention_mask, position_ids [batch, length], past_key_values.{i}.key
and .value [batch, kv_heads, past, head_dim]; outputs logits, present.{i}.key and .value. One
graph serves prefill (past length 0) and decode (length 1). The package's forward is traced as
PyTorch writes it; only the context it runs in is adapted: positions come from position_ids, and
each attention call's cache comes from the graph's inputs (in call order) instead of a dict kept
between calls; `unflatten` is traced as the reshape it is (torch 1.13 cannot export it), and
GQA's `repeat_interleave` of the kv heads as Hugging Face's repeat_kv (expand + reshape).
"""
import importlib
import os
import sys

import torch


class _SiteCaches(dict):
    """ctx.kv for one traced call: the i-th attention site to look up gets past pair i."""

    def __init__(self, pasts):
        super().__init__()
        self._pasts = list(pasts)
        self.order = []

    def get(self, site, default=None):
        if site in self:
            return self[site]
        if len(self.order) >= len(self._pasts):
            raise RuntimeError("the model has more attention calls than past_key_values given")
        self.order.append(site)
        return self._pasts[len(self.order) - 1]


def _unflatten_as_reshape(x, dim, sizes):
    # torch 1.13 has no ONNX symbolic for aten::unflatten; the same view as a reshape exports
    # as one Reshape (what Hugging Face's models write with .view).
    dim = dim % x.dim()
    return x.reshape(*x.shape[:dim], *sizes, *x.shape[dim + 1:])


_repeat_interleave = torch.Tensor.repeat_interleave


def _repeat_heads(x, repeats, dim=None, **kwargs):
    # GQA's kv heads, repeated as Hugging Face's repeat_kv does (unsqueeze, expand, reshape):
    # torch 1.13 exports repeat_interleave with a traced count to a graph that mis-sizes them.
    if dim != 1 or x.dim() != 4 or kwargs:
        return _repeat_interleave(x, repeats, dim, **kwargs)
    n = int(repeats)
    b, kv, s, d = x.shape
    return x[:, :, None].expand(b, kv, n, s, d).reshape(b, kv * n, s, d)


def exported_wrapper(package, model, layers):
    Context = package.Context

    class PositionsContext(Context):
        def __init__(self, position_ids, pasts):
            super().__init__(use_cache=True)
            self._position_ids = position_ids
            self.kv = _SiteCaches(pasts)

        def positions(self, device=None):
            return self._position_ids  # [B, T]: rope reads batched positions

    class Exported(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, position_ids, *past):
            pasts = [(past[2 * i], past[2 * i + 1]) for i in range(layers)]
            ctx = PositionsContext(position_ids, pasts)
            ctx.begin(input_ids.shape[0], input_ids.shape[1], attention_mask)
            logits = self.model(input_ids, ctx=ctx)
            out = [logits]
            for site in ctx.kv.order:
                out.extend(ctx.kv[site])
            return tuple(out)

    return Exported()


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: torch-onnx-export.py PKG_DIR CKPT_DIR OUT_DIR")
    pkg_dir, ckpt, out = (os.path.abspath(a) for a in sys.argv[1:])
    sys.path.insert(0, os.path.dirname(pkg_dir))
    package = importlib.import_module(os.path.basename(pkg_dir))
    model = package.from_pretrained(ckpt)
    cfg = model.config
    layers, kv_heads, head_dim = cfg.n_layers, cfg.kv_heads, cfg.head_dim
    torch.Tensor.unflatten = _unflatten_as_reshape
    torch.Tensor.repeat_interleave = _repeat_heads
    wrapper = exported_wrapper(package, model, layers).eval()

    # Trace with a past of 3 and 2 new tokens, so that no length is 0 or 1 (the tracer would
    # specialise on it); the dynamic axes make every length free.
    past_len, new_len = 3, 2
    ids = torch.tensor([[1, 5]], dtype=torch.long)
    mask = torch.ones(1, past_len + new_len, dtype=torch.long)
    pos = torch.arange(past_len, past_len + new_len, dtype=torch.long)[None]
    past = []
    for _ in range(layers):
        past += [torch.zeros(1, kv_heads, past_len, head_dim), torch.zeros(1, kv_heads, past_len, head_dim)]

    inputs = ["input_ids", "attention_mask", "position_ids"]
    outputs = ["logits"]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(layers):
        for kind in ("key", "value"):
            inputs.append(f"past_key_values.{i}.{kind}")
            outputs.append(f"present.{i}.{kind}")
            axes[inputs[-1]] = {0: "batch_size", 2: "past_sequence_length"}
            axes[outputs[-1]] = {0: "batch_size", 2: "total_sequence_length"}

    os.makedirs(out, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (ids, mask, pos, *past),
            os.path.join(out, "model.onnx"),
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=17,
            do_constant_folding=True,
        )
    print(f"wrote {out}/model.onnx (torch {torch.__version__}, opset 17)")


if __name__ == "__main__":
    main()
