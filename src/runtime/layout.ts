/**
 * Row-major layout arithmetic shared by every op. Tensors are always
 * contiguous, so a shape alone determines strides and element count.
 */
import { RuntimeShapeError } from "./errors.js";

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Resolves a Python-style (possibly negative) axis; `op` names the caller in the error. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RuntimeShapeError(op, `an axis in [${-rank}, ${rank - 1}]`, String(axis));
  }
  return a;
}

/** Throws unless `x.shape` has exactly `rank` dims; `what` describes the expected layout, e.g. "[B, T, C]". */
export function expectRank(op: string, shape: readonly number[], rank: number, what: string): void {
  if (shape.length !== rank) {
    throw new RuntimeShapeError(op, `rank ${rank} ${what}`, shapeToString(shape));
  }
}
