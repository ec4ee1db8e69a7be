// Routing and reductions for mixtures of experts written out in a forward body: the dense
// gates of a top-k router (the same routing `moe` uses), a sum over one axis and unsqueeze.
import type { OpArg, OpContext, OpDef } from "./ops.js";
import { Sym } from "../shapes/sym.js";
import { tensor, typeText, type TensorT } from "./types.js";

const tensorArg = (a: OpArg | undefined, c: OpContext, what: string): TensorT | undefined => {
  if (!a) return undefined;
  if (a.type.kind !== "tensor") return c.fail("E0403", a.expr.span, `${what} must be a tensor`, { found: typeText(a.type) });
  return a.type;
};

/** The axis argument as an index into `rank` axes (negative from the end), or undefined when out of range. */
const axisIndex = (a: OpArg | undefined, rank: number, c: OpContext, what: string): number | undefined => {
  const v = a?.type.kind === "scalar" ? a.type.sym?.constValue() : undefined;
  if (v === undefined || !Number.isInteger(v)) return c.fail("E0201", (a?.expr ?? { span: c.callSpan }).span, `${what} must be an integer literal`);
  const ax = v < 0 ? rank + v : v;
  if (ax < 0 || ax >= rank) return c.fail("E0305", a!.expr.span, `${what} ${v} is out of range for rank ${rank}`);
  return ax;
};

export const moeGateOps: Record<string, OpDef> = {
  topk_gates: {
    params: ["logits"],
    keywords: { top_k: "scalar", order: "scalar", normalize: "scalar" },
    defaults: { order: "softmax_topk", normalize: true },
    doc:
      "topk_gates(logits: [.., E], top_k, order = \"softmax_topk\" | \"topk_softmax\", normalize = true | false | p) -> [.., E]: each row's router gates, " +
      "zero outside its top_k experts (the routing `moe` applies); normalize = true divides the k gates by their sum, a number p by their p-norm (DBRX), false or null keeps them raw",
    infer: (a, c) => {
      const l = tensorArg(a.logits, c, "the router logits of topk_gates");
      if (!l) return undefined;
      if (!a.top_k) return c.fail("E0112", c.callSpan, "topk_gates needs `top_k = …`");
      return tensor([...l.dims]);
    },
  },
  sum: {
    params: ["x", "axis"],
    doc: "sum(x, axis): the sum over one axis, which is dropped (torch.sum(x, dim))",
    infer: (a, c) => {
      const x = tensorArg(a.x, c, "the input of sum");
      if (!x) return undefined;
      const ax = axisIndex(a.axis, x.dims.length, c, "the axis of sum");
      return ax === undefined ? undefined : tensor(x.dims.filter((_, i) => i !== ax));
    },
  },
  unsqueeze: {
    params: ["x", "axis"],
    doc: "unsqueeze(x, axis): a new axis of size 1 at `axis` (negative counts from the end of the result, as torch.unsqueeze)",
    infer: (a, c) => {
      const x = tensorArg(a.x, c, "the input of unsqueeze");
      if (!x) return undefined;
      const ax = axisIndex(a.axis, x.dims.length + 1, c, "the axis of unsqueeze");
      if (ax === undefined) return undefined;
      const dims = [...x.dims];
      dims.splice(ax, 0, Sym.const(1));
      return tensor(dims, x.ids);
    },
  },
};
