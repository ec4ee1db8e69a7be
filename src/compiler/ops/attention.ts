// Scaled dot-product attention over a KV cache, with the masks and biases the zoo's
// families use.
import { formatValue } from "../eval/evaluate.js";
import { tensor, typeText } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import type { Feature, OpCall, OpDef } from "./op-def.js";
import type { Sym } from "../shapes/sym.js";
import { attentionOnnx } from "../export/onnx/lowerings/attention.js";

/** Query and key/value head counts and the head size, in this instance. */
function headCounts(call: OpCall): { heads?: number; kvHeads?: number; headDim?: number } | undefined {
  const q = call.type("q");
  const k = call.type("k");
  if (q?.kind !== "tensor" || k?.kind !== "tensor") return undefined;
  return { heads: call.size(q.dims[1]!), kvHeads: call.size(k.dims[1]!), headDim: call.size(q.dims[3]!) };
}

/** The symbolic query heads, key/value heads and head size of a call. */
function headDims(call: OpCall): Record<string, Sym | undefined> {
  const q = call.type("q");
  const k = call.type("k");
  if (q?.kind !== "tensor" || k?.kind !== "tensor") return {};
  return { "attention heads": q.dims[1], "kv heads": k.dims[1], "head dim": q.dims[3] };
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
  torch: {
    helper: `
def alibi_slopes(heads):
    """ALiBi head slopes: 2^(-8i/n) for the closest power of two n, then the odd ones of 2n."""
    p = 2 ** int(math.floor(math.log2(heads)))
    slopes = [2 ** (-8 * (i + 1) / p) for i in range(p)]
    slopes += [2 ** (-8 * (2 * i + 1) / (2 * p)) for i in range(heads - p)]
    return torch.tensor(slopes, dtype=torch.float32)


def attention(ctx, site, q, k, v, causal=False, window=None, scale=None, softcap=None, bias=None, alibi=False,
              alibi_dtype=None, scale_bias=False, padding=True, cache=True, logn=None, segments=None):
    """Scaled dot-product attention of q [B, H, T, D] over k, v [B, KV, S, D] (after the cached ones)."""
    key_segments = segments
    if ctx.use_cache and cache:
        past = ctx.kv.get(site)
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        ctx.kv[site] = (k, v)
        if segments is not None:
            old = ctx.state.get((site, "segments"))
            key_segments = segments if old is None else torch.cat((old, segments), dim=1)
            ctx.state[(site, "segments")] = key_segments
    b, h, t, d = q.shape
    s = k.shape[2]
    if k.shape[1] != h:  # grouped-query attention: each kv head serves h / kv query heads
        k = k.repeat_interleave(h // k.shape[1], dim=1)
        v = v.repeat_interleave(h // v.shape[1], dim=1)
    offset = s - t  # absolute position of query 0
    if logn is not None and offset + t > logn:
        p = torch.arange(offset + 1, offset + t + 1, dtype=torch.float64, device=q.device)
        factor = torch.where(p > logn, torch.log(p) / math.log(logn), torch.ones_like(p))
        q = q * factor.to(q.dtype)[:, None]
    if alibi:
        slopes = alibi_slopes(h).to(q.device)
        keys = torch.arange(s, device=q.device, dtype=torch.float32)
        if alibi_dtype == "bfloat16":
            al = slopes.bfloat16()[:, None] * keys.bfloat16()[None, :]
        else:
            al = slopes[:, None] * keys[None, :]
        al = al.to(q.dtype)[None, :, None, :]
        bias = al if bias is None else bias + al
    if scale is None:
        scale = 1.0 / math.sqrt(d)
    scores = q @ k.transpose(-1, -2)
    if scale_bias and bias is not None:
        scores = (scores + bias) * scale
        bias = None
    else:
        scores = scores * scale
    if softcap is not None:
        scores = softcap * torch.tanh(scores / softcap)
    if bias is not None:
        scores = scores + bias
    i = torch.arange(t, device=q.device)[:, None] + offset
    j = torch.arange(s, device=q.device)[None, :]
    allowed = torch.ones(t, s, dtype=torch.bool, device=q.device)
    if causal or window is not None:
        allowed = allowed & (j <= i)
    if window is not None:
        allowed = allowed & (j > i - window)
    allowed = allowed[None, None]
    if padding and ctx.attention_mask is not None:
        allowed = allowed & (ctx.attention_mask[:, None, None, -s:] != 0)
    if segments is not None:
        allowed = allowed & (key_segments[:, None, None, :] == segments[:, None, :, None])
    scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
    probs = torch.softmax(layers.upcast(scores), dim=-1).to(v.dtype)
    return probs @ v
`,
  },
  onnx: attentionOnnx,
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
    // The query of the token at position `context` meets min(context, window) keys: per query
    // head 2·D per key for the scores and 2·Dv per key for the weighted values.
    flopsPerToken: (call, at) => {
      const q = call.type("q");
      const v = call.type("v");
      if (q?.kind !== "tensor" || v?.kind !== "tensor") return 0n;
      const [heads, d, dv] = [call.count(q.dims[1]!), call.count(q.dims[3]!), call.count(v.dims[3]!)];
      if (heads === undefined || d === undefined || dv === undefined) return 0n;
      const window = call.value("window");
      const keys = typeof window === "number" && Number.isFinite(window) ? Math.min(window, at.context) : at.context;
      return 2n * heads * BigInt(Math.max(0, Math.floor(keys))) * (d + dv);
    },
    // float32 keys and values of every cached position. A site is uncached only when it
    // says `cache = false` literally (a config-valued `cache` is counted).
    kvBytesPerToken: (call) => {
      const cache = call.arg("cache");
      if (cache?.kind === "bool" && !cache.value) return 0n;
      let bytes = 0n;
      for (const name of ["k", "v"]) {
        const t = call.type(name);
        if (t?.kind !== "tensor" || t.dims.length !== 4) continue;
        const heads = call.count(t.dims[1]!);
        const dim = call.count(t.dims[3]!);
        if (heads !== undefined && dim !== undefined) bytes += heads * dim * 4n;
      }
      return bytes;
    },
  },
  diff: {
    anchor: true,
    role: "mixing",
    // Key/value heads are worth a clause when the kind changes (MQA → MHA), not when they
    // only follow the number of heads.
    phrase: (attr, v, changed) =>
      attr === "causal" ? `${v === "true" ? "causal" : "bidirectional"} attention`
      : attr === "kind" ? `${changed.kv_heads ?? v} kv heads`
      : attr === "window" ? (v === "none" ? "no sliding window" : `sliding window ${v}`)
      : attr === "softcap" ? (v === "none" ? "no attention softcap" : `attention softcap ${v}`)
      : undefined,
    normalize: (attrs) => {
      // How ALiBi slopes are rounded and where a bias joins q·k matter only with a bias or ALiBi.
      if (attrs.alibi === "false" && attrs.bias === undefined) {
        delete attrs.alibi_dtype;
        delete attrs.scale_bias;
      }
      // The default scale is 1/sqrt(head_dim): spelling it out is no difference.
      const hd = Number(attrs.head_dim);
      if (attrs.scale !== undefined && hd > 0 && Math.abs(Number(attrs.scale) - 1 / Math.sqrt(hd)) < 1e-12) delete attrs.scale;
    },
    meanings: headDims,
    attrs: (call) => {
      const h = headCounts(call);
      if (!h) return {};
      const kind = kindOf(h.heads, h.kvHeads);
      return { heads: h.heads, kv_heads: h.kvHeads, head_dim: h.headDim, kind: kind === "GQA" ? `GQA(${h.kvHeads === undefined ? "none" : formatValue(h.kvHeads)})` : kind };
    },
  },
};
