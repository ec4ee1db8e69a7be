/**
 * Compute threads for the WebAssembly kernels. Workers share the kernels' memory, so a job
 * is only a few integers: the kernel, its pointer and size arguments, and one column range
 * per thread. Posting and collecting go through Atomics on a control block at address 0
 * rather than messages, because decoding issues a job per linear layer (~100 per token)
 * and a message round trip would cost more than a small job. Between jobs a worker spins
 * briefly (jobs come back to back within a forward pass), then sleeps in Atomics.wait.
 *
 * Control block (Int32): [0] job generation, [1] parts still running, [2] kernel, [3] parts,
 * [4] failure flag, [5] pool epoch (workers of an older pool exit when they see a newer
 * one), [8..14] kernel arguments, [16 + 2p, 17 + 2p] the column range of part p. Part 0 is
 * the calling thread; worker i does part i.
 */
import { Worker } from "node:worker_threads";
import type { KernelModules } from "./kernel-modules.js";
import type { WasmHeap } from "./wasm-heap.js";
import { CONTROL_INTS, MAX_PARTS, WORKER_SOURCE } from "./worker-source.js";

export const OP_LINEAR_NT = 0;
export const OP_MATMUL_NN = 1;

/** A kernel entry point: seven arguments, then the column range [lo, hi). */
export type KernelFn = (a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, lo: number, hi: number) => void;

/** Atomics.load iterations before sleeping: a few hundred microseconds. */
const SPIN = 1 << 16;

export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly workers: Worker[] = [];

  constructor(
    private readonly heap: WasmHeap,
    private readonly modules: KernelModules,
    private readonly local: readonly KernelFn[],
  ) {
    this.ctl = new Int32Array(heap.memory.buffer, 0, CONTROL_INTS);
    this.epoch = Atomics.add(this.ctl, 5, 1) + 1;
  }

  private readonly epoch: number;

  /** Worker threads started so far. */
  get workerCount(): number {
    return this.workers.length;
  }

  private ensure(parts: number): void {
    while (this.workers.length < parts - 1) {
      const id = this.workers.length + 1;
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory: this.heap.memory, modules: this.modules, id, spin: SPIN, epoch: this.epoch, generation: Atomics.load(this.ctl, 0) },
      });
      // Idle workers sleep in Atomics.wait; they must not keep the process alive.
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs kernel `op` with `args` over the column ranges [bounds[p], bounds[p+1]), part 0 on
   * this thread; returns when every part is done.
   */
  run(op: number, args: readonly number[], bounds: readonly number[]): void {
    const parts = bounds.length - 1;
    const f = this.local[op]!;
    if (parts <= 1) {
      f(args[0]!, args[1]!, args[2]!, args[3]!, args[4]!, args[5]!, args[6]!, bounds[0]!, bounds[1]!);
      return;
    }
    if (parts > MAX_PARTS) throw new Error(`at most ${MAX_PARTS} threads`);
    this.ensure(parts);
    const c = this.ctl;
    for (let i = 0; i < 7; i++) c[8 + i] = args[i]!;
    for (let p = 0; p < parts; p++) {
      c[16 + 2 * p] = bounds[p]!;
      c[17 + 2 * p] = bounds[p + 1]!;
    }
    c[2] = op;
    c[3] = parts;
    c[4] = 0;
    Atomics.store(c, 1, parts - 1);
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    let error: unknown;
    try {
      f(args[0]!, args[1]!, args[2]!, args[3]!, args[4]!, args[5]!, args[6]!, bounds[0]!, bounds[1]!);
    } catch (e) {
      error = e;
    }
    let n = 0;
    for (;;) {
      const pending = Atomics.load(c, 1);
      if (pending === 0) break;
      if (++n > SPIN) {
        Atomics.wait(c, 1, pending);
        n = 0;
      }
    }
    if (error) throw error;
    if (Atomics.load(c, 4)) throw new Error("a compute worker failed (kernel trap or instantiation error)");
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

/** parts + 1 boundaries splitting [lo, hi) into equal runs, each a multiple of `align` but the last. */
export function splitRange(lo: number, hi: number, parts: number, align: number): number[] {
  const chunk = Math.max(align, Math.ceil((hi - lo) / parts / align) * align);
  const b: number[] = [];
  for (let p = 0; p <= parts; p++) b.push(Math.min(hi, lo + p * chunk));
  b[parts] = hi;
  return b;
}
