// ONNX lowering of the sparse mixture of experts, computed densely: every expert runs on
// every row and is weighted by its gate, which is zero for experts a row did not choose
// (TopK then ScatterElements). Exact, and E/k times the expert compute of sparse dispatch.
import type { Lowered, LoweringContext, ModuleFn, OpLowering, TensorVal } from "../lowering.js";
import { binary, slice, unary } from "../tensors.js";
import { reshapeKeeping } from "./shape.js";

export function moe(c: LoweringContext, a: Record<string, Lowered>): TensorVal {
  const x = a.x as TensorVal;
  const logits = a.logits as TensorVal;
  const experts = a.experts as { kind: "modules"; count: number; apply: ModuleFn };
  const k = Number(a.top_k);
  const order = typeof a.order === "string" ? a.order : "softmax_topk";
  const normalize = a.normalize !== false;
  const d = x.dims[x.dims.length - 1]!;
  const e = logits.dims[logits.dims.length - 1]!;
  if (typeof d !== "number" || typeof e !== "number") return c.unsupported("moe over run-time feature sizes");
  const rows = c.tensor(c.g.op("Reshape", [x.name, c.g.i64([-1, d])]), "float32", [null, d]);
  const flat = c.tensor(c.g.op("Reshape", [logits.name, c.g.i64([-1, e])]), "float32", [null, e]);
  const kT = c.g.i64([k]);
  let gates: string;
  let idx: string;
  if (order === "softmax_topk") {
    const [vals, ind] = c.g.node("TopK", [unary(c, "Softmax", flat, { axis: -1 }).name, kT], { axis: -1 }, { outputs: 2 });
    gates = vals!;
    idx = ind!;
  } else if (order === "topk_softmax") {
    const [vals, ind] = c.g.node("TopK", [flat.name, kT], { axis: -1 }, { outputs: 2 });
    gates = c.g.op("Softmax", [vals!], { axis: -1 });
    idx = ind!;
  } else return c.unsupported(`moe order ${JSON.stringify(order)}`);
  if (normalize) gates = c.g.op("Div", [gates, c.g.op("ReduceSum", [gates, c.g.i64([-1])], { keepdims: 1 })]);
  const zeros = c.g.op("Mul", [flat.name, c.g.f32(0)]);
  const dense = c.tensor(c.g.op("ScatterElements", [zeros, idx, gates], { axis: 1 }), "float32", [null, e]);
  let y: TensorVal | undefined;
  for (let i = 0; i < e; i++) {
    const out = c.g.within(`experts.${i}`, () => experts.apply(i, rows));
    const weighted = binary(c, "Mul", out, slice(c, dense, 1, i, i + 1));
    y = y ? binary(c, "Add", y, weighted) : weighted;
  }
  const dOut = y!.dims[1]!;
  return reshapeKeeping(c, y!, [...x.dims.slice(0, -1), dOut]);
}

/** ONNX lowering of `moe`. */
export const moeOnnx: OpLowering = (c, a) => moe(c, a);
