// ONNX lowering of the sparse mixture of experts, dispatched sparsely with standard ops: each
// expert runs only on the rows that chose it (NonZero over the TopK choices, Gather of those
// rows), and its gated output is added back into their places (ScatterND, reduction "add"), the
// experts in index order as the bundled runtime sums them. The gates are the dense [N, E]
// table (TopK then ScatterElements) that `topk_gates` also gives.
import type { Lowered, LoweringContext, ModuleFn, OpLowering, TensorVal } from "../lowering.js";
import { slice, unary } from "../tensors.js";
import { reshapeKeeping } from "./shape.js";

/**
 * Dense gates [N, E] of router logits [N, E]: each row's top_k gates at their experts' columns,
 * zeros elsewhere. normalize: true divides the k gates by their sum, a number p by their
 * p-norm (DBRX), false or null keeps them raw (src/runtime/ops/moe.ts).
 */
function denseGates(c: LoweringContext, flat: TensorVal, a: Record<string, Lowered>): { gates: TensorVal; chosen: string } {
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
  return { gates: c.tensor(g.op("ScatterElements", [zeros, idx, gates], { axis: 1 }), "float32", [null, e]), chosen: idx };
}

/** The rows [n] (int64) whose top-k choices `chosen` [N, k] include expert `i`. */
function rowsChoosing(c: LoweringContext, chosen: string, i: number): string {
  const g = c.g;
  const hit = g.op("Cast", [g.op("Equal", [chosen, g.i64(i)])], { to: 1 });
  const any = g.op("ReduceMax", [hit, g.i64([1])], { keepdims: 0 });
  return g.op("Reshape", [g.op("NonZero", [any]), g.i64([-1])]);
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
  const g = c.g;
  const { gates, chosen } = denseGates(c, flat, a);
  const n = g.op("Slice", [g.op("Shape", [rows.name]), g.i64([0]), g.i64([1])]);
  let y: string | undefined;
  let dOut: number | undefined;
  for (let i = 0; i < e; i++) {
    const [at, picked] = g.within(`route.${i}`, () => {
      const at = rowsChoosing(c, chosen, i);
      return [at, c.tensor(g.op("Gather", [rows.name, at], { axis: 0 }), "float32", [null, d])] as const;
    });
    const out = g.within(`experts.${i}`, () => experts.apply(i, picked));
    const width = out.dims[1];
    if (typeof width !== "number") return c.unsupported("an expert whose output width is only known at run time");
    dOut = width;
    const gate = g.op("Gather", [slice(c, gates, 1, i, i + 1).name, at], { axis: 0 });
    const weighted = g.op("Mul", [out.name, gate]);
    y ??= g.op("Expand", [g.f32(0), g.op("Concat", [n, g.i64([width])], { axis: 0 })]);
    y = g.op("ScatterND", [y, g.op("Unsqueeze", [at, g.i64([1])]), weighted], { reduction: "add" });
  }
  const summed = c.tensor(y!, "float32", [null, dOut!]);
  return reshapeKeeping(c, summed, [...x.dims.slice(0, -1), dOut!]);
}

/** ONNX lowering of `topk_gates`: the dense gates moe weights its experts by, in the logits' shape. */
export const topkGatesOnnx: OpLowering = (c, a) => {
  const logits = a.logits as TensorVal;
  const e = logits.dims[logits.dims.length - 1]!;
  if (typeof e !== "number") return c.unsupported("topk_gates over a run-time expert count");
  const flat = c.tensor(c.g.op("Reshape", [logits.name, c.g.i64([-1, e])]), "float32", [null, e]);
  return reshapeKeeping(c, denseGates(c, flat, a).gates, logits.dims);
};

/** ONNX lowering of `moe`. */
export const moeOnnx: OpLowering = (c, a) => moe(c, a);
