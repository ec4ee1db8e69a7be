/**
 * Operands of one kernel call placed in the shared memory: arrays already there (weights)
 * are used in place, others are copied into temporary blocks, and outputs get temporary
 * blocks; `release` gives every temporary block back. A full heap sets `failed`, and the
 * caller then takes the TypeScript path.
 */
import type { WasmHeap } from "./wasm-heap.js";
import { heapActivation } from "./activation-scope.js";

export class Staging {
  /** Temporary blocks as (address, bytes) pairs; created on first use (most calls stage nothing). */
  private temps: number[] | undefined;
  /** Results placed in the open forward scope's activations (a call has one or two). */
  private results: Float32Array[] | undefined;
  failed = false;

  constructor(readonly heap: WasmHeap) {}

  /** The wasm address of `a`'s data (float32 values, or the bytes of a packed weight). */
  input(a: Float32Array | Uint8Array): number {
    if (this.heap.contains(a)) return a.byteOffset;
    const p = this.bytes(a.byteLength);
    if (!this.failed) new Uint8Array(this.heap.buffer, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return p;
  }

  /** A temporary block of `n` floats (uninitialised). */
  output(n: number): number {
    return this.bytes(n * 4);
  }

  /**
   * A block of `n` floats for the call's result (uninitialised): an activation of the open
   * forward scope when there is one (handed out in place by `take`), else a temporary.
   */
  result(n: number): number {
    const a = heapActivation(n);
    if (!a) return this.output(n);
    (this.results ??= []).push(a);
    return a.byteOffset;
  }

  /** The `n` floats of the result at `ptr` (from `result`) as an array the caller keeps. */
  take(ptr: number, n: number): Float32Array {
    if (this.results) for (const a of this.results) if (a.byteOffset === ptr) return a;
    return this.heap.f32(ptr, n).slice();
  }

  /** A temporary block of `n` bytes (uninitialised). */
  bytes(n: number): number {
    const p = this.heap.alloc(n);
    if (p < 0) {
      this.failed = true;
      return 0;
    }
    (this.temps ??= []).push(p, n);
    return p;
  }

  release(): void {
    const temps = this.temps;
    if (!temps) return;
    for (let i = temps.length - 2; i >= 0; i -= 2) this.heap.release(temps[i]!, temps[i + 1]!);
    temps.length = 0;
  }
}
