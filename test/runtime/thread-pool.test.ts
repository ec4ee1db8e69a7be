// The thread pool's protocol under stress and when a worker fails. Each test has a heap
// (and so a control block) and a pool of its own. Kernels that misbehave on the workers
// only (hang, trap) are small .wat modules that stand in for linear.wat; the calling
// thread's kernels are JavaScript written here, so the right answer is known exactly.
import { existsSync } from "node:fs";
import type { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";
import { WasmHeap, type KernelModules } from "../../src/runtime/kernels/index.js";
import { OP_LINEAR_NT, OP_SILU, ThreadPool, type KernelFn } from "../../src/runtime/kernels/thread-pool.js";
import { POOL_KERNELS } from "../../src/runtime/kernels/worker-source.js";
import { loadTestKernels } from "./kernel-modules.js";

let modules: KernelModules;

beforeAll(async () => {
  modules = await loadTestKernels();
});

function localKernels(heap: WasmHeap): KernelFn[] {
  const imports = { env: { memory: heap.memory } };
  return POOL_KERNELS.map(([m, f]) => new WebAssembly.Instance(modules[m], imports).exports[f] as KernelFn);
}

/** A stand-in for linear.wat whose linear_nt, on a worker, is `body` (arguments a0..a8). */
async function linearModule(body: string): Promise<WebAssembly.Module> {
  const { default: init } = await import("wabt");
  const wabt = await init();
  const params = "(param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $a4 i32) (param $a5 i32) (param $a6 i32) (param $lo i32) (param $hi i32)";
  const wat = `(module
    (import "env" "memory" (memory 1 65536 shared))
    (func (export "linear_nt") ${params} ${body})
    (func (export "linear_nt_bf16") ${params}))`;
  const mod = wabt.parseWat("stand-in.wat", wat, { threads: true });
  try {
    return new WebAssembly.Module(mod.toBinary({}).buffer as Uint8Array<ArrayBuffer>);
  } finally {
    mod.destroy();
  }
}

/**
 * Runs SiLU jobs until the pool's worker has taken part in one. It starts in the background,
 * slowly on a loaded machine (the full suite runs files in parallel), and a worker woken
 * from its sleep can find a small job already done: so jobs of ~1 ms come back to back (a
 * worker spins between them), with a turn of the event loop between bursts, for up to 15 s.
 */
async function untilWorkersRun(pool: ThreadPool, heap: WasmHeap, threads: number): Promise<void> {
  const n = 1 << 20;
  const x = heap.allocArray(n)!;
  const y = heap.allocArray(n)!;
  const deadline = Date.now() + 15_000;
  while (pool.workerChunks === 0 && Date.now() < deadline) {
    for (let i = 0; i < 10 && pool.workerChunks === 0; i++) pool.run(OP_SILU, [x.byteOffset, y.byteOffset, 0, 0, 0, 0, 0], 0, n, threads, 4);
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(pool.workerChunks).toBeGreaterThan(0);
}

/** The pool's worker threads (private: a test reaches in to kill one). */
function threadsOf(pool: ThreadPool): Worker[] {
  return (pool as unknown as { workers: { thread: Worker }[] }).workers.map((w) => w.thread);
}

/** y[col] = col + 0.5 over [lo, hi) of the float32 array at a3 (where linear_nt writes y). */
function fillKernel(heap: WasmHeap, onCall?: () => void): KernelFn {
  return (_a0, _a1, _a2, y, _a4, _a5, _a6, lo, hi) => {
    onCall?.();
    const out = new Float32Array(heap.memory.buffer, y, hi);
    for (let i = lo; i < hi; i++) out[i] = i + 0.5;
  };
}

describe("thread pool", () => {
  it("runs many tiny jobs of changing chunk counts on more threads than cores, every result whole", () => {
    // A thread that finished the last chunk of a job and looks at the claim word again
    // while the next job is being written must claim nothing: in session 5 such a thread
    // could claim a chunk of the finished job, which counted one chunk too many in the
    // next job (a hang, or a job returned before its last chunk). Oversubscribed threads
    // are preempted often, and this test hit that within ~60,000 jobs every time.
    const heap = new WasmHeap();
    const pool = new ThreadPool(heap, modules, localKernels(heap));
    const local = localKernels(heap);
    const n = 4000;
    const x = heap.allocArray(n)!;
    for (let i = 0; i < n; i++) x[i] = (i % 97) / 10 - 4;
    const want = heap.allocArray(n)!;
    local[OP_SILU]!(x.byteOffset, want.byteOffset, 0, 0, 0, 0, 0, 0, n);
    const ys = [heap.allocArray(n)!, heap.allocArray(n)!];
    const sizes = [8, 40, 400, 1200, 4000, 16, 2000];
    try {
      for (const [threads, jobs] of [[4, 60_000], [2, 30_000]] as const) {
        for (let j = 0; j < jobs; j++) {
          const cols = sizes[j % sizes.length]!;
          const y = ys[j & 1]!;
          y.fill(Number.NaN, 0, cols);
          pool.run(OP_SILU, [x.byteOffset, y.byteOffset, 0, 0, 0, 0, 0], 0, cols, threads, 4);
          for (let i = 0; i < cols; i++) if (y[i] !== want[i]) expect.fail(`job ${j} (${threads} threads, ${cols} columns): column ${i} is ${y[i]}, expected ${want[i]}`);
        }
      }
    } finally {
      pool.close();
    }
  }, 60_000);

  // The calling thread sees a terminated worker's OS thread gone from /proc (Linux); elsewhere it waits for the stall limit.
  it.skipIf(!existsSync("/proc/thread-self"))("redoes on the calling thread the chunk of a worker terminated in the middle of it", async () => {
    const heap = new WasmHeap();
    const entered = heap.allocArray(16)!;
    const flags = new Int32Array(heap.memory.buffer, entered.byteOffset, 2);
    // On the worker, linear_nt says it has started, then spins until a flag that no one sets.
    const stuck = await linearModule(
      "(i32.atomic.store (local.get $a0) (i32.const 1)) (loop $spin (br_if $spin (i32.eqz (i32.atomic.load (local.get $a1)))))",
    );
    const local = localKernels(heap);
    let pool: ThreadPool | undefined = undefined;
    let killed = false;
    // The calling thread's first chunk waits for the worker to be inside its chunk, then kills it.
    local[OP_LINEAR_NT] = fillKernel(heap, () => {
      if (killed) return;
      while (Atomics.load(flags, 0) === 0);
      for (const t of threadsOf(pool!)) void t.terminate();
      killed = true;
    });
    pool = new ThreadPool(heap, { ...modules, linear: stuck }, local);
    try {
      await untilWorkersRun(pool, heap, 2);
      const y = heap.allocArray(1000)!;
      pool.run(OP_LINEAR_NT, [flags.byteOffset, flags.byteOffset + 4, 0, y.byteOffset, 1, 1, 1000], 0, 1000, 2, 8);
      expect(killed).toBe(true);
      expect(pool.lostWorkers).toBe(1);
      for (let i = 0; i < 1000; i++) expect(y[i]).toBe(i + 0.5);
      // The pool goes on.
      y.fill(0);
      pool.run(OP_LINEAR_NT, [flags.byteOffset, flags.byteOffset + 4, 0, y.byteOffset, 1, 1, 1000], 0, 1000, 1, 8);
      for (let i = 0; i < 1000; i++) expect(y[i]).toBe(i + 0.5);
    } finally {
      pool.close();
    }
  }, 20_000);

  it("fails with a clear error, instead of hanging, when a live worker's chunk never finishes", async () => {
    const heap = new WasmHeap();
    const flags = new Int32Array(heap.memory.buffer, heap.allocArray(16)!.byteOffset, 2);
    const stuck = await linearModule(
      "(i32.atomic.store (local.get $a0) (i32.const 1)) (loop $spin (br_if $spin (i32.eqz (i32.atomic.load (local.get $a1)))))",
    );
    const local = localKernels(heap);
    // The calling thread waits until the worker holds a chunk, so that one is left to it.
    local[OP_LINEAR_NT] = fillKernel(heap, () => {
      while (Atomics.load(flags, 0) === 0);
    });
    const pool = new ThreadPool(heap, { ...modules, linear: stuck }, local, { stallMs: 300 });
    try {
      await untilWorkersRun(pool, heap, 2);
      const y = heap.allocArray(1000)!;
      expect(() => pool.run(OP_LINEAR_NT, [flags.byteOffset, flags.byteOffset + 4, 0, y.byteOffset, 1, 1, 1000], 0, 1000, 2, 8)).toThrow(
        /no chunk of a linear_nt job finished for 300 ms; worker threads hold chunks \d+ of 10/,
      );
      // Its workers stopped, the pool runs later jobs on the calling thread.
      expect(pool.workerCount).toBe(0);
      y.fill(0);
      pool.run(OP_LINEAR_NT, [flags.byteOffset, flags.byteOffset + 4, 0, y.byteOffset, 1, 1, 1000], 0, 1000, 2, 8);
      for (let i = 0; i < 1000; i++) expect(y[i]).toBe(i + 0.5);
    } finally {
      pool.close();
    }
  }, 20_000);

  it("reports a kernel that traps on a worker, and runs the next job", async () => {
    const heap = new WasmHeap();
    const trap = await linearModule("unreachable");
    const local = localKernels(heap);
    let pool: ThreadPool | undefined = undefined;
    let calls = 0;
    // The calling thread's first chunk waits until the worker has run (and failed) one.
    local[OP_LINEAR_NT] = fillKernel(heap, () => {
      if (calls++ === 0) while (pool!.workerChunks === before);
    });
    pool = new ThreadPool(heap, { ...modules, linear: trap }, local);
    await untilWorkersRun(pool, heap, 2);
    const before = pool.workerChunks;
    try {
      const y = heap.allocArray(1000)!;
      expect(() => pool.run(OP_LINEAR_NT, [0, 0, 0, y.byteOffset, 1, 1, 1000], 0, 1000, 2, 8)).toThrow(/a linear_nt kernel failed/);
      const x = heap.allocArray(4096)!;
      const z = heap.allocArray(4096)!;
      x.fill(1);
      pool.run(OP_SILU, [x.byteOffset, z.byteOffset, 0, 0, 0, 0, 0], 0, 4096, 2, 4);
      expect(z[4095]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    } finally {
      pool.close();
    }
  }, 20_000);

  it("runs every job on the calling thread when a worker cannot instantiate the kernels, and starts no more of them", async () => {
    const heap = new WasmHeap();
    const { default: init } = await import("wabt");
    const wabt = await init();
    const mod = wabt.parseWat("missing.wat", '(module (import "env" "missing" (func)))', {});
    const unlinkable = new WebAssembly.Module(mod.toBinary({}).buffer as Uint8Array<ArrayBuffer>);
    mod.destroy();
    const local = localKernels(heap);
    const pool = new ThreadPool(heap, { ...modules, quant: unlinkable }, local);
    try {
      const x = heap.allocArray(4096)!;
      const y = heap.allocArray(4096)!;
      x.fill(2);
      // Until the worker has started (and failed; slowly on a loaded machine), and some more jobs after.
      const deadline = Date.now() + 15_000;
      for (let i = 0; i < 20 || (pool.workerCount > 0 && Date.now() < deadline); i++) {
        y.fill(0);
        pool.run(OP_SILU, [x.byteOffset, y.byteOffset, 0, 0, 0, 0, 0], 0, 4096, 2, 4);
        expect(y[0]).toBeCloseTo(2 / (1 + Math.exp(-2)), 6);
        expect(y[4095]).toBeCloseTo(2 / (1 + Math.exp(-2)), 6);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(pool.workerChunks).toBe(0);
      expect(pool.workerCount).toBe(0);
    } finally {
      pool.close();
    }
  }, 20_000);
});
