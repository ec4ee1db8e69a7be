/**
 * NumPy broadcasting: shapes are right-aligned, and each pair of dims must be
 * equal or contain a 1.
 */
import { RuntimeShapeError } from "./errors.js";
import { shapeToString, stridesOf } from "./layout.js";

export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RuntimeShapeError(
        op,
        "shapes broadcastable against each other",
        `${shapeToString(a)} and ${shapeToString(b)}`,
        `dim ${i} of the broadcast shape: ${da} vs ${db}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` as if it had `outShape`: broadcast
 * dims get stride 0 so the same element is revisited. Assumes `shape` was
 * already checked to broadcast to `outShape`.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const outDim = rank - shape.length + i;
    strides[outDim] = shape[i] === 1 ? 0 : own[i]!;
  }
  return strides;
}

/**
 * The batch pairs of a broadcasting batched product: for the batch dims `aBatch` and
 * `bBatch` (without the two matrix dims), the broadcast batch shape and, per flat output
 * batch index, which matrix of a and of b it reads (counted in whole matrices).
 */
export function broadcastBatches(op: string, aBatch: readonly number[], bBatch: readonly number[]): { shape: number[]; a: Int32Array; b: Int32Array } {
  const shape = broadcastShapes(op, aBatch, bBatch);
  const sa = broadcastStrides(aBatch, shape);
  const sb = broadcastStrides(bBatch, shape);
  const count = shape.reduce((x, y) => x * y, 1);
  const a = new Int32Array(count);
  const b = new Int32Array(count);
  for (let bi = 0; bi < count; bi++) {
    let rem = bi;
    for (let d = shape.length - 1; d >= 0; d--) {
      const idx = rem % shape[d]!;
      rem = (rem - idx) / shape[d]!;
      a[bi] = a[bi]! + (idx * sa[d]!);
      b[bi] = b[bi]! + (idx * sb[d]!);
    }
  }
  return { shape, a, b };
}
