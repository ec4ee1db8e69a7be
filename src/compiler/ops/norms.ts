// Normalizations without weights (a model scales them itself, e.g. by a Param); the
// weighted ones are the primitives LayerNorm and RMSNorm.
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";

export const normOps: OpDef[] = [
  {
    name: "layer_norm",
    params: ["x", "eps?"],
    doc: "layer_norm(x, eps = 1e-5): LayerNorm over the last axis without weight or bias (scale it yourself, e.g. by a Param)",
    infer: (a, c) => asTensor(a.x, c, "the argument of layer_norm"),
    runtime: "layer_norm",
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "rms_norm",
    params: ["x", "eps?"],
    doc: "rms_norm(x, eps = 1e-6): x / sqrt(mean(x²) + eps) over the last axis, without a weight (scale it yourself, e.g. by a Param)",
    infer: (a, c) => asTensor(a.x, c, "the argument of rms_norm"),
    runtime: "rms_norm",
    features: () => [{ column: "norm", label: "RMSNorm" }],
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "l2_normalize",
    params: ["x"],
    doc: "l2_normalize(x): each row (last axis) divided by its L2 norm",
    infer: (a, c) => asTensor(a.x, c, "the argument of l2_normalize"),
    runtime: "l2_normalize",
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
