/**
 * The attention row loop of ops.attention on the WebAssembly kernel of attention.wat, for
 * the common case: causal and/or sliding-window masks, no bias, soft-cap, padding or
 * segments, head sizes a multiple of 4. Keys and values are read in place when they are
 * KV-cache buffers in the shared memory (kv-cache.ts allocates them there). The (batch,
 * head) pairs are split across the thread pool (attend_heads in worker-source.ts).
 * Returns undefined when the TypeScript loop should answer instead.
 */
import { Tensor } from "../tensor.js";
import { kernels, partsFor } from "./index.js";
import { OP_ATTEND_HEADS, TABLE_BYTES } from "./thread-pool.js";
import { Staging } from "./staging.js";

/** q[B, H, T, D], k[B, KV, capacity, D], v[B, KV, capacity, Dv] (validated by the caller); s keys. */
export function attentionKernel(
  q: Tensor, k: Tensor, v: Tensor, s: number, scale: number, queryOffset: number, window: number | undefined, causal: boolean,
): Tensor | undefined {
  const ks = kernels();
  if (!ks) return undefined;
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const [, kvHeads, cap] = k.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  if (d === 0 || dv === 0 || d % 4 !== 0 || dv % 4 !== 0 || t === 0 || b === 0) return undefined;
  if (!Number.isInteger(queryOffset) || Math.abs(queryOffset) >= 2 ** 30 || (window !== undefined && window >= 2 ** 30)) return undefined;
  const heap = ks.heap;
  const pairs = b * h;
  // Scratch per (batch, head) pair: the scores of two query rows (the kernel takes rows in
  // pairs), each s + 4 floats, cache lines apart so that threads share none.
  const stride = Math.ceil((2 * (s + 4)) / 16) * 16;
  const st = new Staging(heap);
  try {
    const qp = st.input(q.data);
    const kp = st.input(k.data);
    const vp = st.input(v.data);
    const op = st.result(pairs * t * dv);
    const sc = st.output(pairs * stride);
    if (st.failed) return undefined;
    const table = ks.pool.table;
    table[0] = qp; table[1] = kp; table[2] = vp; table[3] = op; table[4] = sc;
    table[5] = t; table[6] = d; table[7] = dv; table[8] = s;
    ks.pool.tableFloats[9] = scale;
    table[10] = queryOffset; table[11] = window ?? 0; table[12] = causal ? 1 : 0;
    table[13] = h; table[14] = kvHeads; table[15] = cap; table[16] = stride;
    // Work: the dot products with keys and values, and an exp (~25 multiply-adds) per score.
    ks.pool.run(OP_ATTEND_HEADS, [TABLE_BYTES, 0, 0, 0, 0, 0, 0], 0, pairs, partsFor(pairs * t * s * (d + dv + 25)), 1);
    return new Tensor(st.take(op, pairs * t * dv), [b, h, t, dv]);
  } finally {
    st.release();
  }
}
