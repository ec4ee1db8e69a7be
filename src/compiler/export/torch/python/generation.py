"""Greedy generation with the key/value cache (or recurrent state) kept in a Context:
one call over the prompt, then one call per new token, as archc's runtime does."""
from typing import List, Optional, Sequence

import torch

from .context import Context


@torch.no_grad()
def generate(model: torch.nn.Module, ids: Sequence[int], max_new_tokens: int, decoder_start: Optional[Sequence[int]] = None) -> List[int]:
    """The max_new_tokens greedy tokens after the prompt `ids` (a list of token ids).

    An encoder-decoder model reads the prompt with its encoder and generates its decoder
    stream from `decoder_start` (the config's decoder_start_token_id)."""
    device = next(model.parameters()).device
    ctx = Context(use_cache=True)
    as_ids = lambda xs: torch.tensor([list(xs)], dtype=torch.long, device=device)
    stream = model.stream_input
    fixed = {}
    step_ids = as_ids(ids)
    if model.context_inputs:
        if not decoder_start:
            raise ValueError(f"{type(model).__name__} reads the prompt as {model.context_inputs[0]}: give decoder_start")
        fixed[model.context_inputs[0]] = step_ids
        step_ids = as_ids(decoder_start)
    out: List[int] = []
    for _ in range(max_new_tokens):
        ctx.begin(1, step_ids.shape[1])
        logits = model(**fixed, **{stream: step_ids}, ctx=ctx)
        ctx.end()
        token = int(torch.argmax(logits[0, -1]).item())
        out.append(token)
        step_ids = as_ids([token])
    return out
