/** Softmax family and selection over a dim. */
import { RuntimeArgumentError, RuntimeShapeError } from "../errors.js";
import { normalizeAxis, shapeSize, shapeToString } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";

/**
 * Runs `row` over every 1-D fibre along `axis`, viewing x as [outer, n, inner]
 * so a non-last axis needs no transpose: the fibre is strided by `inner`.
 */
function forEachFibre(
  op: string, x: Tensor, axis: number,
  row: (src: Float32Array, dst: Float32Array, start: number, n: number, stride: number) => void,
): Tensor {
  const ax = normalizeAxis(axis, x.shape.length, op);
  const n = x.shape[ax]!;
  const outer = shapeSize(x.shape.slice(0, ax));
  const inner = shapeSize(x.shape.slice(ax + 1));
  const out = new Float32Array(x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) row(x.data, out, o * n * inner + i, n, inner);
  }
  return new Tensor(out, [...x.shape]);
}

/** Numerically stable softmax: subtracting the max keeps exp() ≤ 1. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return forEachFibre("softmax", x, axis, (src, dst, start, n, stride) => {
    const end = start + n * stride;
    let max = -Infinity;
    for (let p = start; p < end; p += stride) if (src[p]! > max) max = src[p]!;
    let sum = 0;
    for (let p = start; p < end; p += stride) {
      const e = Math.exp(src[p]! - max);
      dst[p] = e;
      sum += e;
    }
    for (let p = start; p < end; p += stride) dst[p] = dst[p]! / sum;
  });
}

/** log(softmax(x)) = x − max − log Σ exp(x − max), without forming the probabilities. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return forEachFibre("logSoftmax", x, axis, (src, dst, start, n, stride) => {
    const end = start + n * stride;
    let max = -Infinity;
    for (let p = start; p < end; p += stride) if (src[p]! > max) max = src[p]!;
    let sum = 0;
    for (let p = start; p < end; p += stride) sum += Math.exp(src[p]! - max);
    const lse = max + Math.log(sum);
    for (let p = start; p < end; p += stride) dst[p] = src[p]! - lse;
  });
}

function lastDim(op: string, x: Tensor): number {
  const n = x.shape[x.shape.length - 1];
  if (n === undefined || n === 0) throw new RuntimeShapeError(op, "a non-empty last dim", shapeToString(x.shape));
  return n;
}

/** NaN ranks above every number, as in torch.topk / torch.argmax. */
function ranksAbove(a: number, b: number): boolean {
  return a > b || (a !== a && b === b);
}

/** Index of the largest entry of each row (last dim); the first one on ties. */
export function argmax(x: Tensor): number[] {
  const n = lastDim("argmax", x);
  const rows = x.size / n;
  const result = new Array<number>(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (ranksAbove(x.data[r * n + j]!, x.data[r * n + best]!)) best = j;
    result[r] = best;
  }
  return result;
}

// Above this k, sorting the row beats insertion into a k-long buffer.
const INSERTION_MAX_K = 64;

/**
 * The k largest entries of each row (last dim), sorted descending; equal
 * values keep the lower index first.
 */
export function topk(x: Tensor, k: number): { values: Tensor; indices: IntTensor } {
  const n = lastDim("topk", x);
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RuntimeArgumentError("topk", `k must be an integer in [1, ${n}] for input ${shapeToString(x.shape)}, got ${k}`);
  }
  const rows = x.size / n;
  const values = new Float32Array(rows * k);
  const indices = new Int32Array(rows * k);
  const select = k <= INSERTION_MAX_K ? selectByInsertion : selectBySort;
  for (let r = 0; r < rows; r++) {
    select(x.data.subarray(r * n, r * n + n), k, values.subarray(r * k, r * k + k), indices.subarray(r * k, r * k + k));
  }
  const shape = [...x.shape.slice(0, -1), k];
  return { values: new Tensor(values, shape), indices: new IntTensor(indices, [...shape]) };
}

/** O(n) for small k: keeps a sorted buffer of the best k seen so far. */
function selectByInsertion(row: Float32Array, k: number, outV: Float32Array, outI: Int32Array): void {
  let count = 0;
  for (let j = 0; j < row.length; j++) {
    const v = row[j]!;
    if (count === k && !ranksAbove(v, outV[k - 1]!)) continue;
    // Moving only past strictly-lower values leaves a later equal value behind earlier ones.
    let pos = count < k ? count++ : k - 1;
    while (pos > 0 && ranksAbove(v, outV[pos - 1]!)) {
      outV[pos] = outV[pos - 1]!;
      outI[pos] = outI[pos - 1]!;
      pos--;
    }
    outV[pos] = v;
    outI[pos] = j;
  }
}

/** Array.prototype.sort is stable, so equal values stay in index order. */
function selectBySort(row: Float32Array, k: number, outV: Float32Array, outI: Int32Array): void {
  const order = Array.from({ length: row.length }, (_, j) => j);
  order.sort((a, b) => (ranksAbove(row[a]!, row[b]!) ? -1 : ranksAbove(row[b]!, row[a]!) ? 1 : 0));
  for (let j = 0; j < k; j++) {
    outI[j] = order[j]!;
    outV[j] = row[order[j]!]!;
  }
}
