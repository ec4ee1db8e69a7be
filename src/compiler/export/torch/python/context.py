"""The state one forward call runs in.

Where the tokens of this call sit (``offset``: tokens already in the cache), the padding
mask, the key/value caches and recurrent states that persist across decoding steps, and
the tensors the model emits (``hidden_states.<i>``, ``router_logits.<i>``).
A plain forward (``model(input_ids)``) makes a fresh context without a cache.
"""
from typing import Any, Dict, Optional

import torch


class Context:
    def __init__(self, use_cache: bool = False):
        # Whether to keep keys/values and recurrent state for the next call (generation).
        self.use_cache = use_cache
        self.offset = 0
        self.length = 0
        self.batch = 1
        # [B, offset + length]: 1 = real token, 0 = padding; None when every token is real.
        self.attention_mask: Optional[torch.Tensor] = None
        # Per call site (a (module, index) pair): cached keys/values, recurrent state.
        self.kv: Dict[Any, Any] = {}
        self.state: Dict[Any, Any] = {}
        self.emitted: Dict[str, torch.Tensor] = {}
        self._counters: Dict[str, int] = {}

    @staticmethod
    def enter(ctx: Optional["Context"], tokens: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> "Context":
        """The context of a root's forward: the caller's, or a fresh one for this call."""
        if ctx is not None:
            return ctx
        ctx = Context()
        ctx.begin(tokens.shape[0], tokens.shape[1], attention_mask)
        return ctx

    def begin(self, batch: int, length: int, attention_mask: Optional[torch.Tensor] = None) -> None:
        """Prepares a call over [batch, length] tokens; the mask covers cached and new tokens."""
        self.batch = batch
        self.length = length
        self.attention_mask = attention_mask
        self.emitted = {}
        self._counters = {}

    def end(self) -> None:
        """Ends a call: with a cache, the next one continues after these tokens."""
        if self.use_cache:
            self.offset += self.length

    def positions(self, device=None) -> torch.Tensor:
        """Absolute positions of this call's tokens, [T]."""
        return torch.arange(self.offset, self.offset + self.length, device=device)

    def emit(self, name: str, index: Optional[int], tensor: torch.Tensor) -> None:
        i = self._counters.get(name, 0) if index is None else int(index)
        self._counters[name] = i + 1
        self.emitted[f"{name}.{i}"] = tensor
