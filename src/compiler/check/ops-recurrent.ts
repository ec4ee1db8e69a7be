// Ops that carry a recurrent state along the sequence: within one call from token to token,
// and across decoding steps through the forward context (one state per call site), so that
// a prompt followed by single tokens computes exactly what the whole sequence does.
import type { OpArg, OpContext, OpDef } from "./ops.js";
import { Sym } from "../shapes/sym.js";
import { tensor, typeText, type TensorT } from "./types.js";

const rank3 = (a: OpArg | undefined, c: OpContext, what: string): TensorT | undefined => {
  if (!a) return undefined;
  if (a.type.kind !== "tensor" || a.type.dims.length !== 3) {
    return c.fail("E0305", a.expr.span, `${what} must be a tensor [B, T, C]`, { expected: "[B, T, C]", found: typeText(a.type) });
  }
  return a.type;
};

const channels = (a: OpArg | undefined, x: TensorT, c: OpContext, what: string): void => {
  if (!a || a.type.kind !== "tensor") return;
  const d = a.type.dims;
  if (d.length === 0) return void c.fail("E0305", a.expr.span, `${what} must be a per-channel vector`, { found: typeText(a.type) });
  c.sameDim(x.dims[2]!, d[d.length - 1]!, a.expr.span, "E0301", `channels of ${what}`);
};

export const recurrentOps: Record<string, OpDef> = {
  memory: {
    params: ["x", "length"],
    keywords: { zeros: "scalar" },
    stateful: true,
    doc:
      "memory(x: [B, T, d], length) -> [B, M + T, d]: the last M <= length tokens this call site saw before, then x " +
      "(segment-level recurrence: attention keys and values reach back into earlier calls). `zeros`: start from `length` zero " +
      "tokens instead of none. Without a cache every call starts afresh",
    infer: (a, c) => {
      const x = rank3(a.x, c, "the input of memory");
      if (!x) return undefined;
      return tensor([x.dims[0]!, Sym.atom("memory+T"), x.dims[2]!], x.ids);
    },
  },
  token_shift: {
    params: ["x"],
    stateful: true,
    doc: "token_shift(x: [B, T, C]) -> [B, T, C]: x one token later (out[t] = x[t-1]); zeros before the first token, the previous call's last token when decoding",
    infer: (a, c) => rank3(a.x, c, "the input of token_shift"),
  },
  wkv_heads: {
    params: ["r", "k", "v", "decay", "bonus", "heads"],
    stateful: true,
    doc:
      "wkv_heads(r, k, v: [B, T, C], decay: [.., C] in (0, 1), bonus: [heads, C/heads], heads) -> [B, T, C]: RWKV-5/6 linear attention " +
      "with a [D, D] state per head: y_t = r_t·(S + diag(bonus)·k_tᵀv_t), then S = diag(decay_t)·S + k_tᵀv_t",
    infer: (a, c) => {
      const r = rank3(a.r, c, "r");
      const k = rank3(a.k, c, "k");
      const v = rank3(a.v, c, "v");
      if (!r || !k || !v) return undefined;
      for (const [n, x] of [["k", a.k!], ["v", a.v!]] as const) {
        r.dims.forEach((d, i) => c.sameDim(d, (x.type as TensorT).dims[i]!, x.expr.span, "E0301", `dimension ${i} of ${n} (must equal r's)`));
      }
      channels(a.decay, r, c, "decay");
      const h = a.heads?.type.kind === "scalar" ? a.heads.type.sym : undefined;
      if (!h) return c.fail("E0201", (a.heads ?? a.r)!.expr.span, "the head count must be an integer config value");
      c.divides(r.dims[2]!, h, c.callSpan, "the channels of wkv_heads");
      if (a.bonus?.type.kind === "tensor") {
        const bd = a.bonus.type.dims;
        c.sameDim(bd.reduce((p, d) => p.mul(d), Sym.const(1)), r.dims[2]!, a.bonus.expr.span, "E0301", "elements of the bonus (one per channel)");
      }
      return r;
    },
  },
  wkv4: {
    params: ["k", "v", "decay", "first"],
    stateful: true,
    doc: "wkv4(k: [B, T, C], v: [B, T, C], decay: [C], first: [C]) -> [B, T, C]: RWKV-4 linear attention, past tokens weighted by exp(-(t-1-i)·exp(decay) + k_i), the current one by exp(first + k_t)",
    infer: (a, c) => {
      const k = rank3(a.k, c, "k");
      const v = rank3(a.v, c, "v");
      if (!k || !v) return undefined;
      k.dims.forEach((d, i) => c.sameDim(d, v.dims[i]!, a.v!.expr.span, "E0301", `dimension ${i} of v (must equal k's)`));
      channels(a.decay, k, c, "decay");
      channels(a.first, k, c, "first");
      return k;
    },
  },
};
