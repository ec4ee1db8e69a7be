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
