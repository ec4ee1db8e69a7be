// ONNX lowerings of Transformer-XL's ops: segment memory (the last tokens as recurrent
// state), the relative sinusoid table and relative scores, the adaptive embedding and the
// adaptive log-softmax (src/runtime/ops/relative-position.ts, adaptive-softmax.ts).
import type { Lowered, ModuleFn, OpLowering, TensorVal } from "../lowering.js";
import { concat } from "../tensors.js";

const f = Math.fround;

/** The last `length` tokens this site saw before (recurrent state), then x. */
export const memoryOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const x = a.x as TensorVal;
  const length = Number(a.length);
  const d = x.dims[2]!;
  // With `zeros`, a new sequence starts from `length` zero tokens; otherwise from none.
  const state = c.io.recurrentState(c.site, "memory", [x.dims[0]!, a.zeros === true ? length : x.dims[1]!, d]);
  const all = concat(c, [state.past, x], 1);
  state.present(c.tensor(g.op("Slice", [all.name, g.i64([-length]), g.i64([Number.MAX_SAFE_INTEGER]), g.i64([1])]), "float32", [x.dims[0]!, null, d]));
  return all;
};

/** [S, dim]: row r is [sin(r·f_k)…, cos(r·f_k)…], r clamped to `clamp` when positive. */
export const relativeSinusoidOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const x = a.x as TensorVal;
  const dim = Number(a.dim);
  const clampTo = typeof a.clamp === "number" ? a.clamp : 0;
  const half = dim / 2;
  const inv = Array.from({ length: half }, (_, k) => f(1 / f(Math.pow(10000, f((2 * k) / dim)))));
  const s = g.op("Squeeze", [typeof x.dims[1] === "number" ? g.i64([x.dims[1]]) : x.dims[1]!.value(g), g.i64([0])]);
  let r = g.op("Cast", [g.op("Range", [g.i64(0), s, g.i64(1)])], { to: 1 });
  if (clampTo > 0) r = g.op("Min", [r, g.f32(clampTo)]);
  const angle = g.op("Mul", [g.op("Unsqueeze", [r, g.i64([1])]), g.f32(inv, [1, half])]);
  return c.tensor(g.op("Concat", [g.op("Sin", [angle]), g.op("Cos", [angle])], { axis: 1 }), "float32", [x.dims[1]!, dim]);
};

/** out[b, h, i, j] = q[b, h, i]·r[S − T + i − j, h] where that distance is ≥ 0, else 0. */
export const relativeScoresOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const q = a.q as TensorVal;
  const r = a.r as TensorVal;
  const [h, d] = [q.dims[1] as number, q.dims[3] as number];
  // q·r for every distance: [B, H, T, S] indexed by distance, then gathered per (i, j).
  const rt = g.op("Transpose", [g.op("Reshape", [r.name, g.i64([-1, h, d])])], { perm: [1, 2, 0] });
  const byDistance = g.op("MatMul", [q.name, rt]);
  const scalar = (x: TensorVal, axis: number) => g.op("Squeeze", [typeof x.dims[axis] === "number" ? g.i64([x.dims[axis] as number]) : (x.dims[axis] as Exclude<TensorVal["dims"][number], number>).value(g), g.i64([0])]);
  const t = scalar(q, 2);
  const s = scalar(r, 0);
  const i = g.op("Unsqueeze", [g.op("Range", [g.i64(0), t, g.i64(1)]), g.i64([1])]);
  const j = g.op("Unsqueeze", [g.op("Range", [g.i64(0), s, g.i64(1)]), g.i64([0])]);
  const dist = g.op("Sub", [g.op("Add", [g.op("Sub", [s, t]), i]), j]);
  const valid = g.op("GreaterOrEqual", [dist, g.i64(0)]);
  const index = g.op("Expand", [g.op("Max", [dist, g.i64(0)]), g.op("Shape", [byDistance])]);
  const picked = g.op("GatherElements", [byDistance, index], { axis: 3 });
  return c.tensor(g.op("Where", [valid, picked, g.f32(0)]), "float32", [q.dims[0]!, h, q.dims[2]!, r.dims[0]!]);
};

const modules = (v: Lowered) => v as { kind: "modules"; count: number; apply: ModuleFn };

/** Each id looked up in its cluster's table and projected to d, times `scale`. */
export const adaptiveEmbeddingOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const ids = a.ids as TensorVal;
  const tables = modules(a.tables);
  const projs = a.projs as TensorVal[];
  const cutoffs = a.cutoffs as number[];
  const scale = typeof a.scale === "number" ? a.scale : 1;
  const ends = [0, ...cutoffs];
  const d = projs[0]!.dims[0] as number;
  let out: string | undefined;
  projs.forEach((p, i) => {
    const start = ends[i]!;
    const end = ends[i + 1];
    let inside = g.op("GreaterOrEqual", [ids.name, g.i64(start)]);
    if (end !== undefined) inside = g.op("And", [inside, g.op("Less", [ids.name, g.i64(end)])]);
    const local = g.op("Where", [inside, g.op("Sub", [ids.name, g.i64(start)]), g.i64(0)]);
    const emb = tables.apply(i, c.tensor(local, "int64", ids.dims));
    const projected = g.op("MatMul", [emb.name, g.op("Transpose", [p.name], { perm: [1, 0] })]);
    const kept = g.op("Where", [g.op("Unsqueeze", [inside, g.i64([-1])]), g.op("Mul", [projected, g.f32(scale)]), g.f32(0)]);
    out = out ? g.op("Add", [out, kept]) : kept;
  });
  return c.tensor(out!, "float32", [...ids.dims, d]);
};

/** Log-probabilities over the vocabulary: the head's shortlist, then each tail cluster's words plus that cluster's head log-probability. */
export const adaptiveLogSoftmaxOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const h = a.h as TensorVal;
  const layers = modules(a.layers);
  const projs = a.projs as TensorVal[];
  const clusterWeight = a.cluster_weight as TensorVal;
  const clusterBias = a.cluster_bias as TensorVal;
  const clusters = (a.cutoffs as number[]).length;
  const d = h.dims[h.dims.length - 1] as number;
  const flat = c.tensor(g.op("Reshape", [h.name, g.i64([-1, d])]), "float32", [null, d]);
  const project = (i: number) => c.tensor(g.op("MatMul", [flat.name, projs[i]!.name]), "float32", [flat.dims[0]!, projs[i]!.dims[1]!]);
  const head0 = project(0);
  const shortlist = layers.apply(0, head0);
  const c0 = shortlist.dims[1] as number;
  const clusterLogits = g.op("Add", [g.op("MatMul", [head0.name, g.op("Transpose", [clusterWeight.name], { perm: [1, 0] })]), clusterBias.name]);
  const head = g.op("LogSoftmax", [g.op("Concat", [shortlist.name, clusterLogits], { axis: 1 })], { axis: -1 });
  const [short, ...clusterHeads] = g.node("Split", [head, g.i64([c0, ...Array.from({ length: clusters }, () => 1)])], { axis: 1 }, { outputs: clusters + 1 });
  const parts = [short!];
  let vocab = c0;
  for (let k = 0; k < clusters; k++) {
    const tail = layers.apply(k + 1, project(k + 1));
    vocab += tail.dims[1] as number;
    parts.push(g.op("Add", [g.op("LogSoftmax", [tail.name], { axis: -1 }), clusterHeads[k]!]));
  }
  const all = g.op("Concat", parts, { axis: 1 });
  const shape = g.op("Concat", [g.op("Shape", [h.name], { end: -1 }), g.i64([vocab])], { axis: 0 });
  return c.tensor(g.op("Reshape", [all, shape]), "float32", [...h.dims.slice(0, -1), vocab]);
};
