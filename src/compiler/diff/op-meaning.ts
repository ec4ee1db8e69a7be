// What the diff needs to know about an op: the role it plays in a layer (the feature-table
// column it fills: attention, mask, positions, norm, activation, moe) and plain words for
// the values of the attributes a summary names. This is the one place that knows; the
// op-catalogue restructuring moves it into each op's definition (`features`, `diff`).
import { ops as opCatalogue } from "../check/ops.js";

export type OpRole = "attention" | "mask" | "positions" | "norm" | "activation" | "moe";

export interface OpMeaning {
  roles: OpRole[];
  /** Words for an attribute's value ("raw top-k weights"), undefined when the attribute is not worth a summary clause. */
  phrase?(attr: string, value: string): string | undefined;
}

const attention: OpMeaning = {
  roles: ["attention", "mask"],
  phrase: (attr, v) =>
    attr === "causal" ? (v === "true" ? "causal" : "bidirectional") + " attention"
    : attr === "kv_heads" ? `${v} kv heads`
    : attr === "window" ? (v === "none" ? "no sliding window" : `sliding window ${v}`)
    : attr === "softcap" ? (v === "none" ? "no logit softcap" : `logit softcap ${v}`)
    : attr === "alibi" ? (v === "true" ? "ALiBi" : "no ALiBi")
    : undefined,
};

const moe: OpMeaning = {
  roles: ["moe"],
  phrase: (attr, v) =>
    attr === "normalize" ? (v === "true" ? "renormalised top-k weights" : "raw top-k weights")
    : attr === "top_k" ? `top-${v}`
    : attr === "experts" ? `${v} experts`
    : attr === "order" ? (v === "softmax_topk" ? "softmax before top-k" : "top-k before softmax")
    : undefined,
};

const activation: OpMeaning = { roles: ["activation"] };

const table: Record<string, OpMeaning> = {
  attention,
  moe,
  rope: { roles: ["positions"], phrase: (attr, v) => (attr === "theta" ? `rope theta ${v}` : undefined) },
  position_ids: { roles: ["positions"] },
  token_shift: { roles: ["positions"] },
  rms_norm: { roles: ["norm"] },
  layer_norm: { roles: ["norm"] },
  wkv4: { roles: ["attention"] },
  wkv_heads: { roles: ["attention"] },
  causal_conv: { roles: ["attention"] },
  act: activation,
  silu: activation,
  gelu: activation,
  gelu_tanh: activation,
  relu: activation,
  relu2: activation,
  tanh: activation,
  sigmoid: activation,
};

const none: OpMeaning = { roles: [] };

export function opMeaning(op: string): OpMeaning {
  return opCatalogue[op] ? (table[op] ?? none) : none;
}
