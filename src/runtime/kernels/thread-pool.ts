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
 * The control block's slots are listed in worker-source.ts (SLOT, then the chunk marks and
 * one slot per worker); from TABLE_BYTES on it holds a job's argument table (linear_nt_set's
 * matrices, attend_heads' arguments): one job runs at a time, so one table serves them all.
 *
 * The protocol. A job is posted as: close the claim word (CLAIM := the new job's tag with
 * its chunk index at "none left"), write the job's fields, CHUNKS, then open the claim word
 * (CLAIM := tag, chunk 0), bump GEN and notify. A thread claims chunk c by a compare-exchange
 * of CLAIM from (tag, c) to (tag, c + 1), having checked c < CHUNKS; it then runs the
 * chunk, writes the chunk's mark (MARKS + c := its claim word) and adds one to DONE. The
 * caller returns when DONE reaches CHUNKS. A worker first writes the claim word it is about
 * to swap into its own HOLD slot, so that when it dies (its OS thread gone, or its loop
 * ended) the caller can tell which chunk it may have held and redo it (see
 * redoChunksOfDeadWorkers); a live worker that never finishes fails the job after STALL_MS.
 *
 * The hang of session 5 (a 2-thread bench-110m run asleep for 12 minutes) was not a lost
 * wake-up but a stale claim. The claim word then carried a 16-bit tag and a 16-bit index,
 * and the caller wrote the next job's fields (CHUNKS among them) before it replaced the
 * claim word. A thread that had just finished the last chunk of job g and looked at the
 * claim word again could read (g, chunks_g), then read CHUNKS already rewritten for job g+1
 * (larger), pass the check and swap (g, chunks_g) → (g, chunks_g + 1) before the caller
 * stored (g+1, 0): it ran a chunk with half-written arguments and counted it in job g+1's
 * DONE, which then went past CHUNKS. The caller waited for DONE === CHUNKS forever (asleep
 * in Atomics.wait then; spinning between 2 ms waits once the waits had timeouts). A stress
 * test (test/runtime/thread-pool.test.ts: tens of thousands of tiny jobs, 4 threads on 2
 * cores) hit it within ~60,000 jobs every time. Now the claim word is closed before any
 * field changes and CHUNKS is read atomically, so a claim of a finished job fails; the
 * tag has 22 bits (an ABA on the claim word needs a thread stalled between two adjacent
 * atomics for 4 million jobs), and a DONE past CHUNKS throws instead of waiting. Reviewed
 * and found sound: heap growth (shared memory grows in place, so every view of the first
 * page, in any thread, stays valid, and Atomics.wait/notify meet on the same address);
 * `ensure()` starting a worker between jobs (it starts from the current GEN and can claim
 * only through the claim word, whatever job it wakes into); `c[DONE] = 0` (every add of
 * the previous job happened before the caller saw DONE reach CHUNKS); several pools on one
 * heap (workers of an older epoch exit, and worker slots come from one counter).
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { KernelModules } from "./kernel-modules.js";
import { CONTROL_BYTES, type WasmHeap } from "./wasm-heap.js";
import {
  CHUNK_BITS, CHUNK_MASK, CLAIM_SOURCE, CONTROL_INTS, MARKS, MAX_CHUNKS, MAX_WORKER_SLOTS, OP_NAMES, SLOT, TAG_MASK, WORKER,
  WORKER_SLOT_INTS, WORKER_SLOTS, WORKER_SOURCE, WORKER_STATE,
} from "./worker-source.js";

export { OP_ATTEND_HEADS, OP_DEQUANT_Q8, OP_ENCODE_X16, OP_LINEAR_NT, OP_LINEAR_NT_BF16, OP_LINEAR_NT_SET, OP_LINEAR_Q8, OP_LINEAR_Q8X16, OP_MATMUL_NN, OP_SILU } from "./worker-source.js";

/** Byte address of the argument table in the control block (after the slots), and its size in ints. */
export const TABLE_BYTES = 16384;
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
 * Longest sleep in Atomics.wait before looking at the control block again (the calling
 * thread also looks for dead workers then). A bound, not a poll: no lost wake-up is known
 * (see "The hang of session 5" above).
 */
const WAIT_MS = 2;
/** The same bound for an idle worker (longer: an idle pool wakes 100 times a second). */
const WORKER_WAIT_MS = 10;
/**
 * How long a job may go without any chunk finishing, while a live worker holds one, before
 * `run` gives up with an error: far beyond any chunk's work (a chunk is a fraction of one
 * product), so only a worker stuck in a kernel or a thread the OS stopped gets there.
 */
const STALL_MS = 60_000;
/** Chunks per thread: enough to even out uneven progress, few enough to keep claims cheap. */
const CHUNKS_PER_THREAD = 4;
/** Threads a job is cut for at most, so that its 1 + CHUNKS_PER_THREAD chunks a thread fit MAX_CHUNKS. */
const MAX_CUT_THREADS = Math.floor(MAX_CHUNKS / (1 + CHUNKS_PER_THREAD));
/** Workers that died after starting are replaced at most this many times per pool. */
const MAX_RESTARTS = 4;

type Claim = (ctl: Int32Array, kernels: readonly KernelFn[], gen: number, hold: number) => void;
type RunChunk = (ctl: Int32Array, kernels: readonly KernelFn[], chunk: number) => void;
// The very functions the workers run (one source of truth for the claiming protocol).
const { claimChunks, runChunk } = new Function(`${CLAIM_SOURCE}; return { claimChunks, runChunk };`)() as { claimChunks: Claim; runChunk: RunChunk };

/**
 * How a job of `n` columns is cut: first `big` chunks of `bigSize` columns (about half the
 * job, one chunk a thread: long runs of rows for the kernel's streams), then chunks of
 * `size` columns (sizes multiples of `align`), small enough that the threads finish close
 * together even when one starts late or the OS takes its core for a while.
 */
export function chunking(n: number, threads: number, align: number): { big: number; bigSize: number; size: number; chunks: number } {
  const t = Math.min(threads, MAX_CUT_THREADS);
  const fit = (cols: number, parts: number) => Math.max(align, Math.ceil(cols / parts / align) * align);
  const bigSize = fit(n, 2 * t);
  const big = Math.min(t, Math.floor(n / bigSize));
  const rest = n - big * bigSize;
  const size = rest > 0 ? fit(rest, Math.min(MAX_CHUNKS - big, t * CHUNKS_PER_THREAD)) : bigSize;
  return { big, bigSize, size, chunks: big + Math.ceil(rest / size) };
}

interface PoolWorker {
  thread: Worker;
  /** Int32 index of its slot in the control block. */
  slot: number;
}

export interface ThreadPoolOptions {
  /** Milliseconds without progress before a job fails (tests shorten it). */
  stallMs?: number;
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  /** The argument table of the next job (at byte address TABLE_BYTES in the shared memory). */
  readonly table: Int32Array;
  /** The same table read as float32 (a job's float arguments). */
  readonly tableFloats: Float32Array;
  private readonly workers: PoolWorker[] = [];
  private readonly epoch: number;
  private readonly stallMs: number;
  private restarts = 0;
  /** A worker could not start (its kernels did not instantiate): do not try again. */
  private startFailed = false;
  private closed = false;
  /** Workers found dead during a job (their chunks were redone on the calling thread). */
  private lost = 0;
  /** The last worker error event, for messages. */
  private lastWorkerError = "";

  constructor(
    private readonly heap: WasmHeap,
    private readonly modules: KernelModules,
    private readonly local: readonly KernelFn[],
    options: ThreadPoolOptions = {},
  ) {
    this.ctl = new Int32Array(heap.memory.buffer, 0, CONTROL_INTS);
    this.table = new Int32Array(heap.memory.buffer, TABLE_BYTES, TABLE_INTS);
    this.tableFloats = new Float32Array(heap.memory.buffer, TABLE_BYTES, TABLE_INTS);
    this.epoch = Atomics.add(this.ctl, SLOT.EPOCH, 1) + 1;
    this.stallMs = options.stallMs ?? STALL_MS;
  }

  /** Chunks the worker threads have run (not the calling thread): shows that they take part. */
  get workerChunks(): number {
    return Atomics.load(this.ctl, SLOT.WORKER_CHUNKS);
  }

  /** Worker threads the pool has (started or starting, not known dead). */
  get workerCount(): number {
    return this.workers.length;
  }

  /** Workers that died while the pool ran a job: their chunks were redone on the calling thread. */
  get lostWorkers(): number {
    return this.lost;
  }

  private state(w: PoolWorker): number {
    return Atomics.load(this.ctl, w.slot + WORKER.STATE);
  }

  /**
   * Whether worker `w` can no longer run anything: its loop ended (it said so), it failed to
   * start, or (Linux) its OS thread is gone, which is how a terminated worker shows while
   * this thread is blocked in a job and cannot receive its 'exit' event.
   */
  private isGone(w: PoolWorker): boolean {
    const s = this.state(w);
    if (s === WORKER_STATE.GONE || s === WORKER_STATE.FAILED_START) return true;
    const tid = Atomics.load(this.ctl, w.slot + WORKER.TID);
    return tid > 0 && !existsSync(`/proc/self/task/${tid}`);
  }

  /** Drops worker `i` (known gone); one that never started means its successors would not either. */
  private forget(i: number): void {
    const [w] = this.workers.splice(i, 1);
    if (this.state(w!) === WORKER_STATE.FAILED_START) this.startFailed = true;
    else this.restarts++;
    void w!.thread.terminate();
  }

  /** Drops workers whose loop has ended (between jobs: they hold no chunk), then starts the missing ones. */
  private ensure(threads: number): void {
    for (let i = this.workers.length - 1; i >= 0; i--) {
      const s = this.state(this.workers[i]!);
      if (s === WORKER_STATE.GONE || s === WORKER_STATE.FAILED_START) this.forget(i);
    }
    if (this.closed || this.startFailed || this.restarts > MAX_RESTARTS) return;
    while (this.workers.length < threads - 1) {
      const n = Atomics.add(this.ctl, SLOT.NEXT_WORKER, 1) % MAX_WORKER_SLOTS;
      const slot = WORKER_SLOTS + n * WORKER_SLOT_INTS;
      Atomics.store(this.ctl, slot + WORKER.HOLD, CHUNK_MASK);
      Atomics.store(this.ctl, slot + WORKER.STATE, WORKER_STATE.STARTING);
      Atomics.store(this.ctl, slot + WORKER.TID, 0);
      let thread: Worker;
      try {
        thread = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { memory: this.heap.memory, modules: this.modules, spinMs: SPIN_MS, waitMs: WORKER_WAIT_MS, epoch: this.epoch, slot: n, generation: Atomics.load(this.ctl, SLOT.GEN) },
        });
      } catch (e) {
        this.startFailed = true;
        this.lastWorkerError = `a worker thread could not be created: ${e instanceof Error ? e.message : String(e)}`;
        return;
      }
      const w = { thread, slot };
      // Idle workers sleep in Atomics.wait; they must not keep the process alive.
      thread.unref();
      // A worker that throws outside a chunk or exits says so in its slot (its `finally`);
      // these catch what leaves it no chance to (a terminated isolate, a failed start),
      // whenever this thread's event loop runs.
      thread.on("error", (e) => {
        this.lastWorkerError = `a worker thread failed: ${e instanceof Error ? e.message : String(e)}`;
      });
      thread.on("exit", () => {
        if (!this.workers.includes(w)) return;
        const s = this.state(w);
        if (s === WORKER_STATE.STARTING || s === WORKER_STATE.RUNNING) Atomics.compareExchange(this.ctl, slot + WORKER.STATE, s, WORKER_STATE.GONE);
      });
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
    const gen = (c[SLOT.GEN]! + 1) | 0;
    const tag = gen & TAG_MASK;
    // First close the claim word of the finished job (its chunk index at "none left", under
    // the new tag), so that no thread still in the old job's claim loop can claim while the
    // fields below change (see "The hang of session 5").
    Atomics.store(c, SLOT.CLAIM, (tag << CHUNK_BITS) | CHUNK_MASK);
    c[SLOT.DONE] = 0;
    c[SLOT.OP] = op;
    c[SLOT.FAILED] = 0;
    c[SLOT.LO] = lo;
    for (let i = 0; i < 7; i++) c[SLOT.ARGS + i] = args[i]!;
    c[SLOT.HI] = hi;
    c[SLOT.BIG_SIZE] = bigSize;
    c[SLOT.BIG] = big;
    c[SLOT.SIZE] = size;
    Atomics.store(c, SLOT.CHUNKS, chunks);
    Atomics.store(c, SLOT.CLAIM, tag << CHUNK_BITS);
    Atomics.store(c, SLOT.GEN, gen);
    Atomics.notify(c, SLOT.GEN);
    claimChunks(c, this.local, gen, -1);
    // What is left are chunks other threads claimed and are still running. A short spin
    // only: a thread still running a chunk here may be one the OS descheduled, and on a
    // machine with as many cores as threads spinning on keeps it off the core.
    for (let n = 0; Atomics.load(c, SLOT.DONE) < chunks; ) {
      if (++n > FINISH_SPIN) {
        this.awaitChunks(op, tag, chunks);
        break;
      }
    }
    const done = Atomics.load(c, SLOT.DONE);
    if (done !== chunks) throw new Error(`thread pool: ${done} chunks counted done for a ${opName(op)} job of ${chunks} (a claim leaked from another job: a bug)`);
    if (Atomics.load(c, SLOT.FAILED)) throw new Error(`a ${opName(op)} kernel failed (out-of-bounds access in a worker thread or on this one)`);
  }

  /**
   * Sleeps until the job's last chunks are done, redoing on this thread the chunk of any
   * worker that died holding one; fails when nothing finishes for `stallMs`.
   */
  private awaitChunks(op: number, tag: number, chunks: number): void {
    const c = this.ctl;
    let last = Atomics.load(c, SLOT.DONE);
    let since = performance.now();
    for (;;) {
      const done = Atomics.load(c, SLOT.DONE);
      if (done >= chunks) return;
      Atomics.wait(c, SLOT.DONE, done, WAIT_MS);
      this.redoChunksOfDeadWorkers(tag, chunks);
      const now = Atomics.load(c, SLOT.DONE);
      if (now !== last) {
        last = now;
        since = performance.now();
      } else if (performance.now() - since > this.stallMs) {
        const held = this.workers.map((w) => Atomics.load(c, w.slot + WORKER.HOLD)).filter((h) => h >>> CHUNK_BITS === tag && Atomics.load(c, MARKS + (h & CHUNK_MASK)) !== h);
        this.close();
        throw new Error(
          `thread pool: no chunk of a ${opName(op)} job finished for ${this.stallMs < 1000 ? `${this.stallMs} ms` : `${Math.round(this.stallMs / 1000)} s`}; worker threads hold chunks ` +
            `${held.map((h) => h & CHUNK_MASK).join(", ") || "(none known)"} of ${chunks} (a kernel that does not return, or a thread the OS stopped)` +
            `${this.lastWorkerError ? `; ${this.lastWorkerError}` : ""}. The pool's workers were stopped: later jobs run on the calling thread.`,
        );
      }
    }
  }

  /**
   * A worker that died holding a chunk of this job never counts it done: run it here. Its
   * HOLD slot names the chunk, but it is written before the claim, so the claim may have
   * gone to another thread; that thread wrote the same word to its own slot first and
   * marks the chunk done before it writes anything else there. Hence the slots are read
   * before the marks, and a chunk is redone only if no live worker names it.
   */
  private redoChunksOfDeadWorkers(tag: number, chunks: number): void {
    const c = this.ctl;
    const holds = this.workers.map((w) => Atomics.load(c, w.slot + WORKER.HOLD));
    const gone = this.workers.map((w) => this.isGone(w));
    if (!gone.includes(true)) return;
    for (let i = 0; i < holds.length; i++) {
      const h = holds[i]!;
      const chunk = h & CHUNK_MASK;
      if (!gone[i] || h >>> CHUNK_BITS !== tag || chunk >= chunks || Atomics.load(c, MARKS + chunk) === h) continue;
      if (holds.some((o, j) => o === h && !gone[j])) continue;
      runChunk(c, this.local, chunk);
      Atomics.store(c, MARKS + chunk, h);
      Atomics.add(c, SLOT.DONE, 1);
    }
    // Forget the dead workers whose chunk is settled (done, or not of this job).
    for (let i = holds.length - 1; i >= 0; i--) {
      const h = holds[i]!;
      if (!gone[i] || (h >>> CHUNK_BITS === tag && (h & CHUNK_MASK) < chunks && Atomics.load(c, MARKS + (h & CHUNK_MASK)) !== h)) continue;
      this.forget(i);
      this.lost++;
    }
  }

  /** Stops the workers: a new epoch makes them exit at their next look at the control block. */
  close(): void {
    this.closed = true;
    if (!this.workers.length) return;
    Atomics.add(this.ctl, SLOT.EPOCH, 1);
    Atomics.add(this.ctl, SLOT.GEN, 1);
    Atomics.notify(this.ctl, SLOT.GEN);
    for (const w of this.workers) void w.thread.terminate();
    this.workers.length = 0;
  }
}

function opName(op: number): string {
  return OP_NAMES[op] ?? `op ${op}`;
}
