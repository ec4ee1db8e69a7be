// Keys and values of one attention site across the calls of a sequence, in buffers that are
// allocated once and grown geometrically: a decoding step appends its position instead of
// copying the whole cache (which cost O(S) per step, O(S²) per sequence).
//
// Layout [B, KV, capacity, D]: the positions of each (batch, head) are contiguous, as
// ops.attention reads them with keyLength = length. With a sliding window, positions that
// no later query can see are dropped when room is needed (`start` counts them), so the
// buffers stay near window + call length however long the sequence gets.
import { RuntimeShapeError } from "../errors.js";
import { shapeToString } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";
import { callerExport, kernels, sharedArray, type Kernels } from "../kernels/index.js";

/** Room for this many positions beyond the first call before the first grow. */
const INITIAL_SPARE = 256;

export class KvCache {
  /** [B, KV, capacity, D] and [B, KV, capacity, Dv]; positions past `length` are unused. */
  k: Tensor;
  v: Tensor;
  /** Cached positions. */
  length = 0;
  /** Absolute position of buffer slot 0 (positions dropped by a sliding window before it). */
  start = 0;

  constructor(
    readonly batch: number,
    readonly heads: number,
    readonly keyDim: number,
    readonly valueDim: number,
    capacity: number,
  ) {
    this.k = buffer([batch, heads, capacity, keyDim]);
    this.v = buffer([batch, heads, capacity, valueDim]);
  }

  /**
   * A cache for a sequence whose first call brings k [B, KV, T, D] and v [B, KV, T, Dv]; a
   * sliding window bounds what must be kept, so its spare room is a few windows at most.
   * `positions`, when the caller knows how long the sequence gets (prompt + new tokens),
   * is the room reserved: a cache is resident memory, so no more than that.
   */
  static for(k: Tensor, v: Tensor, window?: number, positions?: number): KvCache {
    const [b, h, t, d] = k.shape as [number, number, number, number];
    const spare = window === undefined ? INITIAL_SPARE : Math.min(INITIAL_SPARE, Math.max(2 * window, 16));
    const capacity = positions !== undefined && positions >= t ? Math.min(positions, t + spare) : t + spare;
    return new KvCache(b, h, d, v.shape[3]!, capacity);
  }

  get capacity(): number {
    return this.k.shape[2]!;
  }

  /** Empties the cache for a new sequence, keeping its buffers. */
  clear(): void {
    this.length = 0;
    this.start = 0;
  }

  /** Whether appending k and v fits this cache's batch, heads and head sizes. */
  fits(k: Tensor, v: Tensor): boolean {
    return k.shape.length === 4 && v.shape.length === 4 && k.shape[0] === this.batch && k.shape[1] === this.heads &&
      k.shape[3] === this.keyDim && v.shape[3] === this.valueDim;
  }

  /**
   * Appends the positions of k [B, KV, T, D] and v [B, KV, T, Dv]. With `window`, first
   * drops what the next query (at position start + length) cannot see if that makes room.
   */
  append(k: Tensor, v: Tensor, window?: number): void {
    const t = k.shape[2]!;
    if (
      k.shape.length !== 4 || v.shape.length !== 4 ||
      k.shape[0] !== this.batch || k.shape[1] !== this.heads || k.shape[3] !== this.keyDim ||
      v.shape[0] !== this.batch || v.shape[1] !== this.heads || v.shape[2] !== t || v.shape[3] !== this.valueDim
    ) {
      throw new RuntimeShapeError(
        "kv cache",
        `k [${this.batch}, ${this.heads}, T, ${this.keyDim}] and v [${this.batch}, ${this.heads}, T, ${this.valueDim}] as cached before`,
        `${shapeToString(k.shape)} and ${shapeToString(v.shape)}`,
      );
    }
    if (this.length + t > this.capacity && window !== undefined) {
      // The next query (position start + length) sees the last window − 1 cached keys.
      this.drop(this.length - (window - 1));
    }
    if (this.length + t > this.capacity) this.resize(Math.max(this.length + t, 2 * this.capacity));
    appendRows(k.data, this.k.data, this.batch * this.heads, t * this.keyDim, this.capacity * this.keyDim, this.length * this.keyDim);
    appendRows(v.data, this.v.data, this.batch * this.heads, t * this.valueDim, this.capacity * this.valueDim, this.length * this.valueDim);
    this.length += t;
  }

  /** Forgets the first n cached positions (n <= 0: none). */
  private drop(n: number): void {
    const m = Math.min(Math.max(0, n), this.length);
    if (m === 0) return;
    const cap = this.capacity;
    const keep = this.length - m;
    for (let r = 0; r < this.batch * this.heads; r++) {
      this.k.data.copyWithin(r * cap * this.keyDim, (r * cap + m) * this.keyDim, (r * cap + this.length) * this.keyDim);
      this.v.data.copyWithin(r * cap * this.valueDim, (r * cap + m) * this.valueDim, (r * cap + this.length) * this.valueDim);
    }
    this.length = keep;
    this.start += m;
  }

  private resize(capacity: number): void {
    const old = this.capacity;
    const k = buffer([this.batch, this.heads, capacity, this.keyDim]);
    const v = buffer([this.batch, this.heads, capacity, this.valueDim]);
    for (let r = 0; r < this.batch * this.heads; r++) {
      k.data.set(this.k.data.subarray(r * old * this.keyDim, (r * old + this.length) * this.keyDim), r * capacity * this.keyDim);
      v.data.set(this.v.data.subarray(r * old * this.valueDim, (r * old + this.length) * this.valueDim), r * capacity * this.valueDim);
    }
    this.k = k;
    this.v = v;
  }
}

/** Runs this short (a head of one decoded token) copy faster element by element than through subarray and set. */
const SHORT_RUN = 256;

type CopyRowsExport = (src: number, dst: number, rows: number, bytes: number, srcStride: number, dstStride: number) => void;
/** attention.wat's copy_rows for the last kernel set asked for. */
let copyRows: { ks: Kernels; f: CopyRowsExport | undefined } | undefined;

/**
 * rows runs of n floats, src row r at r·n, to dst at r·stride + at. With both in the kernels'
 * heap (an activation into a cache buffer: every decoding step) one wasm call copies them all.
 */
function appendRows(src: Float32Array, dst: Float32Array, rows: number, n: number, stride: number, at: number): void {
  const ks = kernels();
  if (ks && ks.heap.contains(src) && ks.heap.contains(dst)) {
    if (copyRows?.ks !== ks) copyRows = { ks, f: callerExport<CopyRowsExport>("attention", "copy_rows") };
    if (copyRows.f) {
      copyRows.f(src.byteOffset, dst.byteOffset + at * 4, rows, n * 4, n * 4, stride * 4);
      return;
    }
  }
  for (let r = 0; r < rows; r++) copyRun(src, r * n, dst, r * stride + at, n);
}

function copyRun(src: Float32Array, from: number, dst: Float32Array, to: number, n: number): void {
  if (n > SHORT_RUN) dst.set(src.subarray(from, from + n), to);
  else for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

/** Cache storage in the kernels' shared memory, so attention reads it in place (contents unset). */
function buffer(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(sharedArray(n) ?? new Float32Array(n), shape);
}

/** Columns [from, to) of a [B, N] tensor (masks and segment ids of the keys still cached). */
export function keyColumns(t: IntTensor, from: number, to: number): IntTensor {
  const [b, n] = t.shape as [number, number];
  if (from === 0 && to === n) return t;
  const out = new Int32Array(b * (to - from));
  for (let i = 0; i < b; i++) out.set(t.data.subarray(i * n + from, i * n + to), i * (to - from));
  return new IntTensor(out, [b, to - from]);
}
