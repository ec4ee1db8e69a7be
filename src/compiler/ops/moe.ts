// Sparse mixture of experts: a router's logits pick top_k experts per token.
import { formatValue } from "../eval/evaluate.js";
import { Sym } from "../shapes/sym.js";
import { typeText, type ModuleT, type Type } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import type { OpCall, OpDef } from "./op-def.js";
import { ratio } from "../stats/exact.js";
import { moeOnnx } from "../export/onnx/lowerings/moe.js";

/** A block computing any one of several experts from fused weights: `forward(x: [N, d], e: int)`. */
export function fusedExperts(t: Type): t is ModuleT {
  if (t.kind !== "module" || t.variants.length !== 1) return false;
  const v = t.variants[0]!;
  const params = v.kind === "block" ? v.block.forward?.params : undefined;
  return params?.length === 2 && !params[0]!.scalar && params[1]!.scalar?.name === "int";
}

/** The expert count: the router logits' last dimension in this instance. */
function expertCount(call: OpCall): number | undefined {
  const l = call.type("logits");
  return l?.kind === "tensor" && l.dims.length > 0 ? call.size(l.dims[l.dims.length - 1]!) : undefined;
}


export const moe: OpDef = {
  name: "moe",
  params: ["x", "logits", "experts"],
  keywords: { top_k: "scalar", order: "scalar", normalize: "scalar" },
  defaults: { order: "softmax_topk", normalize: true },
  doc:
    "moe(x: [.., d], logits: [.., E], experts, top_k, order = \"softmax_topk\" | \"topk_softmax\", normalize = true | false | p) -> [.., d]: " +
    "each token's top_k experts (only those run), weighted by their gates; `experts` is a list of E modules, or one block with fused expert " +
    "weights whose forward takes the rows and the expert index (`forward(x: [N, d], e: int)`); normalize as in topk_gates",
  infer: (a, c) => {
    const x = asTensor(a.x, c, "the input of moe");
    const l = asTensor(a.logits, c, "the router logits of moe");
    if (!x || !l) return undefined;
    if (a.experts && a.experts.type.kind !== "modlist" && !fusedExperts(a.experts.type)) {
      return c.fail("E0201", a.experts.expr.span, "experts must be a list of modules, or a block whose forward takes (rows, e: int)", { found: typeText(a.experts.type) });
    }
    x.dims.slice(0, -1).forEach((d, i) => c.sameDim(d, l.dims[i] ?? Sym.const(1), a.logits!.expr.span, "E0301", `token dimension ${i} of the router logits`));
    return x;
  },
  runtime: "moe",
  torch: {
    helper: `
def moe_route(router, top_k, order="softmax_topk", normalize=True):
    """Each row of router [N, E]: its top_k gates and experts. normalize: True divides the
    gates by their sum, a number p by their p-norm (DBRX), False or None keeps them raw."""
    if order == "softmax_topk":
        gates, chosen = torch.topk(torch.softmax(layers.upcast(router), dim=-1), top_k, dim=-1)
    else:
        top, chosen = torch.topk(router, top_k, dim=-1)
        gates = torch.softmax(layers.upcast(top), dim=-1)
    if normalize is True:
        gates = gates / gates.sum(dim=-1, keepdim=True)
    elif normalize is not None and normalize is not False:
        gates = gates / torch.linalg.vector_norm(gates, ord=float(normalize), dim=-1, keepdim=True)
    return gates, chosen


def moe(x, logits, experts, top_k, order="softmax_topk", normalize=True):
    """Sparse mixture of experts: each token's top_k experts, weighted by their gates.
    experts(e, rows) runs expert e on the rows routed to it."""
    shape = x.shape
    rows = x.reshape(-1, shape[-1])
    router = logits.reshape(-1, logits.shape[-1])
    gates, chosen = moe_route(router, top_k, order, normalize)
    gates = gates.to(x.dtype)
    out = None
    for e in range(router.shape[-1]):
        token, slot = torch.where(chosen == e)
        if token.numel() == 0:
            continue
        y = experts(e, rows[token]) * gates[token, slot, None]
        out = torch.zeros(rows.shape[0], y.shape[-1], dtype=y.dtype, device=y.device) if out is None else out
        out = out.index_add(0, token, y)
    if out is None:
        out = torch.zeros_like(rows)
    return out.reshape(*shape[:-1], out.shape[-1])
`,
  },
  features: (call) => [{ column: "moe", label: `${expertCount(call) ?? "?"} experts, top-${formatValue(call.value("top_k") ?? null)}` }],
  onnx: moeOnnx,
  stats: {
    // Each token runs top_k of the E experts: a list's weights count k / E of their FLOPs; a
    // fused-experts block computes one expert per call and runs k times.
    sparseSubmodules: (call) => {
      const list = call.submodule("experts");
      const k = call.type("top_k");
      const topK = k?.kind === "scalar" && k.sym ? call.count(k.sym) : undefined;
      if (!list || topK === undefined) return undefined;
      const e = call.type("experts");
      if (e && fusedExperts(e)) return { list, share: ratio(topK) };
      return list.children.length > 0 ? { list, share: ratio(topK, BigInt(list.children.length)) } : undefined;
    },
  },
  diff: {
    anchor: true,
    role: "routing",
    phrase: (attr, v) =>
      attr === "normalize" ? normalizeWords(v)
      : attr === "top_k" ? `top-${v}`
      : attr === "experts" ? `${v} experts`
      : attr === "order" ? (v === "softmax_topk" ? "softmax before top-k" : "top-k before softmax")
      : undefined,
    attrs: (call) => ({ experts: String(expertCount(call) ?? "?") }),
    // The expert count, as the router logits' last dimension: also what a fused expert tensor's rows are divided by (diff/value-flows.ts).
    meanings: (call) => {
      const l = call.type("logits");
      return l?.kind === "tensor" && l.dims.length > 0 ? { experts: l.dims[l.dims.length - 1] } : {};
    },
    fusedExperts: (call) => {
      const e = call.type("experts");
      const block = e && fusedExperts(e) ? call.submodule("experts") : undefined;
      return block ? { block, count: "experts" } : undefined;
    },
  },
};

/**
 * The top-k weights as `normalize` leaves them. The gates are non-negative (softmax outputs), so
 * dividing by their L1 norm (`normalize = 1`, DBRX) is the same renormalisation as `true`.
 */
function normalizeWords(v: string): string {
  if (v === "true" || v === "1") return "renormalised top-k weights";
  if (v === "false" || v === "null" || v === "none") return "raw top-k weights";
  return `L${v}-normalised top-k weights`;
}
