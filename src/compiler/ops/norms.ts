// Normalizations without weights (a model scales them itself, e.g. by a Param); the
// weighted ones are the primitives LayerNorm and RMSNorm.
import { orDefault } from "../export/torch/lowering.js";
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";
import { l2NormalizeOnnx, layerNormOnnx, rmsNormOnnx } from "../export/onnx/lowerings/norms.js";

export const normOps: OpDef[] = [
  {
    name: "layer_norm",
    params: ["x", "eps?"],
    doc: "layer_norm(x, eps = 1e-5): LayerNorm over the last axis without weight or bias (scale it yourself, e.g. by a Param)",
    infer: (a, c) => asTensor(a.x, c, "the argument of layer_norm"),
    runtime: "layer_norm",
    torch: { inline: (a) => `F.layer_norm(${a.x}, ${a.x}.shape[-1:], eps=${orDefault(a.eps, "1e-5")})` },
    onnx: layerNormOnnx,
    features: noFeatures,
    stats: noStats,
    diff: { anchor: false, role: "norm" },
  },
  {
    name: "rms_norm",
    params: ["x", "eps?"],
    doc: "rms_norm(x, eps = 1e-6): x / sqrt(mean(x²) + eps) over the last axis, without a weight (scale it yourself, e.g. by a Param)",
    infer: (a, c) => asTensor(a.x, c, "the argument of rms_norm"),
    runtime: "rms_norm",
    torch: {
      helper: `
def rms_norm(x, eps=1e-6):
    """x / sqrt(mean(x^2) + eps) over the last axis, in float32 at least, without a weight."""
    h = layers.upcast(x)
    return (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)
`,
    },
    onnx: rmsNormOnnx,
    features: () => [{ column: "norm", label: "RMSNorm" }],
    stats: noStats,
    diff: { anchor: false, role: "norm" },
  },
  {
    name: "l2_normalize",
    params: ["x"],
    doc: "l2_normalize(x): each row (last axis) divided by its L2 norm",
    infer: (a, c) => asTensor(a.x, c, "the argument of l2_normalize"),
    runtime: "l2_normalize",
    torch: { inline: (a) => `F.normalize(${a.x}, dim=-1)` },
    onnx: l2NormalizeOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
