/**
 * y = x·Wᵀ + b (W [out, in], PyTorch's layout) and y = x·W + b (W [in, out], GPT-2's Conv1D)
 * on the WebAssembly kernels of linear.wat and matmul.wat, split by output columns across
 * the thread pool. W [out, in] may be held as bfloat16 (read as such by linear_nt_bf16) or
 * int8 blocks (quant.wat).
 * Returns undefined whenever the TypeScript kernel should answer instead: no wasm, a shape
 * it would reject (it reports the error), an empty operand, or a full heap.
 */
import { Tensor } from "../tensor.js";
import { PackedTensor } from "../weights/packed.js";
import { kernels, partsFor } from "./index.js";
import { heapActivation } from "./activation-scope.js";
import { Staging } from "./staging.js";
import { Q8_BLOCK, x16ScalesOffset } from "../weights/formats.js";
import { OP_DEQUANT_Q8, OP_ENCODE_X16, OP_LINEAR_NT, OP_LINEAR_NT_BF16, OP_LINEAR_NT_SET, OP_LINEAR_Q8, OP_LINEAR_Q8X16, OP_MATMUL_NN, TABLE_BYTES } from "./thread-pool.js";
import { DeferredTensor } from "../weights/deferred.js";
import type { WasmHeap } from "./wasm-heap.js";

export function linearKernel(x: Tensor, w: Tensor, b?: Tensor): Tensor | undefined {
  if (w.shape.length !== 2) return undefined;
  // Tiles are 4 columns wide (a single row: four streams of rows): chunks of a multiple of 8
  // keep every chunk on a tile edge.
  // A packed matrix is read as stored (unless something widened it to float32 already).
  const storage = w instanceof PackedTensor ? w.packed() : undefined;
  if (storage && w instanceof PackedTensor) {
    return w.format === "bf16" ? product(OP_LINEAR_NT_BF16, x, storage, b, w.shape[1]!, w.shape[0]!, 8) : q8Product(x, storage, b, w.shape[1]!, w.shape[0]!);
  }
  return product(OP_LINEAR_NT, x, w.data, b, w.shape[1]!, w.shape[0]!, 8);
}

/** y = x·W + b with W [in, out]. */
export function linearInOutKernel(x: Tensor, w: Tensor, b?: Tensor): Tensor | undefined {
  return w.shape.length === 2 ? product(OP_MATMUL_NN, x, w.data, b, w.shape[0]!, w.shape[1]!, 8) : undefined;
}

/** float32 values a batched int8 product widens at a time (~1 MiB: a block that stays in L2/L3 while every row of x passes over it). */
const Q8_BLOCK_FLOATS = 1 << 18;

/** Whether x [..., in] and b [out] are operands the kernels take (else the TypeScript product reports the error). */
function operandsFit(x: Tensor, b: Tensor | undefined, inDim: number, outDim: number): boolean {
  if (x.shape.length === 0 || x.shape[x.shape.length - 1] !== inDim || inDim === 0 || outDim === 0) return false;
  return !b || (b.shape.length === 1 && b.shape[0] === outDim);
}

/**
 * y = x·Wᵀ + b with W int8: one row of x (decoding) reads the int8 blocks directly, with x
 * rounded to int16 blocks for integer dot products (linear_q8x16; x stays float32 in
 * linear_q8 when it holds NaN or infinities); more rows widen W a block of rows at a time
 * into float32 (dequant_q8) and run linear.wat's tiles over it, so the result is bit for bit
 * the float32 kernel's on the dequantized matrix.
 */
function q8Product(x: Tensor, w: Uint8Array, b: Tensor | undefined, inDim: number, outDim: number): Tensor | undefined {
  const k = kernels();
  if (!k || !operandsFit(x, b, inDim, outDim)) return undefined;
  const rows = x.data.length / inDim;
  if (rows === 0) return undefined;
  if (rows === 1) return q8Row(x, w, b, inDim, outDim);
  // A multiple of 8 rows, like the pool's chunks, so that tiles fall where they fall in one call.
  const block = Math.min(outDim, Math.max(8, Math.floor(Q8_BLOCK_FLOATS / inDim / 8) * 8));
  const st = new Staging(k.heap);
  try {
    const xp = st.input(x.data);
    const wp = st.input(w);
    const bp = b ? st.input(b.data) : 0;
    const yp = st.result(rows * outDim);
    const scratch = st.output(block * inDim);
    if (st.failed) return undefined;
    for (let b0 = 0; b0 < outDim; b0 += block) {
      const b1 = Math.min(outDim, b0 + block);
      k.pool.run(OP_DEQUANT_Q8, [wp, scratch, b0, 0, 0, inDim, outDim], b0, b1, partsFor((b1 - b0) * inDim * 4), 8);
      // Row o of the block is at scratch + (o − b0)·in·4: W's address shifted back by b0 rows
      // (wasm addresses wrap modulo 2^32, so the kernel's w + o·in·4 lands in the block).
      const shifted = (scratch - b0 * inDim * 4) | 0;
      k.pool.run(OP_LINEAR_NT, [xp, shifted, bp, yp, rows, inDim, outDim], b0, b1, partsFor(rows * inDim * (b1 - b0)), 8);
    }
    return new Tensor(st.take(yp, rows * outDim), [...x.shape.slice(0, -1), outDim]);
  } finally {
    st.release();
  }
}

/** One row of x against int8 W, x as int16 blocks (see q8Product). */
function q8Row(x: Tensor, w: Uint8Array, b: Tensor | undefined, inDim: number, outDim: number): Tensor | undefined {
  const k = kernels()!;
  const st = new Staging(k.heap);
  try {
    const xp = st.input(x.data);
    const x16 = st.bytes(x16ScalesOffset(inDim) + (inDim / Q8_BLOCK) * 4);
    if (st.failed) return undefined;
    if (!encodeRowX16(xp, x16, inDim)) return product(OP_LINEAR_Q8, x, w, b, inDim, outDim, 8);
    const wp = st.input(w);
    const bp = b ? st.input(b.data) : 0;
    const yp = st.result(outDim);
    if (st.failed) return undefined;
    k.pool.run(OP_LINEAR_Q8X16, [x16, wp, bp, yp, 1, inDim, outDim], 0, outDim, partsFor(inDim * outDim), 8);
    return new Tensor(st.take(yp, outDim), [...x.shape.slice(0, -1), outDim]);
  } finally {
    st.release();
  }
}

/**
 * One row of `n` float32 values at heap address xp as int16 blocks at x16 (quant.wat's
 * encode_x16, on this thread: a few microseconds, where the same loop in TypeScript took
 * ~10% of a decode step's int8 products). False when a block holds NaN or an infinity.
 */
export function encodeRowX16(xp: number, x16: number, n: number): boolean {
  const k = kernels()!;
  const blocks = n / Q8_BLOCK;
  k.pool.run(OP_ENCODE_X16, [xp, x16, 0, 0, 0, n, 0], 0, blocks, 1, 1);
  const scales = k.heap.f32(x16 + x16ScalesOffset(n), blocks);
  for (let i = 0; i < blocks; i++) if (!Number.isFinite(scales[i]!)) return false;
  return true;
}

function product(op: number, x: Tensor, w: Float32Array | Uint8Array, b: Tensor | undefined, inDim: number, outDim: number, align: number): Tensor | undefined {
  const k = kernels();
  if (!k || !operandsFit(x, b, inDim, outDim)) return undefined;
  const rows = x.data.length / inDim;
  if (rows === 0) return undefined;
  const parts = partsFor(rows * inDim * outDim);
  const heap = k.heap;
  // A decoding step's operands are all in the heap, and its result an activation of the open scope: nothing to stage.
  if (heap.contains(x.data) && heap.contains(w) && (!b || heap.contains(b.data))) {
    const y = heapActivation(rows * outDim);
    if (y) {
      k.pool.run(op, [x.data.byteOffset, w.byteOffset, b ? b.data.byteOffset : 0, y.byteOffset, rows, inDim, outDim], 0, outDim, parts, align);
      return new Tensor(y, withLastDim(x.shape, outDim));
    }
  }
  const st = new Staging(heap);
  try {
    const xp = st.input(x.data);
    const wp = st.input(w);
    const bp = b ? st.input(b.data) : 0;
    const yp = st.result(rows * outDim);
    if (st.failed) return undefined;
    k.pool.run(op, [xp, wp, bp, yp, rows, inDim, outDim], 0, outDim, parts, align);
    return new Tensor(st.take(yp, rows * outDim), withLastDim(x.shape, outDim));
  } finally {
    st.release();
  }
}

/** `shape` with its last dim replaced by `last` (a product's output shape). */
function withLastDim(shape: readonly number[], last: number): number[] {
  const out = shape.slice();
  out[out.length - 1] = last;
  return out;
}

/** Matrices one linear_nt_set job takes at most. */
const SET_MAX = 16;

/** A set of matrices checked once for linear_nt_set: per matrix its address, its bias's (0: none) and out dim. */
interface CheckedSet {
  readonly bs: readonly (Tensor | undefined)[];
  readonly inDim: number;
  readonly entries: readonly number[];
}

/**
 * Sets that passed the checks, by their weight list (shared-input.ts passes the same list
 * for a learned run every time): weights never move in the heap nor change, so a decoding
 * step does not look at every matrix again.
 */
const checkedSets = new WeakMap<readonly Tensor[], CheckedSet>();

/** The set's entries when every matrix is a float32 [out, in] weight in the heap (with its bias), else undefined. */
function checkSet(heap: WasmHeap, ws: readonly Tensor[], bs: readonly (Tensor | undefined)[]): CheckedSet | undefined {
  const known = checkedSets.get(ws);
  if (known && known.bs === bs) return known;
  if (ws.length === 0 || ws.length > SET_MAX) return undefined;
  const inDim = ws[0]!.shape[1];
  if (!inDim) return undefined;
  const entries: number[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    const b = bs[i];
    const outDim = w.shape[0]!;
    if (w instanceof PackedTensor || w.shape.length !== 2 || w.shape[1] !== inDim || outDim === 0) return undefined;
    if (b && (b.shape.length !== 1 || b.shape[0] !== outDim)) return undefined;
    // A deferred weight still in its file is read by linearKernel's first use, not here.
    if ((w instanceof DeferredTensor && !w.resident) || !heap.contains(w.data) || (b && !heap.contains(b.data))) return undefined;
    entries.push(w.data.byteOffset, b ? b.data.byteOffset : 0, outDim);
  }
  const set = { bs, inDim, entries };
  checkedSets.set(ws, set);
  return set;
}

/**
 * y_i = x·W_iᵀ + b_i for float32 matrices W_i [out_i, in] sharing x, in one pool job
 * (linear_nt_set), bit for bit what linearKernel computes for each: inside a forward call's
 * activation scope, with every operand in the heap; undefined otherwise (the caller then
 * takes them one by one).
 */
export function linearSetKernel(x: Tensor, ws: readonly Tensor[], bs: readonly (Tensor | undefined)[]): Tensor[] | undefined {
  const k = kernels();
  if (!k || !k.heap.contains(x.data)) return undefined;
  const set = checkSet(k.heap, ws, bs);
  if (!set || x.shape.length === 0 || x.shape[x.shape.length - 1] !== set.inDim) return undefined;
  const inDim = set.inDim;
  const rows = x.data.length / inDim;
  if (rows === 0) return undefined;
  const table = k.pool.table;
  const entries = set.entries;
  const out: Tensor[] = [];
  let end = 0;
  for (let i = 0, e = 0; e < entries.length; i += 5, e += 3) {
    const outDim = entries[e + 2]!;
    const y = heapActivation(rows * outDim, 1);
    if (!y) return undefined;
    table[i] = entries[e]!;
    table[i + 1] = entries[e + 1]!;
    table[i + 2] = y.byteOffset;
    table[i + 3] = outDim;
    table[i + 4] = end;
    end += Math.ceil(outDim / 8) * 8;
    out.push(new Tensor(y, withLastDim(x.shape, outDim)));
  }
  k.pool.run(OP_LINEAR_NT_SET, [TABLE_BYTES, out.length, x.data.byteOffset, rows, inDim, 0, 0], 0, end, partsFor(rows * inDim * end), 8);
  return out;
}
