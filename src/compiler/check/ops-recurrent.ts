// Ops that carry a recurrent state along the sequence: within one call from token to token,
// and across decoding steps through the forward context (one state per call site), so that
// a prompt followed by single tokens computes exactly what the whole sequence does.
import type { OpArg, OpContext, OpDef } from "./ops.js";
import { typeText, type TensorT } from "./types.js";

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
  token_shift: {
    params: ["x"],
    stateful: true,
    doc: "token_shift(x: [B, T, C]) -> [B, T, C]: x one token later (out[t] = x[t-1]); zeros before the first token, the previous call's last token when decoding",
    infer: (a, c) => rank3(a.x, c, "the input of token_shift"),
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
