// Per-token indices derived from the token ids: absolute positions and document segments.
import { tensor } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";
import { positionIdsOnnx } from "../export/onnx/lowerings/shape.js";
import { segmentIdsOnnx } from "../export/onnx/lowerings/segments.js";

export const positionIds: OpDef = {
  name: "position_ids",
  params: ["ids"],
  doc: "position_ids(ids: ids[B, T]) -> ids[B, T]: absolute positions (continuing after the KV cache)",
  infer: (a, c) => {
    const x = asTensor(a.ids, c, "the input of position_ids");
    return x ? tensor(x.dims, true) : undefined;
  },
  runtime: "position_ids",
  torch: {
    context: true,
    helper: `
def position_ids(ctx, ids):
    """Absolute positions [B, T] of the tokens of this call (continuing after the cache)."""
    return ctx.positions(ids.device).unsqueeze(0).expand(ids.shape[0], -1)
`,
  },
  onnx: positionIdsOnnx,
  // Positions index a learned table (an Embedding): absolute learned position embeddings.
  features: () => [{ column: "positions", label: "learned" }],
  stats: noStats,
  diff: { anchor: false, role: "positions" },
};

export const segmentIds: OpDef = {
  name: "segment_ids",
  params: ["ids", "boundary"],
  stateful: true,
  doc: "segment_ids(ids: ids[B, T], boundary) -> ids[B, T]: how many `boundary` tokens (end of document) precede each position, counting the cached ones; boundary = null gives one segment",
  infer: (a, c) => {
    const x = asTensor(a.ids, c, "the input of segment_ids", 2);
    return x ? tensor(x.dims, true) : undefined;
  },
  runtime: "segment_ids",
  torch: {
    helper: `
def segment_ids(ctx, site, ids, boundary):
    """How many boundary tokens (end of document) precede each position, cached ones included."""
    seen = ctx.state.get(site) if ctx.use_cache else None
    if seen is None:
        seen = torch.zeros(ids.shape[0], 1, dtype=torch.long, device=ids.device)
    if boundary is None:
        hits = torch.zeros_like(ids)
    else:
        hits = (ids == boundary).long()
    before = torch.cumsum(hits, dim=1) - hits
    out = seen + before
    if ctx.use_cache:
        ctx.state[site] = seen + hits.sum(dim=1, keepdim=True)
    return out
`,
  },
  onnx: segmentIdsOnnx,
  features: noFeatures,
  stats: noStats,
  diff: plainDiff,
};
