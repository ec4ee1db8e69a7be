// Attention biases that depend on the distance between a query and a key rather than on
// absolute positions (learned per distance bucket).
import { Sym } from "../shapes/sym.js";
import { tensor, typeText } from "../check/types.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";
import { relativePositionBiasOnnx } from "../export/onnx/lowerings/relative-position.js";
import { relativeScoresOnnx, relativeSinusoidOnnx } from "../export/onnx/lowerings/transformer-xl.js";

export const relativePositionOps: OpDef[] = [
  {
    name: "relative_sinusoid",
    params: ["x", "dim"],
    keywords: { clamp: "scalar" },
    doc:
      "relative_sinusoid(x: [B, S, …], dim, clamp = 0) -> [S, dim]: row r is the sinusoid embedding [sin(r·f), cos(r·f)] of " +
      "distance r (f_k = 10000^(-2k/dim)), distances above `clamp` (when positive) clamped to it",
    infer: (a, c) => {
      const x = a.x?.type;
      const d = a.dim?.type.kind === "scalar" ? a.dim.type.sym : undefined;
      if (!x) return undefined;
      if (x.kind !== "tensor" || x.dims.length < 2) return c.fail("E0305", a.x!.expr.span, "x must be a sequence [B, S, …]", { found: typeText(x) });
      if (!d) return c.fail("E0201", a.dim!.expr.span, "the embedding size must be an integer config value");
      c.divides(d, Sym.const(2), a.dim!.expr.span, "the sinusoid size");
      return tensor([x.dims[1]!, d]);
    },
    runtime: "relative_sinusoid",
    torch: {
      helper: `
def relative_sinusoid(x, dim, clamp=0):
    """[S, dim]: the sinusoid embedding [sin(r f), cos(r f)] of each distance r = 0..S-1."""
    r = torch.arange(x.shape[1], device=x.device, dtype=torch.float32)
    if clamp and clamp > 0:
        r = torch.clamp(r, max=clamp)
    angles = r[:, None] * rope_inv_freq(10000.0, dim, x.device)[None, :]
    return torch.cat((torch.sin(angles), torch.cos(angles)), dim=-1).to(x.dtype)
`,
    },
    onnx: relativeSinusoidOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "relative_scores",
    params: ["q", "r"],
    doc:
      "relative_scores(q: [B, H, T, D], r: [S, H·D]) -> [B, H, T, S]: q_i · r[distance] (head h reads columns h·D … h·D+D−1) " +
      "for query i (the last T of S positions) and key j, distance = S − T + i − j; 0 for keys after the query (they are masked)",
    infer: (a, c) => {
      const q = a.q?.type;
      const r = a.r?.type;
      if (!q || !r) return undefined;
      if (q.kind !== "tensor" || q.dims.length !== 4) return c.fail("E0305", a.q!.expr.span, "q must be [B, H, T, D]", { found: typeText(q) });
      if (r.kind !== "tensor" || r.dims.length !== 2) return c.fail("E0305", a.r!.expr.span, "r must be [S, H·D]", { found: typeText(r) });
      c.sameDim(q.dims[1]!.mul(q.dims[3]!), r.dims[1]!, a.r!.expr.span, "E0301", "features of r (heads × head size of q)");
      return tensor([q.dims[0]!, q.dims[1]!, q.dims[2]!, r.dims[0]!]);
    },
    runtime: "relative_scores",
    torch: {
      helper: `
def relative_scores(q, r):
    """[B, H, T, S]: q_i . r[S - T + i - j] per head (0 for keys after the query)."""
    b, h, t, d = q.shape
    s = r.shape[0]
    rh = r.reshape(s, h, d).permute(1, 2, 0)  # [H, D, S]
    by_distance = q @ rh  # [B, H, T, S], column = distance
    i = torch.arange(t, device=q.device)[:, None]
    j = torch.arange(s, device=q.device)[None, :]
    dist = s - t + i - j
    picked = torch.gather(by_distance, 3, dist.clamp(min=0).expand(b, h, t, s))
    return picked.masked_fill(dist < 0, 0.0)
`,
    },
    onnx: relativeScoresOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "relative_position_bias",
    params: ["table", "x"],
    keywords: { bidirectional: "scalar", max_distance: "scalar", cache: "scalar" },
    doc:
      "relative_position_bias(table: [buckets, H], x: [B, T, …], bidirectional, max_distance, cache = true) -> [1, H, T, S]: " +
      "the table row of each (query, key) distance bucket (exact buckets for short distances, logarithmic up to max_distance; " +
      "bidirectional halves the buckets between keys before and after the query). Queries are x's T tokens, after the tokens " +
      "already cached when `cache`; keys are every token up to the last query",
    infer: (a, c) => {
      const t = a.table?.type;
      const x = a.x?.type;
      if (!t || !x) return undefined;
      if (t.kind !== "tensor" || t.dims.length !== 2) return c.fail("E0305", a.table!.expr.span, "the bias table must be a matrix [buckets, heads]", { found: typeText(t) });
      if (x.kind !== "tensor" || x.dims.length < 2) return c.fail("E0305", a.x!.expr.span, "x must be a sequence [B, T, …]", { found: typeText(x) });
      return tensor([Sym.const(1), t.dims[1]!, x.dims[1]!, Sym.atom("keys")]);
    },
    runtime: "relative_position_bias",
    torch: {
      context: true,
      helper: `
def relative_bucket(relative, buckets, bidirectional, max_distance):
    """T5's bucket of each key-minus-query distance: exact for short ones, logarithmic up to max_distance."""
    bucket = torch.zeros_like(relative)
    if bidirectional:
        buckets //= 2
        bucket = bucket + (relative > 0).long() * buckets
        distance = relative.abs()
    else:
        distance = -torch.clamp(relative, max=0)
    exact = buckets // 2
    log_ratio = torch.log(distance.float().clamp(min=1) / exact) / math.log(max_distance / exact)
    large = exact + (log_ratio * (buckets - exact)).long()
    large = torch.clamp(large, max=buckets - 1)
    return bucket + torch.where(distance < exact, distance, large)


def relative_position_bias(ctx, table, x, bidirectional=False, max_distance=128, cache=True):
    """[1, H, T, S]: the table row of each (query, key) distance bucket; queries after the cached tokens."""
    t = x.shape[1]
    offset = ctx.offset if cache and ctx.use_cache else 0
    i = torch.arange(offset, offset + t, device=table.device)[:, None]
    j = torch.arange(offset + t, device=table.device)[None, :]
    buckets = relative_bucket(j - i, table.shape[0], bidirectional, max_distance)
    return table[buckets].permute(2, 0, 1)[None]
`,
    },
    onnx: relativePositionBiasOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
