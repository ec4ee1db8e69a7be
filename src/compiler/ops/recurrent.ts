// Ops that carry a recurrent state along the sequence: within one call from token to token,
// and across decoding steps through the forward context (one state per call site and loop iteration), so that
// a prompt followed by single tokens computes exactly what the whole sequence does.
import { formatValue } from "../eval/evaluate.js";
import { Sym } from "../shapes/sym.js";
import { tensor, type TensorT } from "../check/types.js";
import { asSequence, checkChannels, product } from "./argument-checks.js";
import { noStats, plainDiff, type OpDef } from "./op-def.js";
import { tokenShiftOnnx, wkv4Onnx, wkvHeadsOnnx } from "../export/onnx/lowerings/recurrent.js";
import { memoryOnnx } from "../export/onnx/lowerings/transformer-xl.js";

export const recurrentOps: OpDef[] = [
  {
    name: "memory",
    params: ["x", "length"],
    keywords: { zeros: "scalar" },
    stateful: true,
    doc:
      "memory(x: [B, T, d], length) -> [B, M + T, d]: the last M <= length tokens this call site saw before, then x " +
      "(segment-level recurrence: attention keys and values reach back into earlier calls). `zeros`: start from `length` zero " +
      "tokens instead of none. Without a cache every call starts afresh",
    infer: (a, c) => {
      const x = asSequence(a.x, c, "the input of memory");
      if (!x) return undefined;
      return tensor([x.dims[0]!, Sym.atom("memory+T"), x.dims[2]!], x.ids);
    },
    runtime: "memory",
    torch: {
      helper: `
def memory(ctx, site, x, length, zeros=False):
    """The last tokens (up to length) this call site saw in earlier calls, then x [B, T, d]."""
    past = ctx.state.get(site) if ctx.use_cache else None
    if past is None and zeros and length > 0:
        past = x.new_zeros(x.shape[0], length, x.shape[2])
    full = x if past is None else torch.cat((past, x), dim=1)
    if ctx.use_cache:
        ctx.state[site] = full[:, max(0, full.shape[1] - length):]
    return full
`,
    },
    onnx: memoryOnnx,
    features: (call) => [{ column: "mask", label: `+ memory of ${formatValue(call.value("length") ?? null)} tokens` }],
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "token_shift",
    params: ["x"],
    stateful: true,
    doc: "token_shift(x: [B, T, C]) -> [B, T, C]: x one token later (out[t] = x[t-1]); zeros before the first token, the previous call's last token when decoding",
    infer: (a, c) => asSequence(a.x, c, "the input of token_shift"),
    runtime: "token_shift",
    torch: {
      helper: `
def token_shift(ctx, site, x):
    """x one token later (out[t] = x[t-1]); zeros before the first token, the previous call's last when decoding."""
    prev = ctx.state.get(site) if ctx.use_cache else None
    if prev is None:
        prev = x.new_zeros(x.shape[0], 1, x.shape[2])
    if ctx.use_cache and x.shape[1] > 0:
        ctx.state[site] = x[:, -1:]
    return torch.cat((prev, x[:, :-1]), dim=1)
`,
    },
    onnx: tokenShiftOnnx,
    features: () => [{ column: "positions", label: "token shift" }],
    stats: noStats,
    diff: { anchor: false, role: "positions" },
  },
  {
    name: "wkv_heads",
    params: ["r", "k", "v", "decay", "bonus", "heads"],
    stateful: true,
    doc:
      "wkv_heads(r, k, v: [B, T, C], decay: [.., C] in (0, 1), bonus: [heads, C/heads], heads) -> [B, T, C]: RWKV-5/6 linear attention " +
      "with a [D, D] state per head: y_t = r_t·(S + diag(bonus)·k_tᵀv_t), then S = diag(decay_t)·S + k_tᵀv_t",
    infer: (a, c) => {
      const r = asSequence(a.r, c, "r");
      const k = asSequence(a.k, c, "k");
      const v = asSequence(a.v, c, "v");
      if (!r || !k || !v) return undefined;
      for (const [n, x] of [["k", a.k!], ["v", a.v!]] as const) {
        r.dims.forEach((d, i) => c.sameDim(d, (x.type as TensorT).dims[i]!, x.expr.span, "E0301", `dimension ${i} of ${n} (must equal r's)`));
      }
      checkChannels(a.decay, r, c, "decay");
      const h = a.heads?.type.kind === "scalar" ? a.heads.type.sym : undefined;
      if (!h) return c.fail("E0201", (a.heads ?? a.r)!.expr.span, "the head count must be an integer config value");
      c.divides(r.dims[2]!, h, c.callSpan, "the channels of wkv_heads");
      if (a.bonus?.type.kind === "tensor") {
        c.sameDim(product(a.bonus.type.dims), r.dims[2]!, a.bonus.expr.span, "E0301", "elements of the bonus (one per channel)");
      }
      return r;
    },
    runtime: "wkv_heads",
    torch: {
      helper: `
def wkv_heads(ctx, site, r, k, v, decay, bonus, heads):
    """RWKV-5/6 linear attention with a [D, D] state per head, as a loop over time."""
    b, t, c = r.shape
    d = c // heads
    split = lambda x: x.reshape(*x.shape[:-1], heads, d)
    r, k, v = split(r), split(k), split(v)
    decay = split(decay)
    u = bonus.reshape(heads, d)[..., None]
    s = ctx.state.get(site) if ctx.use_cache else None
    if s is None:
        s = r.new_zeros(b, heads, d, d)
    out = []
    for i in range(t):
        kv = k[:, i, :, :, None] * v[:, i, :, None, :]
        out.append((r[:, i, :, None, :] @ (s + u * kv)).squeeze(-2))
        w = decay[:, i] if decay.dim() == 4 else decay
        s = w[..., None] * s + kv
    if ctx.use_cache:
        ctx.state[site] = s
    return torch.stack(out, dim=1).reshape(b, t, c) if out else r.reshape(b, t, c)
`,
    },
    onnx: wkvHeadsOnnx,
    features: (call) => [{ column: "attention", label: `WKV recurrence (${formatValue(call.value("heads") ?? null)} heads, matrix state)` }],
    stats: {
      // Per head, with D = C / heads: kᵀv (D²), bonus·kᵀv (D²), S + it (D²), r·(…) (2D²) and
      // the state update decay·S + kᵀv (2D²): 7·D² per head, 7·C·D in all.
      flopsPerToken: (call) => {
        const r = call.type("r");
        const heads = call.value("heads");
        const c = r?.kind === "tensor" && r.dims.length === 3 ? call.count(r.dims[2]!) : undefined;
        // The checker proved that heads divides C.
        return c !== undefined && typeof heads === "number" && Number.isSafeInteger(heads) && heads > 0 ? 7n * c * (c / BigInt(heads)) : 0n;
      },
    },
    diff: {
      anchor: false,
      role: "mixing",
      // Linear attention's heads, and the channels each holds, are attention's.
      meanings: (call) => {
        const h = call.type("heads");
        const r = call.type("r");
        const heads = h?.kind === "scalar" ? h.sym : undefined;
        return { "attention heads": heads, "head dim": heads && r?.kind === "tensor" && r.dims.length === 3 ? r.dims[2]!.div(heads) : undefined };
      },
    },
  },
  {
    name: "wkv4",
    params: ["k", "v", "decay", "first"],
    stateful: true,
    doc: "wkv4(k: [B, T, C], v: [B, T, C], decay: [C], first: [C]) -> [B, T, C]: RWKV-4 linear attention, past tokens weighted by exp(-(t-1-i)·exp(decay) + k_i), the current one by exp(first + k_t)",
    infer: (a, c) => {
      const k = asSequence(a.k, c, "k");
      const v = asSequence(a.v, c, "v");
      if (!k || !v) return undefined;
      k.dims.forEach((d, i) => c.sameDim(d, v.dims[i]!, a.v!.expr.span, "E0301", `dimension ${i} of v (must equal k's)`));
      checkChannels(a.decay, k, c, "decay");
      checkChannels(a.first, k, c, "first");
      return k;
    },
    runtime: "wkv4",
    torch: {
      helper: `
def wkv4(ctx, site, k, v, decay, first):
    """RWKV-4 linear attention as a loop over time, with the numerically stable (num, den, max) state."""
    dtype = k.dtype
    k, v = layers.upcast(k), layers.upcast(v)
    w = -torch.exp(layers.upcast(decay).reshape(-1))
    u = layers.upcast(first).reshape(-1)
    state = ctx.state.get(site) if ctx.use_cache else None
    if state is None:
        zeros = k.new_zeros(k.shape[0], k.shape[2])
        state = (zeros, zeros, zeros - 1e38)
    num, den, top = state
    out = []
    for t in range(k.shape[1]):
        kt, vt = k[:, t], v[:, t]
        m = torch.maximum(top, kt + u)
        e1, e2 = torch.exp(top - m), torch.exp(kt + u - m)
        out.append((e1 * num + e2 * vt) / (e1 * den + e2))
        m = torch.maximum(top + w, kt)
        e1, e2 = torch.exp(top + w - m), torch.exp(kt - m)
        num, den, top = e1 * num + e2 * vt, e1 * den + e2, m
    if ctx.use_cache:
        ctx.state[site] = (num, den, top)
    y = torch.stack(out, dim=1) if out else k
    return y.to(dtype)
`,
    },
    onnx: wkv4Onnx,
    features: () => [{ column: "attention", label: "WKV recurrence (RWKV-4 linear attention)" }],
    stats: {
      // Per channel: the output (e1·a + e2·v) / (e1·b + e2) takes 6 operations and the state
      // update a = e1'·a + e2'·v, b = e1'·b + e2' takes 5 (exponentials and maxima not counted).
      flopsPerToken: (call) => {
        const k = call.type("k");
        const c = k?.kind === "tensor" && k.dims.length === 3 ? call.count(k.dims[2]!) : undefined;
        return c !== undefined ? 11n * c : 0n;
      },
    },
    diff: { anchor: true, role: "mixing" },
  },
];

