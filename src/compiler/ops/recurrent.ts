// Ops that carry a recurrent state along the sequence: within one call from token to token,
// and across decoding steps through the forward context (one state per call site), so that
// a prompt followed by single tokens computes exactly what the whole sequence does.
import { formatValue } from "../eval/evaluate.js";
import { Sym } from "../shapes/sym.js";
import { tensor, type TensorT } from "../check/types.js";
import { asSequence, checkChannels, product } from "./argument-checks.js";
import { noStats, plainDiff, type OpDef } from "./op-def.js";

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
    features: () => [{ column: "positions", label: "token shift" }],
    stats: noStats,
    diff: plainDiff,
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
    features: (call) => [{ column: "attention", label: `WKV recurrence (${formatValue(call.value("heads") ?? null)} heads, matrix state)` }],
    stats: noStats,
    diff: plainDiff,
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
    features: () => [{ column: "attention", label: "WKV recurrence (RWKV-4 linear attention)" }],
    stats: noStats,
    diff: { anchor: true },
  },
];

