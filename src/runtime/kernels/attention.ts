/**
 * The attention row loop of ops.attention on the WebAssembly kernel of attention.wat, for
 * the common case: causal and/or sliding-window masks, no bias, soft-cap, padding or
 * segments, head sizes a multiple of 4. Keys and values are read in place when they are
 * KV-cache buffers in the shared memory (kv-cache.ts allocates them there). The (batch,
 * head) pairs are split across the thread pool (attend_heads in worker-source.ts).
 * Returns undefined when the TypeScript loop should answer instead.
 *
 * A decoding step calls this once per layer with everything already in the heap (q an
 * activation, k and v the cache): the result is then an activation of the open scope and
 * the score rows a scratch block kept between calls, so the call allocates nothing in the
 * heap and copies nothing; other operands go through Staging.
 */
import { Tensor } from "../tensor.js";
import { kernels, partsFor, type Kernels } from "./index.js";
import { OP_ATTEND_HEADS, TABLE_BYTES } from "./thread-pool.js";
import { Staging } from "./staging.js";
import { heapActivation } from "./activation-scope.js";
import type { WasmHeap } from "./wasm-heap.js";

/** attend_heads reads its arguments from the pool's table. */
const JOB_ARGS: readonly number[] = [TABLE_BYTES, 0, 0, 0, 0, 0, 0];

/** Scratch blocks up to this size stay allocated between calls (a decoding step's are a few KiB). */
const KEPT_SCRATCH_BYTES = 1 << 20;
/** The kept scratch block: its heap, address and size. */
let scratch: { heap: WasmHeap; ptr: number; bytes: number } | undefined;

/** A scratch block of at least `bytes` (kept between calls), or −1 when it is too big to keep or the heap is full. */
function keptScratch(heap: WasmHeap, bytes: number): number {
  if (bytes > KEPT_SCRATCH_BYTES) return -1;
  if (scratch && scratch.heap === heap && scratch.bytes >= bytes) return scratch.ptr;
  if (scratch && scratch.heap === heap) heap.release(scratch.ptr, scratch.bytes);
  scratch = undefined;
  // Room for a few more keys than asked: a decoding step's rows grow by one key a step.
  const size = Math.min(KEPT_SCRATCH_BYTES, Math.max(bytes * 2, 4096));
  const ptr = heap.alloc(size);
  if (ptr < 0) return -1;
  scratch = { heap, ptr, bytes: size };
  return ptr;
}

/** q[B, H, T, D], k[B, KV, capacity, D], v[B, KV, capacity, Dv] (validated by the caller); s keys. */
export function attentionKernel(
  q: Tensor, k: Tensor, v: Tensor, s: number, scale: number, queryOffset: number, window: number | undefined, causal: boolean,
): Tensor | undefined {
  const ks = kernels();
  if (!ks) return undefined;
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const kvHeads = k.shape[1]!;
  const cap = k.shape[2]!;
  const dv = v.shape[3]!;
  if (d === 0 || dv === 0 || d % 4 !== 0 || dv % 4 !== 0 || t === 0 || b === 0) return undefined;
  if (!Number.isInteger(queryOffset) || Math.abs(queryOffset) >= 2 ** 30 || (window !== undefined && window >= 2 ** 30)) return undefined;
  const heap = ks.heap;
  const pairs = b * h;
  // Scratch per (batch, head) pair: the scores of two query rows (the kernel takes rows in
  // pairs), each s + 4 floats, cache lines apart so that threads share none.
  const stride = Math.ceil((2 * (s + 4)) / 16) * 16;
  const n = pairs * t * dv;
  if (heap.contains(q.data) && heap.contains(k.data) && heap.contains(v.data)) {
    const out = heapActivation(n);
    const sc = out ? keptScratch(heap, pairs * stride * 4) : -1;
    if (out && sc >= 0) {
      attend(ks, q.data.byteOffset, k.data.byteOffset, v.data.byteOffset, out.byteOffset, sc, b, h, t, d, dv, s, scale, queryOffset, window, causal, kvHeads, cap, stride);
      return new Tensor(out, [b, h, t, dv]);
    }
  }
  const st = new Staging(heap);
  try {
    const qp = st.input(q.data);
    const kp = st.input(k.data);
    const vp = st.input(v.data);
    const op = st.result(n);
    const sc = st.output(pairs * stride);
    if (st.failed) return undefined;
    attend(ks, qp, kp, vp, op, sc, b, h, t, d, dv, s, scale, queryOffset, window, causal, kvHeads, cap, stride);
    return new Tensor(st.take(op, n), [b, h, t, dv]);
  } finally {
    st.release();
  }
}

function attend(
  ks: Kernels, qp: number, kp: number, vp: number, op: number, sc: number, b: number, h: number, t: number, d: number, dv: number,
  s: number, scale: number, queryOffset: number, window: number | undefined, causal: boolean, kvHeads: number, cap: number, stride: number,
): void {
  const pairs = b * h;
  const table = ks.pool.table;
  table[0] = qp; table[1] = kp; table[2] = vp; table[3] = op; table[4] = sc;
  table[5] = t; table[6] = d; table[7] = dv; table[8] = s;
  ks.pool.tableFloats[9] = scale;
  table[10] = queryOffset; table[11] = window ?? 0; table[12] = causal ? 1 : 0;
  table[13] = h; table[14] = kvHeads; table[15] = cap; table[16] = stride;
  // Work: the dot products with keys and values, and an exp (~25 multiply-adds) per score.
  ks.pool.run(OP_ATTEND_HEADS, JOB_ARGS, 0, pairs, partsFor(pairs * t * s * (d + dv + 25)), 1);
}
