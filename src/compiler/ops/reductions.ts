// A sum over one axis, and its companion unsqueeze (a size-1 axis to broadcast against).
import { Sym } from "../shapes/sym.js";
import { tensor } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import { sumOnnx, unsqueezeOnnx } from "../export/onnx/lowerings/shape.js";
import { noFeatures, noStats, plainDiff, type OpArg, type OpContext, type OpDef } from "./op-def.js";

/** The axis argument as an index into `rank` axes (negative from the end), or undefined after reporting. */
const axisIndex = (a: OpArg | undefined, rank: number, c: OpContext, what: string): number | undefined => {
  if (!a) return undefined;
  const v = a.type.kind === "scalar" ? a.type.sym?.constValue() : undefined;
  if (v === undefined || !Number.isInteger(v)) return c.fail("E0201", a.expr.span, `${what} must be an integer literal`);
  const ax = v < 0 ? rank + v : v;
  if (ax < 0 || ax >= rank) return c.fail("E0305", a.expr.span, `${what} ${v} is out of range for rank ${rank}`);
  return ax;
};

export const reductionOps: OpDef[] = [
  {
    name: "sum",
    params: ["x", "axis"],
    doc: "sum(x, axis): the sum over one axis, which is dropped (torch.sum(x, dim))",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of sum");
      if (!x) return undefined;
      const ax = axisIndex(a.axis, x.dims.length, c, "the axis of sum");
      return ax === undefined ? undefined : tensor(x.dims.filter((_, i) => i !== ax));
    },
    runtime: "sum",
    torch: { inline: (a) => `torch.sum(${a.x}, dim=${a.axis})` },
    onnx: sumOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "unsqueeze",
    params: ["x", "axis"],
    doc: "unsqueeze(x, axis): a new axis of size 1 at `axis` (negative counts from the end of the result, as torch.unsqueeze)",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of unsqueeze");
      if (!x) return undefined;
      const ax = axisIndex(a.axis, x.dims.length + 1, c, "the axis of unsqueeze");
      if (ax === undefined) return undefined;
      const dims = [...x.dims];
      dims.splice(ax, 0, Sym.const(1));
      return tensor(dims, x.ids);
    },
    runtime: "unsqueeze",
    torch: { inline: (a) => `torch.unsqueeze(${a.x}, ${a.axis})` },
    onnx: unsqueezeOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
