/**
 * The body of a compute worker, as source text: workers start with `eval: true`, so they
 * need no file on disk (the runtime runs from src/ under tsx and vitest as well as from
 * dist/), and they load nothing but the kernels. The protocol is that of thread-pool.ts;
 * `claimChunks` is shared verbatim with the calling thread.
 */

/** Int32 slots of the control block (see thread-pool.ts for the layout). */
export const CONTROL_INTS = 32;

/**
 * The kernels a pool job can run, by op number (the index): module and export name. The
 * calling thread and the workers instantiate them from this one list, so op numbers agree.
 */
export const POOL_KERNELS = [
  ["linear", "linear_nt"],
  ["matmul", "matmul_nn"],
  ["activation", "silu"],
  ["linear", "linear_nt_bf16"],
  ["quant", "linear_q8"],
  ["quant", "dequant_q8"],
  ["quant", "linear_q8x16"],
  ["quant", "encode_x16"],
] as const;

export const OP_LINEAR_NT = 0;
export const OP_MATMUL_NN = 1;
export const OP_SILU = 2;
export const OP_LINEAR_NT_BF16 = 3;
export const OP_LINEAR_Q8 = 4;
export const OP_DEQUANT_Q8 = 5;
export const OP_LINEAR_Q8X16 = 6;
export const OP_ENCODE_X16 = 7;

/** Ints of attend_heads' argument table. */
export const ATTEND_TABLE_INTS = 17;

/**
 * Kernels composed of the wasm ones, as source text both sides evaluate, numbered after
 * POOL_KERNELS. linear_nt_set: linear_nt of one x against several matrices in one job
 * (the q, k and v projections of a layer; gate and up), one wait for the threads instead
 * of one per matrix. Arguments: a table of 5 ints per matrix (w, b, y, out, first column)
 * at byte address `at`, its length, then x, rows, in. The matrices' columns are laid end to
 * end from column 0, each starting at a multiple of 8 (the pool's chunk alignment), so a
 * chunk meets each matrix on the tile edges a call of its own would.
 * attend_heads: attention.wat's attend for the (batch, head) pairs [lo, hi), its arguments
 * in a table of ATTEND_TABLE_INTS at `at` (see kernels/attention.ts); each pair has its
 * own scratch row, so pairs run on any thread in any order with the same result.
 */
export const COMPOSED_SOURCE = `function composedKernels(kernels, memory, exportOf) {
  const linearNt = kernels[${OP_LINEAR_NT}];
  const attend = exportOf("attention", "attend");
  let ints = new Int32Array(memory.buffer);
  let floats = new Float32Array(memory.buffer);
  function linearNtSet(at, n, x, rows, inDim, _a5, _a6, lo, hi) {
    if (ints.length * 4 < at + n * 20) ints = new Int32Array(memory.buffer);
    for (let m = 0; m < n; m++) {
      const e = (at >> 2) + m * 5;
      const out = ints[e + 3];
      const first = ints[e + 4];
      const a = Math.max(lo, first);
      const b = Math.min(hi, first + out);
      if (a < b) linearNt(x, ints[e], ints[e + 1], ints[e + 2], rows, inDim, out, a - first, b - first);
    }
  }
  function attendHeads(at, _a1, _a2, _a3, _a4, _a5, _a6, lo, hi) {
    if (ints.length * 4 < at + ${ATTEND_TABLE_INTS * 4}) {
      ints = new Int32Array(memory.buffer);
      floats = new Float32Array(memory.buffer);
    }
    const e = at >> 2;
    const q = ints[e], k = ints[e + 1], v = ints[e + 2], out = ints[e + 3], sc = ints[e + 4];
    const t = ints[e + 5], d = ints[e + 6], dv = ints[e + 7], s = ints[e + 8], scale = floats[e + 9];
    const qOff = ints[e + 10], win = ints[e + 11], causal = ints[e + 12];
    const h = ints[e + 13], kvHeads = ints[e + 14], cap = ints[e + 15], scStride = ints[e + 16];
    const groups = h / kvHeads;
    for (let i = lo; i < hi; i++) {
      const kv = Math.floor(i / h) * kvHeads + Math.floor((i % h) / groups);
      attend(q + i * t * d * 4, k + kv * cap * d * 4, v + kv * cap * dv * 4, out + i * t * dv * 4, sc + i * scStride * 4,
        t, d, dv, s, scale, qOff, win, causal);
    }
  }
  return [linearNtSet, attendHeads];
}`;

export const OP_LINEAR_NT_SET = POOL_KERNELS.length;
export const OP_ATTEND_HEADS = POOL_KERNELS.length + 1;

/**
 * Claims chunks of job `gen` until none is left, running `kernels[op]` on each. The chunk
 * counter (slot 6) carries the job's generation in its high 16 bits, so a thread that
 * wakes late for a finished job claims nothing; a claimed chunk keeps its job (and so the
 * arguments) alive until it is counted done (slot 1).
 */
export const CLAIM_SOURCE = `function claimChunks(ctl, kernels, gen, worker) {
  const tag = gen & 0xffff;
  for (;;) {
    const w = Atomics.load(ctl, 6);
    if ((w >>> 16) !== tag) return;
    const c = w & 0xffff;
    if (c >= ctl[3]) return;
    if (Atomics.compareExchange(ctl, 6, w, w + 1) !== w) continue;
    try {
      const big = ctl[18];
      const lo = c < big ? ctl[7] + c * ctl[16] : ctl[7] + big * ctl[16] + (c - big) * ctl[19];
      const hi = Math.min(ctl[15], lo + (c < big ? ctl[16] : ctl[19]));
      kernels[ctl[2]](ctl[8], ctl[9], ctl[10], ctl[11], ctl[12], ctl[13], ctl[14], lo, hi);
    } catch (e) {
      Atomics.store(ctl, 4, 1);
    }
    if (worker) Atomics.add(ctl, 17, 1);
    if (Atomics.add(ctl, 1, 1) + 1 === ctl[3]) Atomics.notify(ctl, 1);
  }
}`;

export const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { memory, modules, spinMs, waitMs, epoch } = workerData;
const ctl = new Int32Array(memory.buffer, 0, ${CONTROL_INTS});
let kernels;
try {
  const imports = { env: { memory } };
  kernels = ${JSON.stringify(POOL_KERNELS)}.map(([m, f]) => new WebAssembly.Instance(modules[m], imports).exports[f]);
  kernels.push(...composedKernels(kernels, memory, (m, f) => new WebAssembly.Instance(modules[m], imports).exports[f]));
} catch (e) {
  // Claim nothing: the calling thread runs every chunk of every job itself.
  kernels = undefined;
}
${CLAIM_SOURCE}
${COMPOSED_SOURCE}
let seen = workerData.generation;
while (kernels) {
  // Spin for spinMs by the clock (read every 256 loads: it costs more than a load), then
  // sleep; a sleep times out after waitMs in case its wake-up was lost.
  let n = 0;
  let since = 0;
  let asleep = false;
  while (Atomics.load(ctl, 0) === seen) {
    if (asleep) Atomics.wait(ctl, 0, seen, waitMs);
    else if ((++n & 255) === 0) {
      const now = performance.now();
      if (!since) since = now;
      else if (now - since > spinMs) asleep = true;
    }
  }
  seen = Atomics.load(ctl, 0);
  if (Atomics.load(ctl, 5) !== epoch) break;
  claimChunks(ctl, kernels, seen, true);
}
`;
