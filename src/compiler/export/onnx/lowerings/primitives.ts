// ONNX lowerings of the built-in primitives (src/compiler/ir/primitives.ts). Weights stay in
// their PyTorch layout under their state-dict names; a Linear reads its weight through a
// Transpose that onnxruntime folds into the initializer when it loads the graph.
import type { PrimitiveLowering } from "../lowering.js";
import { binary, matmul, transpose } from "../tensors.js";
import { activation } from "./elementwise.js";
import { groupNorm, layerNorm, rmsNorm } from "./norms.js";

const num = (v: unknown, dflt: number) => (typeof v === "number" ? v : dflt);
const bias = (m: Parameters<PrimitiveLowering>[1]) => (m.hasWeight("bias") ? m.weight("bias") : undefined);

/** ONNX lowering of the primitive `Linear`. */
export const linearOnnx: PrimitiveLowering = (c, m, x) => {
  const y = matmul(c, x, transpose(c, m.weight("weight"), [1, 0]));
  const b = bias(m);
  return b ? binary(c, "Add", y, b) : y;
};

/** ONNX lowering of the primitive `Conv1D`. */
export const conv1DOnnx: PrimitiveLowering = (c, m, x) => {
  const y = matmul(c, x, m.weight("weight"));
  const b = bias(m);
  return b ? binary(c, "Add", y, b) : y;
};

/** ONNX lowering of the primitive `Embedding`. */
export const embeddingOnnx: PrimitiveLowering = (c, m, ids) => {
  const w = m.weight("weight");
  return c.tensor(c.g.op("Gather", [w.name, ids.name], { axis: 0 }), "float32", [...ids.dims, w.dims[1]!]);
};

/** ONNX lowering of the primitive `LayerNorm`. */
export const layerNormOnnx: PrimitiveLowering = (c, m, x) => layerNorm(c, x, num(m.args.eps, 1e-5), m.hasWeight("weight") ? m.weight("weight") : undefined, bias(m));

/** ONNX lowering of the primitive `RMSNorm`. */
export const rMSNormOnnx: PrimitiveLowering = (c, m, x) => rmsNorm(c, x, num(m.args.eps, 1e-6), m.hasWeight("weight") ? m.weight("weight") : undefined, num(m.args.offset, 0));

/** ONNX lowering of the primitive `Activation`. */
export const activationOnnx: PrimitiveLowering = (c, m, x) => activation(c, String(m.args.kind), x);

/** ONNX lowering of the primitive `Dropout`. */
export const dropoutOnnx: PrimitiveLowering = (_c, _m, x) => x;

/** ONNX lowering of the primitive `Param`. */
export const paramOnnx: PrimitiveLowering = (_c, m) => m.weight("");


/** ONNX lowering of the primitive `GroupNorm`. */
export const groupNormOnnx: PrimitiveLowering = (c, m, x) => groupNorm(c, x, num(m.args.groups, 1), num(m.args.eps, 1e-5), m.weight("weight"), m.weight("bias"));

/** ONNX lowering of the primitive `Buffer`: a stored tensor read as a value (its checkpoint values). */
export const bufferOnnx: PrimitiveLowering = (_c, m) => m.weight("");
