// ONNX lowerings of Yuan2's document segments and localized filtering: the boundary count
// and the keys' segments carried across decoding steps as recurrent state, the causal
// convolution's last K-1 inputs too (src/runtime/lang/segments.ts, causal-conv.ts).
import type { ModuleValue, OpLowering, PrimitiveLowering, TensorVal } from "../lowering.js";

/** How many boundary tokens precede each position, continuing the count of earlier calls. */
export const segmentIdsOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const ids = a.ids as TensorVal;
  const seen = c.io.recurrentState(c.site, "seen", [ids.dims[0]!]);
  if (a.boundary === null || a.boundary === undefined) {
    seen.present(seen.past);
    return c.tensor(g.op("Mul", [ids.name, g.i64(0)]), "int64", ids.dims);
  }
  const hit = g.op("Cast", [g.op("Equal", [ids.name, g.i64(Number(a.boundary))])], { to: 1 });
  const before = g.op("CumSum", [hit, g.i64(1)], { exclusive: 1 });
  const out = g.op("Add", [before, g.op("Unsqueeze", [seen.past.name, g.i64([1])])]);
  seen.present(c.tensor(g.op("Add", [seen.past.name, g.op("ReduceSum", [hit, g.i64([1])], { keepdims: 0 })]), "float32", [ids.dims[0]!]));
  return c.tensor(g.op("Cast", [out], { to: 7 }), "int64", ids.dims);
};

/**
 * `conv` (a Conv1d, groups 1 or depthwise, or a Conv2d with kernel (K, 1)) over time, looking
 * back only: the state's last K-1 inputs (zeros for a new sequence, the left padding of a full
 * pass), then x; ONNX Conv with the convolution's groups (= channels when depthwise).
 */
export const causalConvOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const x = a.x as TensorVal;
  const conv = a.conv as ModuleValue;
  const kernel = conv.args.kernel;
  const k = Array.isArray(kernel) ? Number(kernel[0]) : Number(kernel);
  const groups = Number(conv.args.groups ?? 1);
  const w = c.moduleWeight(conv, "weight")!;
  const b = c.moduleWeight(conv, "bias");
  const [cout, perGroup] = w.dims as [number, number];
  const cin = perGroup * groups;
  const state = c.io.recurrentState(c.site, "inputs", [x.dims[0]!, k - 1, cin]);
  const all = g.op("Concat", [state.past.name, x.name], { axis: 1 });
  state.present(c.tensor(g.op("Slice", [all, g.i64([-(k - 1)]), g.i64([Number.MAX_SAFE_INTEGER]), g.i64([1])]), "float32", [x.dims[0]!, k - 1, cin]));
  const weight = g.op("Reshape", [w.name, g.i64([cout, perGroup, k])]);
  const y = g.op("Conv", [g.op("Transpose", [all], { perm: [0, 2, 1] }), weight, ...(b ? [b.name] : [])], { kernel_shape: [k], group: groups });
  return c.tensor(g.op("Transpose", [y], { perm: [0, 2, 1] }), "float32", [x.dims[0]!, x.dims[1]!, cout]);
};

/** A Conv2d is applied through causal_conv, as in the bundled runtime. */
export const conv2dOnnx: PrimitiveLowering = (c) => c.unsupported("a Conv2d called directly (it is applied through the causal_conv op)");

/** A Conv1d too. */
export const conv1dOnnx: PrimitiveLowering = (c) => c.unsupported("a Conv1d called directly (it is applied through the causal_conv op)");
