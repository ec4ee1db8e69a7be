// ONNX lowerings of the normalisations: LayerNormalization (opset 17) for LayerNorm,
// RMSNorm spelled out (x / sqrt(mean(x²) + eps) · (offset + w)) as PyTorch computes it.
import type { LoweringContext, OpLowering, TensorVal } from "../lowering.js";
import { binary, unary, withScalar } from "../tensors.js";

function lastDim(c: LoweringContext, x: TensorVal): number {
  const d = x.dims[x.dims.length - 1];
  if (typeof d !== "number") return c.unsupported("a normalisation over an axis whose size is only known at run time");
  return d;
}

export function layerNorm(c: LoweringContext, x: TensorVal, eps: number, weight?: TensorVal, bias?: TensorVal): TensorVal {
  const d = lastDim(c, x);
  const scale = weight?.name ?? c.g.f32(new Array(d).fill(1), [d]);
  const inputs = [x.name, scale, ...(bias ? [bias.name] : [])];
  return c.tensor(c.g.op("LayerNormalization", inputs, { axis: -1, epsilon: Math.fround(eps) === eps ? eps : Math.fround(eps) }), "float32", x.dims);
}

// Spelled Pow(x, 2) → ReduceMean → Add eps → Sqrt → Div(1, ·) → Mul x → Mul weight, as
// torch.onnx.export writes x · rsqrt(mean(x²) + eps) · w: the pattern onnxruntime fuses into one
// SimplifiedLayerNormalization kernel when it loads the graph (x·x for the square, or
// Reciprocal for 1/·, are not matched and leave six kernels per norm).
export function rmsNorm(c: LoweringContext, x: TensorVal, eps: number, weight?: TensorVal, offset = 0): TensorVal {
  const squared = withScalar(c, "Pow", x, 2);
  const meanSq = c.tensor(c.g.op("ReduceMean", [squared.name, c.g.i64([-1])], { keepdims: 1 }), "float32", [...x.dims.slice(0, -1), 1]);
  const inv = withScalar(c, "Div", unary(c, "Sqrt", withScalar(c, "Add", meanSq, eps)), 1, true);
  const normed = binary(c, "Mul", x, inv);
  if (!weight) return normed;
  return binary(c, "Mul", normed, offset !== 0 ? withScalar(c, "Add", weight, offset) : weight);
}

/** Each row divided by max(‖row‖₂, eps) (F.normalize). */
export function l2Normalize(c: LoweringContext, x: TensorVal, eps = 1e-12): TensorVal {
  const norm = c.tensor(c.g.op("ReduceL2", [x.name, c.g.i64([-1])], { keepdims: 1 }), "float32", [...x.dims.slice(0, -1), 1]);
  const denom = c.tensor(c.g.op("Max", [norm.name, c.g.f32(eps)]), "float32", norm.dims);
  return binary(c, "Div", x, denom);
}

/** GroupNorm over `groups` equal groups of the last axis: each group standardised, then w·x + b. */
export function groupNorm(c: LoweringContext, x: TensorVal, groups: number, eps: number, weight: TensorVal, bias: TensorVal): TensorVal {
  const d = lastDim(c, x);
  const grouped = c.tensor(c.g.op("Reshape", [x.name, c.g.i64([...x.dims.slice(0, -1).map(() => 0), groups, d / groups])]), "float32", [...x.dims.slice(0, -1), groups, d / groups]);
  const mean = c.g.op("ReduceMean", [grouped.name, c.g.i64([-1])], { keepdims: 1 });
  const centred = c.g.op("Sub", [grouped.name, mean]);
  const variance = c.g.op("ReduceMean", [c.g.op("Mul", [centred, centred]), c.g.i64([-1])], { keepdims: 1 });
  const normed = c.g.op("Div", [centred, c.g.op("Sqrt", [c.g.op("Add", [variance, c.g.f32(eps)])])]);
  const back = c.tensor(c.g.op("Reshape", [normed, c.g.i64([...x.dims.slice(0, -1).map(() => 0), d])]), "float32", x.dims);
  return binary(c, "Add", binary(c, "Mul", back, weight), bias);
}

const num = (v: unknown, dflt: number) => (typeof v === "number" ? v : dflt);

/** ONNX lowering of `layer_norm`. */
export const layerNormOnnx: OpLowering = (c, a) => layerNorm(c, a.x as TensorVal, num(a.eps, 1e-5));

/** ONNX lowering of `rms_norm`. */
export const rmsNormOnnx: OpLowering = (c, a) => rmsNorm(c, a.x as TensorVal, num(a.eps, 1e-6));

/** ONNX lowering of `l2_normalize`. */
export const l2NormalizeOnnx: OpLowering = (c, a) => l2Normalize(c, a.x as TensorVal);
