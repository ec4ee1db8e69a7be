/**
 * Layout changes. Where the output's row-major layout is the input's (a head split or merge
 * of one token, a permutation that moves only axes of size 1, `view`), the output shares the
 * input's data: tensors are immutable by convention (tensor.ts), and a decoding step would
 * otherwise copy every head of every layer for nothing. Everything else, and `reshape`
 * (whose callers may own its result), copies into a fresh contiguous tensor.
 */
import { RuntimeIndexError, RuntimeShapeError } from "../errors.js";
import { expectRank, normalizeAxis, shapeSize, shapeToString, stridesOf } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";
import { activationArray } from "../kernels/activation-scope.js";

/** New shape with the same element count; one dim may be -1 (inferred). A copy: see `view`. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return new Tensor(x.data.slice(), resolveShape(x, shape));
}

/** `reshape` without the copy: the same data under the new shape. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  return new Tensor(x.data, resolveShape(x, shape));
}

/** `shape` with its -1 dim inferred from x's size, checked to hold x's elements. */
function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  const inferAt = shape.indexOf(-1);
  if (inferAt !== shape.lastIndexOf(-1)) {
    throw new RuntimeShapeError("reshape", "at most one -1 dim", shapeToString(shape));
  }
  const resolved = [...shape];
  if (inferAt >= 0) {
    const known = shapeSize(shape.filter((_, i) => i !== inferAt));
    if (known === 0 || x.size % known !== 0) {
      throw new RuntimeShapeError("reshape", `a shape with ${x.size} elements (from ${shapeToString(x.shape)})`, shapeToString(shape));
    }
    resolved[inferAt] = x.size / known;
  }
  if (resolved.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(resolved) !== x.size) {
    throw new RuntimeShapeError("reshape", `a shape with ${x.size} elements (from ${shapeToString(x.shape)})`, shapeToString(shape));
  }
  return resolved;
}

/** Output dim d is input dim perm[d]; a view of x when only axes of size 1 move. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.shape.length;
  const seen = new Set(perm.map((p) => normalizeAxis(p, rank, "permute")));
  if (perm.length !== rank || seen.size !== rank) {
    throw new RuntimeShapeError("permute", `a permutation of ${rank} axes for input ${shapeToString(x.shape)}`, shapeToString(perm));
  }
  const axes = perm.map((p) => normalizeAxis(p, rank, "permute"));
  const inStrides = stridesOf(x.shape);
  const outShape = axes.map((a) => x.shape[a]!);
  const src = axes.map((a) => inStrides[a]!);
  // Only axes of size 1 move (head split/merge of one token): the layout is unchanged.
  if (x.size === 0 || rank === 0 || keepsOrder(x.shape, axes)) return new Tensor(x.data, outShape);
  const out = activationArray(x.size);
  const xd = x.data;
  const inner = outShape[rank - 1]!;
  const innerStride = src[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let off = 0;
  // Runs that stay contiguous (head split/merge: the last axis does not move) are block copies.
  const blocks = innerStride === 1 && inner >= 16;
  for (let o = 0; o < out.length; o += inner) {
    if (blocks) out.set(xd.subarray(off, off + inner), o);
    else for (let j = 0, p = off; j < inner; j++, p += innerStride) out[o + j] = xd[p]!;
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      off += src[d]!;
      if (counter[d]! < outShape[d]!) break;
      off -= src[d]! * outShape[d]!;
      counter[d] = 0;
    }
  }
  return new Tensor(out, outShape);
}

/** Whether the axes longer than 1 keep their relative order under `axes`. */
function keepsOrder(shape: readonly number[], axes: readonly number[]): boolean {
  let last = -1;
  for (const a of axes) {
    if (shape[a]! === 1) continue;
    if (a < last) return false;
    last = a;
  }
  return true;
}

export function transpose(x: Tensor, dimA: number, dimB: number): Tensor {
  const rank = x.shape.length;
  const a = normalizeAxis(dimA, rank, "transpose");
  const b = normalizeAxis(dimB, rank, "transpose");
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** x[..., start:end, ...] along `axis`; negative bounds count from the end, as in Python. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normalizeAxis(axis, x.shape.length, "slice");
  const n = x.shape[ax]!;
  const s = start < 0 ? start + n : start;
  const e = end < 0 ? end + n : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > n || s > e) {
    throw new RuntimeShapeError("slice", `0 <= start <= end <= ${n} on axis ${ax} of ${shapeToString(x.shape)}`, `start ${start}, end ${end}`);
  }
  const outer = shapeSize(x.shape.slice(0, ax));
  const inner = shapeSize(x.shape.slice(ax + 1));
  const len = (e - s) * inner;
  const out = new Float32Array(outer * len);
  for (let o = 0; o < outer; o++) {
    const from = (o * n + s) * inner;
    out.set(x.data.subarray(from, from + len), o * len);
  }
  const shape = [...x.shape];
  shape[ax] = e - s;
  return new Tensor(out, shape);
}

/** Consecutive pieces of the given sizes along `axis`; the sizes must sum to the dim. */
export function split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const ax = normalizeAxis(axis, x.shape.length, "split");
  const total = sizes.reduce((p, q) => p + q, 0);
  if (total !== x.shape[ax] || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new RuntimeShapeError("split", `sizes summing to ${x.shape[ax]} (axis ${ax} of ${shapeToString(x.shape)})`, shapeToString(sizes));
  }
  const parts: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    parts.push(slice(x, ax, at, at + s));
    at += s;
  }
  return parts;
}

/** Joins tensors along `axis`; all other dims must agree. */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  const first = tensors[0];
  if (!first) throw new RuntimeShapeError("concat", "at least one tensor", "none");
  const rank = first.shape.length;
  const ax = normalizeAxis(axis, rank, "concat");
  for (const t of tensors) {
    const ok = t.shape.length === rank && t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!ok) {
      throw new RuntimeShapeError("concat", `shapes matching ${shapeToString(first.shape)} except on axis ${ax}`, shapeToString(t.shape));
    }
  }
  const outer = shapeSize(first.shape.slice(0, ax));
  const inner = shapeSize(first.shape.slice(ax + 1));
  const total = tensors.reduce((p, t) => p + t.shape[ax]!, 0);
  const out = new Float32Array(outer * total * inner);
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const t of tensors) {
      const len = t.shape[ax]! * inner;
      out.set(t.data.subarray(i * len, i * len + len), o);
      o += len;
    }
  }
  const shape = [...first.shape];
  shape[ax] = total;
  return new Tensor(out, shape);
}

/** [B, T, H·D] → [B, H, T, D]; a view of x for one token or one head (the same layout). */
export function splitHeads(x: Tensor, heads: number): Tensor {
  expectRank("splitHeads", x.shape, 3, "[B, T, H*D]");
  const [b, t, hd] = x.shape as [number, number, number];
  if (!Number.isInteger(heads) || heads <= 0 || hd % heads !== 0) {
    throw new RuntimeShapeError("splitHeads", `a last dim divisible by ${heads} heads`, shapeToString(x.shape));
  }
  // One token (decoding) or one head: the heads are already in order.
  if (t === 1 || heads === 1) return new Tensor(x.data, [b, heads, t, hd / heads]);
  return permute(new Tensor(x.data, [b, t, heads, hd / heads]), [0, 2, 1, 3]);
}

/** [B, H, T, D] → [B, T, H·D]; a view of x for one token or one head (the same layout). */
export function mergeHeads(x: Tensor): Tensor {
  expectRank("mergeHeads", x.shape, 4, "[B, H, T, D]");
  const [b, h, t, d] = x.shape as [number, number, number, number];
  if (t === 1 || h === 1) return new Tensor(x.data, [b, t, h * d]);
  const y = permute(x, [0, 2, 1, 3]);
  return new Tensor(y.data, [b, t, h * d]);
}

/** [B, KV, S, D] → [B, KV·groups, S, D]; head h is a copy of kv head floor(h / groups). */
export function repeatKv(x: Tensor, groups: number): Tensor {
  expectRank("repeatKv", x.shape, 4, "[B, KV, S, D]");
  const [b, kv, s, d] = x.shape as [number, number, number, number];
  if (!Number.isInteger(groups) || groups <= 0) {
    throw new RuntimeShapeError("repeatKv", "a positive integer group count", String(groups));
  }
  const block = s * d;
  const out = new Float32Array(x.size * groups);
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < kv * groups; h++) {
      const from = (bi * kv + Math.floor(h / groups)) * block;
      out.set(x.data.subarray(from, from + block), (bi * kv * groups + h) * block);
    }
  }
  return new Tensor(out, [b, kv * groups, s, d]);
}

/** Selects entries along `axis` by index (torch.index_select); indices must be in range. */
export function indexSelect(x: Tensor, axis: number, indices: ArrayLike<number> | IntTensor): Tensor {
  const idx = indices instanceof IntTensor ? indices.data : indices;
  if (indices instanceof IntTensor && indices.shape.length !== 1) {
    throw new RuntimeShapeError("indexSelect", "1-D indices", shapeToString(indices.shape));
  }
  const ax = normalizeAxis(axis, x.shape.length, "indexSelect");
  const n = x.shape[ax]!;
  const outer = shapeSize(x.shape.slice(0, ax));
  const inner = shapeSize(x.shape.slice(ax + 1));
  const out = new Float32Array(outer * idx.length * inner);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RuntimeIndexError("indexSelect", i, n, `index ${i} (position ${k}) is out of range for axis ${ax} of size ${n} in ${shapeToString(x.shape)}`);
    }
  }
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < idx.length; k++) {
      const from = (o * n + idx[k]!) * inner;
      out.set(x.data.subarray(from, from + inner), (o * idx.length + k) * inner);
    }
  }
  const shape = [...x.shape];
  shape[ax] = idx.length;
  return new Tensor(out, shape);
}

/** Rows of x (axis 0) by index: x[indices]. */
export function gatherRows(x: Tensor, indices: ArrayLike<number> | IntTensor): Tensor {
  return indexSelect(x, 0, indices);
}
