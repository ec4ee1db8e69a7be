/**
 * Compute threads for the WebAssembly kernels. Workers share the kernels' memory, so a job
 * is only a few integers: the kernel, its pointer and size arguments, and a column range
 * cut into chunks. Posting and collecting go through Atomics on a control block at address
 * 0 rather than messages, because decoding issues a job per linear layer (~100 per token)
 * and a message round trip would cost more than a small job.
 *
 * Every thread, the calling one included, claims chunks from a shared counter until none
 * is left, so a worker that the OS has not scheduled (or that is still starting) delays
 * nothing: the others take its share. Between jobs a worker spins briefly (within a
 * forward pass jobs come back to back), then sleeps in Atomics.wait.
 *
 * Control block (Int32): [0] job generation, [1] chunks done, [2] kernel, [3] chunks,
 * [4] failure flag, [5] pool epoch (workers of an older pool exit), [6] chunk counter
 * (generation << 16 | next chunk), [7] first column, [8..14] kernel arguments,
 * [15] end column, [16] columns per big chunk, [17] chunks run by workers (a statistic),
 * [18] big chunks (they come first), [19] columns per chunk after them.
 * The rest of the block, from TABLE_BYTES on, holds a job's argument table (linear_nt_set's
 * matrices, attend_heads' arguments): one job runs at a time, so one table serves them all.
 */
import { Worker } from "node:worker_threads";
import type { KernelModules } from "./kernel-modules.js";
import { CONTROL_BYTES, type WasmHeap } from "./wasm-heap.js";
import { CLAIM_SOURCE, CONTROL_INTS, WORKER_SOURCE } from "./worker-source.js";

export { OP_ATTEND_HEADS, OP_DEQUANT_Q8, OP_ENCODE_X16, OP_LINEAR_NT, OP_LINEAR_NT_BF16, OP_LINEAR_NT_SET, OP_LINEAR_Q8, OP_LINEAR_Q8X16, OP_MATMUL_NN, OP_SILU } from "./worker-source.js";

/** Byte address of the argument table in the control block, and its size in ints. */
export const TABLE_BYTES = 1024;
const TABLE_INTS = (CONTROL_BYTES - TABLE_BYTES) / 4;

/** A kernel entry point: seven arguments, then the column range [lo, hi). */
export type KernelFn = (a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, lo: number, hi: number) => void;

/**
 * Milliseconds a thread spins on the control block before it sleeps in Atomics.wait. By the
 * clock, not by a count of loads: optimized, 2^16 loads took ~20 µs, shorter than the
 * serial JavaScript between two jobs of a decode step, so the worker slept between most
 * jobs and woke ~50–300 µs into the next one (jobs of bench-15m take 30–60 µs).
 */
const SPIN_MS = 1;
/** Atomics.load iterations the calling thread spins for the other threads' last chunks (~20 µs). */
const FINISH_SPIN = 1 << 16;
/**
 * Longest sleep in Atomics.wait before looking at the control block again. A bound, not a
 * poll: a 2-thread bench-110m run at main 5d7a9da hung with both threads asleep in
 * Atomics.wait (a wake-up lost, plausibly because the two threads' views of the control
 * block come from different buffer objects of the grown wasm memory); a worker that misses
 * one leaves every chunk to the calling thread until the next job that does wake it.
 */
const WAIT_MS = 2;
/** The same bound for an idle worker (longer: an idle pool wakes 100 times a second). */
const WORKER_WAIT_MS = 10;
/** Chunks per thread: enough to even out uneven progress, few enough to keep claims cheap. */
const CHUNKS_PER_THREAD = 4;
const MAX_CHUNKS = 0xffff;


type Claim = (ctl: Int32Array, kernels: readonly KernelFn[], gen: number, worker: boolean) => void;
// The very function the workers run (one source of truth for the claiming protocol).
const claimChunks = new Function(`${CLAIM_SOURCE}; return claimChunks;`)() as Claim;

/**
 * How a job of `n` columns is cut: first `big` chunks of `bigSize` columns (about half the
 * job, one chunk a thread: long runs of rows for the kernel's streams), then chunks of
 * `size` columns (sizes multiples of `align`), small enough that the threads finish close
 * together even when one starts late or the OS takes its core for a while.
 */
export function chunking(n: number, threads: number, align: number): { big: number; bigSize: number; size: number; chunks: number } {
  const fit = (cols: number, parts: number) => Math.max(align, Math.ceil(cols / parts / align) * align);
  const bigSize = fit(n, 2 * threads);
  const big = Math.min(threads, Math.floor(n / bigSize));
  const rest = n - big * bigSize;
  const size = rest > 0 ? fit(rest, Math.min(MAX_CHUNKS - big, threads * CHUNKS_PER_THREAD)) : bigSize;
  return { big, bigSize, size, chunks: big + Math.ceil(rest / size) };
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  /** The argument table of the next job (at byte address TABLE_BYTES in the shared memory). */
  readonly table: Int32Array;
  /** The same table read as float32 (a job's float arguments). */
  readonly tableFloats: Float32Array;
  private readonly workers: Worker[] = [];
  private readonly epoch: number;

  constructor(
    private readonly heap: WasmHeap,
    private readonly modules: KernelModules,
    private readonly local: readonly KernelFn[],
  ) {
    this.ctl = new Int32Array(heap.memory.buffer, 0, CONTROL_INTS);
    this.table = new Int32Array(heap.memory.buffer, TABLE_BYTES, TABLE_INTS);
    this.tableFloats = new Float32Array(heap.memory.buffer, TABLE_BYTES, TABLE_INTS);
    this.epoch = Atomics.add(this.ctl, 5, 1) + 1;
  }

  /** Chunks the worker threads have run (not the calling thread): shows that they take part. */
  get workerChunks(): number {
    return Atomics.load(this.ctl, 17);
  }

  /** Worker threads started so far. */
  get workerCount(): number {
    return this.workers.length;
  }

  private ensure(threads: number): void {
    while (this.workers.length < threads - 1) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory: this.heap.memory, modules: this.modules, spinMs: SPIN_MS, waitMs: WORKER_WAIT_MS, epoch: this.epoch, generation: Atomics.load(this.ctl, 0) },
      });
      // Idle workers sleep in Atomics.wait; they must not keep the process alive.
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs kernel `op` with `args` over the columns [lo, hi) on `threads` threads (this one
   * included), in chunks whose sizes are multiples of `align`; returns when all are done.
   */
  run(op: number, args: readonly number[], lo: number, hi: number, threads: number, align: number): void {
    if (threads <= 1 || hi - lo <= align) {
      this.local[op]!(args[0]!, args[1]!, args[2]!, args[3]!, args[4]!, args[5]!, args[6]!, lo, hi);
      return;
    }
    this.ensure(threads);
    const { big, bigSize, size, chunks } = chunking(hi - lo, threads, align);
    const c = this.ctl;
    const gen = (c[0]! + 1) | 0;
    c[1] = 0;
    c[2] = op;
    c[3] = chunks;
    c[4] = 0;
    c[7] = lo;
    for (let i = 0; i < 7; i++) c[8 + i] = args[i]!;
    c[15] = hi;
    c[16] = bigSize;
    c[18] = big;
    c[19] = size;
    Atomics.store(c, 6, (gen & 0xffff) << 16);
    Atomics.store(c, 0, gen);
    Atomics.notify(c, 0);
    claimChunks(c, this.local, gen, false);
    // What is left are chunks other threads claimed and are still running.
    let n = 0;
    // A short spin only: a thread still running a chunk here may be one the OS descheduled,
    // and on a machine with as many cores as threads spinning on keeps it off the core.
    for (;;) {
      const done = Atomics.load(c, 1);
      if (done === chunks) break;
      if (++n > FINISH_SPIN) {
        Atomics.wait(c, 1, done, WAIT_MS);
        n = 0;
      }
    }
    if (Atomics.load(c, 4)) throw new Error("a kernel failed (out-of-bounds access in a worker thread or on this one)");
  }

  /** Stops the workers: a new epoch makes them exit at their next look at the control block. */
  close(): void {
    if (!this.workers.length) return;
    Atomics.add(this.ctl, 5, 1);
    Atomics.add(this.ctl, 0, 1);
    Atomics.notify(this.ctl, 0);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
