// Scaled dot-product attention over a KV cache, with the masks and biases the zoo's
// families use.
import { formatValue } from "../eval/evaluate.js";
import { tensor, typeText } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import type { Feature, OpCall, OpDef } from "./op-def.js";

/** Query and key/value head counts and the head size, in this instance. */
function headCounts(call: OpCall): { heads?: number; kvHeads?: number; headDim?: number } | undefined {
  const q = call.type("q");
  const k = call.type("k");
  if (q?.kind !== "tensor" || k?.kind !== "tensor") return undefined;
  return { heads: call.size(q.dims[1]!), kvHeads: call.size(k.dims[1]!), headDim: call.size(q.dims[3]!) };
}

/** MHA, MQA (one key/value head) or GQA (groups of query heads share one). */
const kindOf = (heads: number | undefined, kvHeads: number | undefined): "MHA" | "MQA" | "GQA" => (heads === kvHeads ? "MHA" : kvHeads === 1 ? "MQA" : "GQA");

export const attention: OpDef = {
  name: "attention",
  params: ["q", "k", "v"],
  keywords: {
    causal: "scalar",
    window: "scalar",
    scale: "scalar",
    softcap: "scalar",
    bias: "tensor",
    alibi: "scalar",
    alibi_dtype: "scalar",
    scale_bias: "scalar",
    padding: "scalar",
    cache: "scalar",
    logn: "scalar",
    segments: "tensor",
  },
  defaults: { causal: false, window: null, softcap: null, alibi: false, padding: true, cache: true },
  stateful: true,
  doc: "attention(q: [B, H, T, D], k: [B, KV, S, D], v: [B, KV, S, Dv], causal, window, scale, softcap, bias, alibi, alibi_dtype (\"bfloat16\": slopes and slope·position rounded as BLOOM/Falcon build them), scale_bias (bias and ALiBi join q·k before the scale: (q·k + bias)·scale), logn, segments: key j is hidden from query i unless segments[j] == segments[i]) -> [B, H, T, Dv]",
  infer: (a, c) => {
    const q = asTensor(a.q, c, "q", 4);
    const k = asTensor(a.k, c, "k", 4);
    const v = asTensor(a.v, c, "v", 4);
    if (!q || !k || !v) return undefined;
    for (const r of [q, k, v]) if (r.dims.length !== 4) return c.fail("E0305", c.callSpan, "attention takes rank-4 tensors [B, heads, T, head_dim]", { found: typeText(r) });
    c.sameDim(q.dims[0]!, k.dims[0]!, a.k!.expr.span, "E0308", "batch of k");
    c.sameDim(q.dims[3]!, k.dims[3]!, a.k!.expr.span, "E0308", "head size of k (must equal q's)");
    c.sameDim(k.dims[1]!, v.dims[1]!, a.v!.expr.span, "E0308", "key/value heads of v (must equal k's)");
    c.divides(q.dims[1]!, k.dims[1]!, c.callSpan, "the number of query heads");
    return tensor([q.dims[0]!, q.dims[1]!, q.dims[2]!, v.dims[3]!]);
  },
  runtime: "attention",
  features: (call) => {
    const out: Feature[] = [];
    const h = headCounts(call);
    if (h?.heads !== undefined && h.kvHeads !== undefined) {
      const kind = kindOf(h.heads, h.kvHeads);
      out.push({ column: "attention", label: kind === "MHA" ? `MHA(${h.heads})` : kind === "MQA" ? `MQA(${h.heads})` : `GQA(${h.heads}/${h.kvHeads})` });
    }
    const window = call.value("window");
    out.push({ column: "mask", label: typeof window === "number" ? `sliding(${window})` : call.value("causal") === true ? "causal" : "bidirectional" });
    if (call.value("alibi") === true) out.push({ column: "positions", label: "ALiBi" });
    if (call.arg("bias")) out.push({ column: "positions", label: "relative bias" });
    const cap = call.value("softcap");
    if (typeof cap === "number") out.push({ column: "mask", label: `softcap ${formatValue(cap)}` });
    return out;
  },
  stats: {
    // float32 keys and values of every cached position. A site is uncached only when it
    // says `cache = false` literally (a config-valued `cache` is counted).
    kvBytesPerToken: (call) => {
      const cache = call.arg("cache");
      if (cache?.kind === "bool" && !cache.value) return 0;
      let bytes = 0;
      for (const name of ["k", "v"]) {
        const t = call.type(name);
        if (t?.kind !== "tensor" || t.dims.length !== 4) continue;
        const heads = call.size(t.dims[1]!);
        const dim = call.size(t.dims[3]!);
        if (heads !== undefined && dim !== undefined) bytes += heads * dim * 4;
      }
      return bytes;
    },
  },
  diff: {
    anchor: true,
    attrs: (call) => {
      const h = headCounts(call);
      if (!h) return {};
      const kind = kindOf(h.heads, h.kvHeads);
      return { heads: h.heads, kv_heads: h.kvHeads, head_dim: h.headDim, kind: kind === "GQA" ? `GQA(${h.kvHeads === undefined ? "none" : formatValue(h.kvHeads)})` : kind };
    },
  },
};
