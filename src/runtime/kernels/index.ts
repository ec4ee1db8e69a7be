/**
 * The fast path of the runtime: WebAssembly SIMD kernels over one shared memory, run by a
 * pool of worker threads. Everything here is optional: `kernels()` is undefined when the
 * binaries are missing or disabled (ARCHC_KERNELS=js), and the ops keep their TypeScript
 * implementations, which compute the same results within float32 rounding.
 */
import { availableParallelism } from "node:os";
import { Tensor } from "../tensor.js";
import { DeferredTensor } from "../weights/deferred.js";
import { PackedTensor } from "../weights/packed.js";
import { compileKernels, findKernelDir, findRelaxedDir, type KernelModules, type KernelName } from "./kernel-modules.js";
import { ThreadPool, type KernelFn } from "./thread-pool.js";
import { WasmHeap } from "./wasm-heap.js";
import { COMPOSED_SOURCE, POOL_KERNELS } from "./worker-source.js";
import { setActivationHeap } from "./activation-scope.js";

// The very kernels the workers compose (one source for both sides, as the claiming protocol).
const composedKernels = new Function(`${COMPOSED_SOURCE}; return composedKernels;`)() as (
  kernels: readonly KernelFn[], memory: WebAssembly.Memory, exportOf: (module: KernelName, name: string) => unknown,
) => KernelFn[];

export { compileKernels, findKernelDir, findRelaxedDir, KERNEL_NAMES, type KernelModules, type KernelName } from "./kernel-modules.js";
export { WasmHeap } from "./wasm-heap.js";

export interface Kernels {
  heap: WasmHeap;
  pool: ThreadPool;
  modules: KernelModules;
  /** Where the modules came from (a folder, or "memory"). */
  origin: string;
  /** Built with relaxed SIMD's fused multiply-add (f32x4.relaxed_madd) or plain SIMD mul + add. */
  simd: "relaxed" | "plain";
}

let heap: WasmHeap | undefined;
/** undefined: not looked for yet; null: unavailable. */
let state: Kernels | null | undefined;
let threads = defaultThreads();

function defaultThreads(): number {
  const env = Number(process.env.ARCHC_THREADS);
  // More threads than cores only costs memory (a worker each): the environment cannot ask for more.
  return Number.isInteger(env) && env > 0 ? Math.min(env, availableParallelism()) : availableParallelism();
}

/** The heap is created once per process: weights copied into it stay valid if the kernels are swapped. */
function sharedHeap(): WasmHeap {
  heap ??= new WasmHeap();
  return heap;
}

function instantiate(modules: KernelModules, origin: string, simd: Kernels["simd"]): Kernels {
  const h = sharedHeap();
  const imports = { env: { memory: h.memory } };
  const local = POOL_KERNELS.map(([m, f]) => new WebAssembly.Instance(modules[m], imports).exports[f] as KernelFn);
  local.push(...composedKernels(local, h.memory, (m, f) => new WebAssembly.Instance(modules[m], imports).exports[f]));
  return { heap: h, pool: new ThreadPool(h, modules, local), modules, origin, simd };
}

/** The kernels, loaded on first use; undefined when the runtime runs on its TypeScript kernels. */
export function kernels(): Kernels | undefined {
  if (state === undefined) {
    state = null;
    if (process.env.ARCHC_KERNELS !== "js") {
      const dir = findKernelDir();
      if (dir) {
        try {
          // Relaxed SIMD (fused multiply-add) where the engine runs it, unless
          // ARCHC_RELAXED_SIMD=0; =1 turns it on in engines that have it behind a flag.
          const want = process.env.ARCHC_RELAXED_SIMD;
          const relaxed = want === "0" ? undefined : findRelaxedDir(dir, want === "1");
          state = relaxed ? instantiate(compileKernels(relaxed), relaxed, "relaxed") : instantiate(compileKernels(dir), dir, "plain");
        } catch {
          // An engine without SIMD or shared memory: stay on the TypeScript kernels.
          state = null;
        }
      }
    }
  }
  return state ?? undefined;
}

// Activations made inside a forward call's scope go to the kernels' heap (activation-scope.ts).
setActivationHeap(() => kernels()?.heap);

/** Instances of kernel modules for the calling thread, per loaded kernel set (see `callerExport`). */
const callerInstances = new WeakMap<Kernels, Map<KernelName, WebAssembly.Instance>>();

/**
 * Export `name` of kernel module `module`, instantiated once per kernel set on the calling
 * thread, for kernels that are not pool jobs (RMSNorm, RoPE, elementwise arithmetic: a few
 * microseconds each); undefined on the TypeScript kernels.
 */
export function callerExport<F>(module: KernelName, name: string): F | undefined {
  const k = kernels();
  if (!k) return undefined;
  let instances = callerInstances.get(k);
  if (!instances) callerInstances.set(k, (instances = new Map()));
  let instance = instances.get(module);
  if (!instance) instances.set(module, (instance = new WebAssembly.Instance(k.modules[module], { env: { memory: k.heap.memory } })));
  return instance.exports[name] as F;
}

/** Switches to the given modules (tests build them in memory), or to the TypeScript kernels with null. */
export function useKernels(modules: KernelModules | null, origin = "memory", simd: Kernels["simd"] = "plain"): void {
  state?.pool.close();
  state = modules ? instantiate(modules, origin, simd) : null;
}

/** Threads that compute (the calling thread included); default: every core, or ARCHC_THREADS. */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`threads must be a positive integer, got ${n}`);
  threads = n;
}

export function getThreads(): number {
  return threads;
}

/** Multiply-adds below which a job runs on the calling thread alone: posting it would cost more. */
const MIN_PARALLEL_WORK = 1 << 17;

/** How many threads a job of `work` multiply-adds gets. */
export function partsFor(work: number): number {
  return work < MIN_PARALLEL_WORK ? 1 : threads;
}

/** The kernel path taken, for reports: "wasm-relaxed-simd" (fused multiply-add), "wasm-simd" or "js". */
export function kernelBackend(): string {
  const k = kernels();
  return k ? (k.simd === "relaxed" ? "wasm-relaxed-simd" : "wasm-simd") : "js";
}

/** A float32 array in the kernels' shared memory (for weights), or undefined on the TypeScript path. */
export function sharedArray(n: number): Float32Array | undefined {
  return kernels()?.heap.allocArray(n);
}

/** Bytes in the kernels' shared memory (bfloat16 and int8 weights), or undefined on the TypeScript path. */
export function sharedBytes(n: number): Uint8Array | undefined {
  return kernels()?.heap.allocBytes(n);
}

/**
 * `t` with its data in the kernels' shared memory, copied there once, so that every later
 * product reads it in place (and worker threads can). Unchanged on the TypeScript path or
 * when the 4 GiB wasm address space is full.
 */
export function toSharedMemory(t: Tensor): Tensor {
  const k = kernels();
  // A deferred or packed weight is already in the heap (and reading .data would load it
  // whole, or widen it to float32).
  if (!k || t instanceof DeferredTensor || t instanceof PackedTensor || k.heap.contains(t.data)) return t;
  const a = k.heap.allocArray(t.data.length);
  if (!a) return t;
  a.set(t.data);
  return new Tensor(a, t.shape);
}
