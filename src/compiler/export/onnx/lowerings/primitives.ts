// ONNX lowerings of the built-in primitives (src/compiler/ir/primitives.ts). Weights stay in
// their PyTorch layout under their state-dict names; a Linear reads its weight through a
// Transpose that onnxruntime folds into the initializer when it loads the graph.
import type { PrimitiveLowering, TensorVal } from "../lowering.js";
import { binary, matmul, transpose } from "../tensors.js";
import { activation } from "./elementwise.js";
import { layerNorm, rmsNorm } from "./norms.js";

const num = (v: unknown, dflt: number) => (typeof v === "number" ? v : dflt);
const bias = (m: Parameters<PrimitiveLowering>[1]) => (m.hasWeight("bias") ? m.weight("bias") : undefined);

export const primitiveLowerings: Record<string, PrimitiveLowering> = {
  Linear: (c, m, x) => {
    const y = matmul(c, x, transpose(c, m.weight("weight"), [1, 0]));
    const b = bias(m);
    return b ? binary(c, "Add", y, b) : y;
  },
  Conv1D: (c, m, x) => {
    const y = matmul(c, x, m.weight("weight"));
    const b = bias(m);
    return b ? binary(c, "Add", y, b) : y;
  },
  Embedding: (c, m, ids) => {
    const w = m.weight("weight");
    return c.tensor(c.g.op("Gather", [w.name, ids.name], { axis: 0 }), "float32", [...ids.dims, w.dims[1]!]);
  },
  LayerNorm: (c, m, x) => layerNorm(c, x, num(m.args.eps, 1e-5), m.hasWeight("weight") ? m.weight("weight") : undefined, bias(m)),
  RMSNorm: (c, m, x) => rmsNorm(c, x, num(m.args.eps, 1e-6), m.hasWeight("weight") ? m.weight("weight") : undefined, num(m.args.offset, 0)),
  Activation: (c, m, x) => activation(c, String(m.args.kind), x),
  Dropout: (_c, _m, x) => x,
  Param: (_c, m) => m.weight(""),
};

export type { TensorVal };
