// Moving between [.., T, heads*k] and the per-head layout [.., heads, T, k] attention works in.
import { tensor } from "../check/types.js";
import { asTensor, scalarSym } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";

export const headOps: OpDef[] = [
  {
    name: "split_heads",
    params: ["x", "heads"],
    doc: "split_heads(x: [.., T, heads*k], heads) -> [.., heads, T, k]",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of split_heads", 2);
      const n = scalarSym(a.heads);
      if (!x || !n) return a.heads && !n ? c.fail("E0201", a.heads.expr.span, "the head count must be an integer config value") : undefined;
      const last = x.dims[x.dims.length - 1]!;
      c.divides(last, n, c.callSpan, "the last dimension of split_heads' input");
      return tensor([...x.dims.slice(0, -2), n, x.dims[x.dims.length - 2]!, last.div(n)]);
    },
    runtime: "split_heads",
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "merge_heads",
    params: ["x"],
    doc: "merge_heads(x: [.., heads, T, k]) -> [.., T, heads*k]",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of merge_heads", 3);
      if (!x) return undefined;
      const r = x.dims.length;
      return tensor([...x.dims.slice(0, r - 3), x.dims[r - 2]!, x.dims[r - 3]!.mul(x.dims[r - 1]!)]);
    },
    runtime: "merge_heads",
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
