// ONNX lowering of the sparse mixture of experts, computed densely: every expert runs on
// every row and is weighted by its gate, which is zero for experts a row did not choose
// (TopK then ScatterElements). Exact, and E/k times the expert compute of sparse dispatch.
import type { Lowered, LoweringContext, ModuleFn, OpLowering, TensorVal } from "../lowering.js";
import { binary, slice, unary } from "../tensors.js";
import { reshapeKeeping } from "./shape.js";

/**
 * Dense gates [N, E] of router logits [N, E]: each row's top_k gates at their experts' columns,
 * zeros elsewhere. normalize: true divides the k gates by their sum, a number p by their
 * p-norm (DBRX), false or null keeps them raw (src/runtime/ops/moe.ts).
 */
function denseGates(c: LoweringContext, flat: TensorVal, a: Record<string, Lowered>): TensorVal {
  const g = c.g;
  const e = flat.dims[1]!;
  const k = Number(a.top_k);
  const order = typeof a.order === "string" ? a.order : "softmax_topk";
  let gates: string;
  let idx: string;
  if (order === "softmax_topk") {
    const [vals, ind] = g.node("TopK", [unary(c, "Softmax", flat, { axis: -1 }).name, g.i64([k])], { axis: -1 }, { outputs: 2 });
    gates = vals!;
    idx = ind!;
  } else if (order === "topk_softmax") {
    const [vals, ind] = g.node("TopK", [flat.name, g.i64([k])], { axis: -1 }, { outputs: 2 });
    gates = g.op("Softmax", [vals!], { axis: -1 });
    idx = ind!;
  } else return c.unsupported(`moe order ${JSON.stringify(order)}`);
  const p = a.normalize === true ? 1 : typeof a.normalize === "number" ? a.normalize : undefined;
  if (p !== undefined) {
    if (!(p > 0) || p === Infinity) return c.unsupported(`the gate norm p = ${p}`);
    const norm =
      p === 1
        ? g.op("ReduceSum", [gates, g.i64([-1])], { keepdims: 1 })
        : g.op("Pow", [g.op("ReduceSum", [g.op("Pow", [g.op("Abs", [gates]), g.f32(p)]), g.i64([-1])], { keepdims: 1 }), g.f32(1 / p)]);
    gates = g.op("Div", [gates, norm]);
  }
  const zeros = g.op("Mul", [flat.name, g.f32(0)]);
  return c.tensor(g.op("ScatterElements", [zeros, idx, gates], { axis: 1 }), "float32", [null, e]);
}

export function moe(c: LoweringContext, a: Record<string, Lowered>): TensorVal {
  const x = a.x as TensorVal;
  const logits = a.logits as TensorVal;
  const experts = a.experts as { kind: "modules"; apply: ModuleFn };
  const d = x.dims[x.dims.length - 1]!;
  const e = logits.dims[logits.dims.length - 1]!;
  if (typeof d !== "number" || typeof e !== "number") return c.unsupported("moe over run-time feature sizes");
  const rows = c.tensor(c.g.op("Reshape", [x.name, c.g.i64([-1, d])]), "float32", [null, d]);
  const flat = c.tensor(c.g.op("Reshape", [logits.name, c.g.i64([-1, e])]), "float32", [null, e]);
  const dense = denseGates(c, flat, a);
  let y: TensorVal | undefined;
  for (let i = 0; i < e; i++) {
    const out = c.g.within(`experts.${i}`, () => experts.apply(i, rows));
    const weighted = binary(c, "Mul", out, slice(c, dense, 1, i, i + 1));
    y = y ? binary(c, "Add", y, weighted) : weighted;
  }
  const dOut = y!.dims[1]!;
  return reshapeKeeping(c, y!, [...x.dims.slice(0, -1), dOut]);
}

/** ONNX lowering of `topk_gates`: the dense gates moe weights its experts by, in the logits' shape. */
export const topkGatesOnnx: OpLowering = (c, a) => {
  const logits = a.logits as TensorVal;
  const e = logits.dims[logits.dims.length - 1]!;
  if (typeof e !== "number") return c.unsupported("topk_gates over a run-time expert count");
  const flat = c.tensor(c.g.op("Reshape", [logits.name, c.g.i64([-1, e])]), "float32", [null, e]);
  return reshapeKeeping(c, denseGates(c, flat, a), logits.dims);
};

/** ONNX lowering of `moe`. */
export const moeOnnx: OpLowering = (c, a) => moe(c, a);
