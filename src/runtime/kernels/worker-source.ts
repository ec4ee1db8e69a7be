/**
 * The body of a compute worker, as source text: workers start with `eval: true`, so they
 * need no file on disk (the runtime runs from src/ under tsx and vitest as well as from
 * dist/), and they load nothing but the kernels. The protocol is that of thread-pool.ts;
 * `claimChunks` is shared verbatim with the calling thread.
 */

/**
 * Int32 slots of the control block (at address 0 of the shared memory; see thread-pool.ts
 * for the protocol). Both sides read this one table: the worker source embeds the numbers.
 */
export const SLOT = {
  /** Job generation: bumped for every job (and by close()); idle workers wait on it. */
  GEN: 0,
  /** Chunks of the current job counted done; the caller waits on it. */
  DONE: 1,
  OP: 2,
  /** Chunks of the current job (written atomically: claimers compare against it). */
  CHUNKS: 3,
  /** Set when a kernel threw (a wasm trap) on any thread. */
  FAILED: 4,
  /** Pool epoch: workers of an older pool exit. */
  EPOCH: 5,
  /** The claim word: the job's tag << CHUNK_BITS | the next chunk to claim. */
  CLAIM: 6,
  /** First column of the job. */
  LO: 7,
  /** Seven kernel arguments, 8..14. */
  ARGS: 8,
  /** End column of the job. */
  HI: 15,
  /** Columns per big chunk (they come first). */
  BIG_SIZE: 16,
  /** Chunks run by workers (a statistic). */
  WORKER_CHUNKS: 17,
  /** Big chunks. */
  BIG: 18,
  /** Columns per chunk after the big ones. */
  SIZE: 19,
  /** Worker slots handed out so far (a worker's slot is this modulo MAX_WORKER_SLOTS). */
  NEXT_WORKER: 20,
} as const;

/** Low bits of the claim word: the chunk index. The other 22 bits tag the job. */
export const CHUNK_BITS = 10;
export const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** Chunks a job is cut into at most (the index CHUNK_MASK itself means "none left"). */
export const MAX_CHUNKS = CHUNK_MASK;
export const TAG_MASK = (1 << (32 - CHUNK_BITS)) - 1;
/** Int32 index of the chunk marks: mark[c] = the claim word of chunk c once it is done. */
export const MARKS = 64;
/** Int32 index of the worker slots, WORKER_SLOT_INTS each: what a worker holds, its state, its OS thread. */
export const WORKER_SLOTS = MARKS + CHUNK_MASK + 1;
export const WORKER_SLOT_INTS = 4;
export const MAX_WORKER_SLOTS = 256;
/** Fields of a worker slot. */
export const WORKER = {
  /** The claim word of the chunk the worker is claiming or running (written before its claim). */
  HOLD: 0,
  STATE: 1,
  /** Linux thread id of the worker (0 where /proc/thread-self is not there). */
  TID: 2,
} as const;
/** Worker states: starting, claiming jobs, gone (its loop ended), failed to instantiate the kernels. */
export const WORKER_STATE = { STARTING: 0, RUNNING: 1, GONE: 2, FAILED_START: 3 } as const;
/** Int32 slots of the control block that the pool and its workers view. */
export const CONTROL_INTS = WORKER_SLOTS + MAX_WORKER_SLOTS * WORKER_SLOT_INTS;

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
/** Kernel names by op number, for messages. */
export const OP_NAMES: readonly string[] = [...POOL_KERNELS.map(([, f]) => f), "linear_nt_set", "attend_heads"];

/**
 * Claims chunks of job `gen` until none is left, running `kernels[op]` on each (the
 * protocol is described in thread-pool.ts). `hold` is the claiming worker's HOLD slot (−1
 * for the calling thread): the chunk it is about to claim is written there first, so that
 * if the worker dies the calling thread knows which chunk to redo. `runChunk` is the one
 * place a chunk index becomes a column range.
 */
export const CLAIM_SOURCE = `function runChunk(ctl, kernels, c) {
  try {
    const big = ctl[${SLOT.BIG}];
    const lo = c < big ? ctl[${SLOT.LO}] + c * ctl[${SLOT.BIG_SIZE}] : ctl[${SLOT.LO}] + big * ctl[${SLOT.BIG_SIZE}] + (c - big) * ctl[${SLOT.SIZE}];
    const hi = Math.min(ctl[${SLOT.HI}], lo + (c < big ? ctl[${SLOT.BIG_SIZE}] : ctl[${SLOT.SIZE}]));
    kernels[ctl[${SLOT.OP}]](ctl[${SLOT.ARGS}], ctl[${SLOT.ARGS + 1}], ctl[${SLOT.ARGS + 2}], ctl[${SLOT.ARGS + 3}], ctl[${SLOT.ARGS + 4}], ctl[${SLOT.ARGS + 5}], ctl[${SLOT.ARGS + 6}], lo, hi);
  } catch (e) {
    Atomics.store(ctl, ${SLOT.FAILED}, 1);
  }
}
function claimChunks(ctl, kernels, gen, hold) {
  const tag = gen & ${TAG_MASK};
  for (;;) {
    const w = Atomics.load(ctl, ${SLOT.CLAIM});
    if ((w >>> ${CHUNK_BITS}) !== tag) return;
    const c = w & ${CHUNK_MASK};
    const chunks = Atomics.load(ctl, ${SLOT.CHUNKS});
    if (c >= chunks) return;
    if (hold >= 0) Atomics.store(ctl, hold, w);
    if (Atomics.compareExchange(ctl, ${SLOT.CLAIM}, w, w + 1) !== w) continue;
    runChunk(ctl, kernels, c);
    Atomics.store(ctl, ${MARKS} + c, w);
    if (hold >= 0) Atomics.add(ctl, ${SLOT.WORKER_CHUNKS}, 1);
    if (Atomics.add(ctl, ${SLOT.DONE}, 1) + 1 === chunks) Atomics.notify(ctl, ${SLOT.DONE});
  }
}`;

export const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { memory, modules, spinMs, waitMs, epoch, slot } = workerData;
const ctl = new Int32Array(memory.buffer, 0, ${CONTROL_INTS});
const mine = ${WORKER_SLOTS} + slot * ${WORKER_SLOT_INTS};
${CLAIM_SOURCE}
${COMPOSED_SOURCE}
// The OS thread's id, so that the calling thread can tell that this thread is gone even
// when it was terminated without running another line of JavaScript (Linux only).
function osThreadId() {
  try {
    return Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop()) || 0;
  } catch (e) {
    return 0;
  }
}
Atomics.store(ctl, mine + ${WORKER.TID}, osThreadId());
let kernels;
try {
  const imports = { env: { memory } };
  kernels = ${JSON.stringify(POOL_KERNELS)}.map(([m, f]) => new WebAssembly.Instance(modules[m], imports).exports[f]);
  kernels.push(...composedKernels(kernels, memory, (m, f) => new WebAssembly.Instance(modules[m], imports).exports[f]));
} catch (e) {
  // Claim nothing: the calling thread runs every chunk of every job itself.
  kernels = undefined;
}
if (!kernels) Atomics.store(ctl, mine + ${WORKER.STATE}, ${WORKER_STATE.FAILED_START});
else {
  Atomics.store(ctl, mine + ${WORKER.STATE}, ${WORKER_STATE.RUNNING});
  try {
    let seen = workerData.generation;
    for (;;) {
      // Spin for spinMs by the clock (read every 256 loads: it costs more than a load), then
      // sleep; a sleep times out after waitMs (a bound, in case a wake-up is ever lost).
      let n = 0;
      let since = 0;
      let asleep = false;
      while (Atomics.load(ctl, ${SLOT.GEN}) === seen) {
        if (asleep) Atomics.wait(ctl, ${SLOT.GEN}, seen, waitMs);
        else if ((++n & 255) === 0) {
          const now = performance.now();
          if (!since) since = now;
          else if (now - since > spinMs) asleep = true;
        }
      }
      seen = Atomics.load(ctl, ${SLOT.GEN});
      if (Atomics.load(ctl, ${SLOT.EPOCH}) !== epoch) break;
      claimChunks(ctl, kernels, seen, mine + ${WORKER.HOLD});
    }
  } finally {
    // Whatever ended the loop (a new epoch, or an exception outside a chunk), this thread
    // claims nothing more: say so, and wake a caller waiting for chunks.
    Atomics.store(ctl, mine + ${WORKER.STATE}, ${WORKER_STATE.GONE});
    Atomics.notify(ctl, ${SLOT.DONE});
  }
}
`;
