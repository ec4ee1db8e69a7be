// Attention biases that depend on the distance between a query and a key rather than on
// absolute positions (learned per distance bucket).
import { Sym } from "../shapes/sym.js";
import { tensor, typeText } from "../check/types.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";

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
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
