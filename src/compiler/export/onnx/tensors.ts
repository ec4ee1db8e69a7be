// Graph-building helpers shared by the lowerings: each emits the ONNX nodes of one tensor
// operation and returns the result with the dimensions it is known to have.
import { DynDim, type Dim, type LoweringContext, type TensorVal } from "./lowering.js";
import type { GraphBuilder } from "./graph.js";

const norm = (axis: number, rank: number) => (axis < 0 ? rank + axis : axis);

/** A dimension read from a tensor's shape at run time. */
export function shapeDim(x: string, axis: number, label: string): DynDim {
  return new DynDim((g) => g.op("Shape", [x], { start: axis, end: axis + 1 }), label);
}

/** An int64 [n] shape tensor for `dims`: a constant when every dim is known. */
export function shapeTensor(g: GraphBuilder, dims: Dim[]): string {
  if (dims.every((d): d is number => typeof d === "number")) return g.i64(dims);
  const parts = dims.map((d) => (typeof d === "number" ? g.i64([d]) : d.value(g)));
  return g.op("Concat", parts, { axis: 0 });
}

/** The product of some dims (flatten): a constant when all are known. */
export function dimProduct(dims: Dim[], label: string): Dim {
  if (dims.every((d): d is number => typeof d === "number")) return dims.reduce((p, d) => p * d, 1);
  return new DynDim((g) => dims.map((d) => (typeof d === "number" ? g.i64([d]) : d.value(g))).reduce((p, d) => g.op("Mul", [p, d])), label);
}

/** Dims of an elementwise result, numpy broadcasting; a dim unknown on both sides is left null. */
export function broadcastDims(a: Dim[], b: Dim[]): (Dim | null)[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const x = a[i - (r - a.length)];
    const y = b[i - (r - b.length)];
    if (x === undefined) return y!;
    if (y === undefined) return x;
    if (x === 1) return y;
    if (y === 1) return x;
    if (typeof x === "number") return x;
    if (typeof y === "number") return y;
    return x === y ? x : null;
  });
}

export function binary(c: LoweringContext, op: "Add" | "Sub" | "Mul" | "Div" | "Pow", a: TensorVal, b: TensorVal): TensorVal {
  return c.tensor(c.g.op(op, [a.name, b.name]), a.elem, broadcastDims(a.dims, b.dims));
}

/** `x op s` for a Python number s, rounded to float32 as PyTorch rounds a wrapped scalar. */
export function withScalar(c: LoweringContext, op: "Add" | "Sub" | "Mul" | "Div" | "Pow", x: TensorVal, s: number, scalarFirst = false): TensorVal {
  const k = x.elem === "int64" ? c.g.i64(s) : c.g.f32(s);
  return c.tensor(c.g.op(op, scalarFirst ? [k, x.name] : [x.name, k]), x.elem, x.dims);
}

export function unary(c: LoweringContext, op: string, x: TensorVal, attrs: Record<string, number | string | number[]> = {}): TensorVal {
  return c.tensor(c.g.op(op, [x.name], attrs), x.elem, x.dims);
}

export function matmul(c: LoweringContext, a: TensorVal, b: TensorVal): TensorVal {
  const batch = broadcastDims(a.dims.slice(0, -2), b.dims.slice(0, -2));
  const rows = a.dims.length >= 2 ? [a.dims[a.dims.length - 2]!] : [];
  return c.tensor(c.g.op("MatMul", [a.name, b.name]), "float32", [...(b.dims.length === 1 ? a.dims.slice(0, -1) : [...batch, ...rows]), ...(b.dims.length >= 2 ? [b.dims[b.dims.length - 1]!] : [])]);
}

export function reshape(c: LoweringContext, x: TensorVal, dims: Dim[]): TensorVal {
  return c.tensor(c.g.op("Reshape", [x.name, shapeTensor(c.g, dims)]), x.elem, dims);
}

export function transpose(c: LoweringContext, x: TensorVal, perm: number[]): TensorVal {
  return c.tensor(c.g.op("Transpose", [x.name], { perm }), x.elem, perm.map((p) => x.dims[p]!));
}

export function swapAxes(c: LoweringContext, x: TensorVal, a: number, b: number): TensorVal {
  const r = x.dims.length;
  const perm = Array.from({ length: r }, (_, i) => i);
  [perm[norm(a, r)], perm[norm(b, r)]] = [perm[norm(b, r)]!, perm[norm(a, r)]!];
  return transpose(c, x, perm);
}

export function unsqueeze(c: LoweringContext, x: TensorVal, axes: number[]): TensorVal {
  const dims: Dim[] = [...x.dims];
  for (const a of [...axes].sort((p, q) => p - q)) dims.splice(a, 0, 1);
  return c.tensor(c.g.op("Unsqueeze", [x.name, c.g.i64(axes)]), x.elem, dims);
}

/** x[..., start:end, ...] along one axis (end may be a run-time dim). */
export function slice(c: LoweringContext, x: TensorVal, axis: number, start: number, end: number | DynDim): TensorVal {
  const ax = norm(axis, x.dims.length);
  const endT = typeof end === "number" ? c.g.i64([end]) : end.value(c.g);
  const size = typeof end === "number" && typeof x.dims[ax] === "number" ? Math.min(end, x.dims[ax] as number) - start : null;
  return c.tensor(c.g.op("Slice", [x.name, c.g.i64([start]), endT, c.g.i64([ax])]), x.elem, x.dims.map((d, i) => (i === ax ? size : d)));
}

export function split(c: LoweringContext, x: TensorVal, axis: number, sizes: number[]): TensorVal[] {
  const ax = norm(axis, x.dims.length);
  const outs = c.g.node("Split", [x.name, c.g.i64(sizes)], { axis: ax }, { outputs: sizes.length });
  return outs.map((o, i) => c.tensor(o, x.elem, x.dims.map((d, j) => (j === ax ? sizes[i]! : d))));
}

export function concat(c: LoweringContext, xs: TensorVal[], axis: number): TensorVal {
  const ax = norm(axis, xs[0]!.dims.length);
  const sizes = xs.map((x) => x.dims[ax]!);
  const total = sizes.every((s): s is number => typeof s === "number") ? sizes.reduce((p, s) => p + s, 0) : null;
  return c.tensor(c.g.op("Concat", xs.map((x) => x.name), { axis: ax }), xs[0]!.elem, xs[0]!.dims.map((d, i) => (i === ax ? total : d)));
}

export function cast(c: LoweringContext, x: TensorVal, to: "float32" | "int64" | "bool"): TensorVal {
  if (x.elem === to) return x;
  return c.tensor(c.g.op("Cast", [x.name], { to: to === "float32" ? 1 : to === "int64" ? 7 : 9 }), to, x.dims);
}
