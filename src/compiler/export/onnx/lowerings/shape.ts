// ONNX lowerings of the shape ops: reshapes keep the run-time dims they do not change
// (Reshape's 0 = "as in the input"), so a graph reads no shape it does not need.
import { DynDim, isTensor, type Dim, type Lowered, type LoweringContext, type OpLowering, type TensorVal } from "../lowering.js";
import { binary, concat, dimProduct, matmul, split, swapAxes, transpose } from "../tensors.js";

const x0 = (a: Record<string, Lowered>) => a.x as TensorVal;
const axisOf = (v: Lowered, rank: number, dflt: number) => {
  const n = typeof v === "number" ? v : dflt;
  return n < 0 ? rank + n : n;
};

/** Reshape to `dims`; a run-time dim equal to the input's at the same index is written 0. */
export function reshapeKeeping(c: LoweringContext, x: TensorVal, dims: Dim[]): TensorVal {
  const spec: Dim[] = dims.map((d, i) => (d instanceof DynDim && x.dims[i] === d ? 0 : d));
  const dyn = spec.filter((d) => d instanceof DynDim).length;
  // One unknown dim left: -1 lets Reshape infer it without reading a shape.
  const final = dyn === 1 ? spec.map((d) => (d instanceof DynDim ? -1 : d)) : spec;
  const parts = final.map((d) => (typeof d === "number" ? c.g.i64([d]) : d.value(c.g)));
  const shape = final.every((d): d is number => typeof d === "number") ? c.g.i64(final) : c.g.op("Concat", parts, { axis: 0 });
  return c.tensor(c.g.op("Reshape", [x.name, shape]), x.elem, dims);
}

function dimsArg(c: LoweringContext, v: Lowered): Dim[] {
  if (!Array.isArray(v)) return c.unsupported("a shape that is not a list");
  return v.map((d) => (typeof d === "number" || d instanceof DynDim ? d : c.unsupported(`the shape entry ${JSON.stringify(d)}`)));
}

export function splitHeads(c: LoweringContext, x: TensorVal, heads: number): TensorVal {
  const r = x.dims.length;
  const last = x.dims[r - 1]!;
  if (typeof last !== "number") return c.unsupported("split_heads over a run-time feature size");
  const split = reshapeKeeping(c, x, [...x.dims.slice(0, -1), heads, last / heads]);
  return swapAxes(c, split, r - 2, r - 1);
}

export function mergeHeads(c: LoweringContext, x: TensorVal): TensorVal {
  const r = x.dims.length;
  const [h, k] = [x.dims[r - 3]!, x.dims[r - 1]!];
  if (typeof h !== "number" || typeof k !== "number") return c.unsupported("merge_heads over run-time head sizes");
  const t = swapAxes(c, x, r - 3, r - 2);
  return reshapeKeeping(c, t, [...t.dims.slice(0, -2), h * k]);
}

/** ONNX lowering of `split_heads`. */
export const splitHeadsOnnx: OpLowering = (c, a) => splitHeads(c, x0(a), Number(a.heads));

/** ONNX lowering of `merge_heads`. */
export const mergeHeadsOnnx: OpLowering = (c, a) => mergeHeads(c, x0(a));

/** ONNX lowering of `transpose`. */
export const transposeOnnx: OpLowering = (c, a) => swapAxes(c, x0(a), Number(a.a), Number(a.b));

/** ONNX lowering of `reshape`. */
export const reshapeOnnx: OpLowering = (c, a) => reshapeKeeping(c, x0(a), dimsArg(c, a.shape));

/** ONNX lowering of `unflatten`. */
export const unflattenOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const ax = axisOf(a.axis, x.dims.length, -1);
  return reshapeKeeping(c, x, [...x.dims.slice(0, ax), ...dimsArg(c, a.sizes), ...x.dims.slice(ax + 1)]);
};

/** ONNX lowering of `flatten`. */
export const flattenOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const s = axisOf(a.start, x.dims.length, 0);
  const e = axisOf(a.end, x.dims.length, -1);
  const merged = x.dims.slice(s, e + 1);
  return reshapeKeeping(c, x, [...x.dims.slice(0, s), dimProduct(merged, "flattened"), ...x.dims.slice(e + 1)]);
};

/** ONNX lowering of `flatten_tokens`. */
export const flattenTokensOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const d = x.dims[x.dims.length - 1]!;
  const out = c.tensor(c.g.op("Reshape", [x.name, c.g.i64([-1, typeof d === "number" ? d : 0])]), x.elem, [null, d]);
  return out;
};

/** ONNX lowering of `split`. */
export const splitOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const sizes = a.sizes as number[];
  return split(c, x, axisOf(a.axis, x.dims.length, -1), sizes);
};

/** ONNX lowering of `chunk`. */
export const chunkOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const ax = axisOf(a.axis, x.dims.length, -1);
  const n = Number(a.n);
  const size = x.dims[ax]!;
  if (typeof size !== "number") return c.unsupported("chunk over an axis whose size is only known at run time");
  return split(c, x, ax, Array.from({ length: n }, () => size / n));
};

/** ONNX lowering of `concat`. */
export const concatOnnx: OpLowering = (c, a, rest) => {
  const xs = [x0(a), ...rest.filter(isTensor)];
  return concat(c, xs, axisOf(a.axis, xs[0]!.dims.length, -1));
};

/** ONNX lowering of `select`. */
export const selectOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const ax = axisOf(a.axis, x.dims.length, 0);
  return c.tensor(c.g.op("Gather", [x.name, c.g.i64(Number(a.index))], { axis: ax }), x.elem, x.dims.filter((_, i) => i !== ax));
};

/** ONNX lowering of `zeros_like`. */
export const zerosLikeOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const zero = x.elem === "int64" ? { tensor: { dataType: 7, dims: [1], rawData: new Uint8Array(8) } } : { tensor: { dataType: 1, dims: [1], rawData: new Uint8Array(4) } };
  return c.tensor(c.g.op("ConstantOfShape", [c.g.op("Shape", [x.name])], { value: zero }), x.elem, x.dims);
};

/** ONNX lowering of `position_ids`. */
export const positionIdsOnnx: OpLowering = (c) => c.io.positionIds();

/** ONNX lowering of `linear`. */
export const linearOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const w = a.weight as TensorVal;
  const y = matmul(c, x, transpose(c, w, [1, 0]));
  return a.bias && isTensor(a.bias) ? binary(c, "Add", y, a.bias) : y;
};


/** ONNX lowering of `sum`: ReduceSum over one axis, which is dropped. */
export const sumOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const ax = axisOf(a.axis, x.dims.length, -1);
  return c.tensor(c.g.op("ReduceSum", [x.name, c.g.i64([ax])], { keepdims: 0 }), x.elem, x.dims.filter((_, i) => i !== ax));
};

/** ONNX lowering of `unsqueeze`: a size-1 axis (negative counts from the end of the result). */
export const unsqueezeOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  const ax = axisOf(a.axis, x.dims.length + 1, 0);
  const dims: Dim[] = [...x.dims];
  dims.splice(ax, 0, 1);
  return c.tensor(c.g.op("Unsqueeze", [x.name, c.g.i64([ax])]), x.elem, dims);
};
