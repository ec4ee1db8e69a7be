/**
 * Activations in the kernels' heap, freed when the forward call that made them returns.
 *
 * Every generated forward function opens a scope on entry. While one is open, the hot ops
 * (products, attention, norms, elementwise, head split/merge, RoPE) take their outputs from
 * `activationArray`: a block of the wasm heap, which the kernels then read in place (no
 * staging copy). When the function returns, `keep` gives back every block made since the
 * scope opened that its result does not use, nor anything the call stored in the forward
 * context (emitted tensors, recurrent state, `once` values): their Tensor objects are then
 * unreachable garbage, so reusing the memory cannot change a value anyone can read.
 * Without this, every activation is a fresh JavaScript ArrayBuffer that V8 frees only when
 * tens of MB of them have piled up (and whose malloc'd pages the process keeps).
 *
 * What the outermost scope returns leaves the heap: its tensors are copied to ordinary
 * arrays, so nothing of a call outlives it in the heap (a synchronous decoding loop never
 * lets a FinalizationRegistry callback run). A caller that reads the result at once
 * (generation: the next token's logits) may borrow it instead (ForwardOptions.lendOutput):
 * it then stays in the heap until the next forward call begins, and no garbage is made. With no scope open (ops called directly,
 * weight loading) or no kernels, `activationArray` is a plain Float32Array.
 */
import { Tensor } from "../tensor.js";
import type { WasmHeap } from "./wasm-heap.js";

/** Arrays smaller than this stay JavaScript arrays: their garbage is small, a heap block costs bookkeeping. */
const MIN_HEAP_FLOATS = 64;
/** How deep `keep` looks into results and context state (arrays, records) for tensors. */
const MAX_DEPTH = 6;

/**
 * The kernels' heap, when they are loaded: set by kernels/index.ts, so that the ops (which the
 * browser playground bundles too) do not import Node's modules through this one.
 */
let heapOf: () => WasmHeap | undefined = () => undefined;

export function setActivationHeap(get: () => WasmHeap | undefined): void {
  heapOf = get;
}

/** Heap blocks owned by open scopes, in allocation order: a scope's own are a suffix. */
const owned: { ptr: number; bytes: number }[] = [];
let depth = 0;
/**
 * Changes whenever a scope opens, closes or sweeps: what an op computed ahead in the current
 * scope (shared-input.ts) is valid only while it is unchanged, since a close or a sweep may
 * free blocks no variable holds yet.
 */
let epoch = 0;

/** The current scope epoch (see `epoch`), or 0 outside scopes. */
export function scopeEpoch(): number {
  return depth === 0 ? 0 : epoch;
}

/** The last forward call's result, lent to its caller until the next call begins. */
let lent: { ptr: number; bytes: number }[] = [];

function releaseLent(): void {
  const heap = heapOf();
  if (heap) for (let i = lent.length - 1; i >= 0; i--) heap.release(lent[i]!.ptr, lent[i]!.bytes);
  lent = [];
}

/** An uninitialised float32 array for an op's output: in the heap inside a scope, else a plain (zeroed) array. */
export function activationArray(n: number): Float32Array {
  return heapActivation(n) ?? new Float32Array(n);
}

/**
 * An uninitialised heap block of `n` floats owned by the innermost scope; undefined outside
 * scopes, on the TypeScript kernels, with a full heap, or below `minFloats` (a kernel that
 * must write into the heap, such as a set job, asks for any size).
 */
export function heapActivation(n: number, minFloats = MIN_HEAP_FLOATS): Float32Array | undefined {
  if (depth === 0 || n < minFloats) return undefined;
  const heap = heapOf();
  if (!heap) return undefined;
  const p = heap.alloc(n * 4);
  if (p < 0) return undefined;
  owned.push({ ptr: p, bytes: n * 4 });
  return heap.f32(p, n);
}

/** What a scope reads of the forward context (model/context.ts): what outlives the call. */
export interface ScopeContext {
  readonly emitted: ReadonlyMap<string, unknown>;
  readonly state: ReadonlyMap<string, unknown>;
  readonly lendOutput: boolean;
}

export class ActivationScope {
  private readonly mark = owned.length;
  private open = true;

  constructor(private readonly ctx?: ScopeContext) {
    // A new forward call: the previous one's lent output is no longer valid.
    if (depth === 0) releaseLent();
    depth++;
    epoch++;
  }

  /**
   * Closes the scope, returning `value`: frees the blocks made since it opened that neither
   * `value` nor the context reaches; the outermost scope first copies those tensors out of
   * the heap.
   */
  keep<T>(value: T): T {
    if (!this.open) return value;
    this.open = false;
    depth--;
    epoch++;
    if (owned.length === this.mark) return value;
    const heap = heapOf();
    const mine = owned.splice(this.mark);
    if (!heap) return value;
    const seen = new Set<unknown>();
    const kept = this.contextTensors(seen);
    const result = tensorsIn(value, seen);
    const inHeap = [...kept, ...result].filter((t) => heap.contains(t.data));
    if (depth === 0) {
      // The context outlives the call: its tensors leave the heap. So does the result,
      // unless the caller borrows it until the next call (ForwardOptions.lendOutput).
      const lend = this.ctx?.lendOutput === true;
      for (const t of lend ? kept : inHeap) if (heap.contains(t.data) && within(t.data, mine)) t.data = t.data.slice();
      for (let i = mine.length - 1; i >= 0; i--) {
        const b = mine[i]!;
        if (lend && result.some((t) => heap.contains(t.data) && overlaps(t.data, b.ptr, b.bytes))) lent.push(b);
        else heap.release(b.ptr, b.bytes);
      }
      return value;
    }
    for (let i = mine.length - 1; i >= 0; i--) {
      const b = mine[i]!;
      if (inHeap.some((t) => overlaps(t.data, b.ptr, b.bytes))) continue;
      heap.release(b.ptr, b.bytes);
      mine.splice(i, 1);
    }
    // What survives belongs to the enclosing scope now.
    owned.push(...mine);
    return value;
  }

  /**
   * Frees the blocks made since the scope opened that neither `live` (the function's
   * variables, at the end of a loop iteration) nor the context reaches.
   */
  sweep(live: unknown[]): void {
    if (!this.open || owned.length === this.mark) return;
    epoch++;
    const heap = heapOf();
    if (!heap) return;
    const seen = new Set<unknown>();
    const inHeap = [...this.contextTensors(seen), ...tensorsIn(live, seen)].filter((t) => heap.contains(t.data));
    for (let i = owned.length - 1; i >= this.mark; i--) {
      const b = owned[i]!;
      if (inHeap.some((t) => overlaps(t.data, b.ptr, b.bytes))) continue;
      heap.release(b.ptr, b.bytes);
      owned.splice(i, 1);
    }
  }

  /** Closes the scope if `keep` did not (an exception): frees what only this call reached. */
  close(): void {
    this.keep(undefined);
  }

  /** What the context keeps past the call: emitted tensors, recurrent state, `once` values. */
  private contextTensors(seen: Set<unknown>): Tensor[] {
    const out: Tensor[] = [];
    if (this.ctx) {
      for (const t of this.ctx.emitted.values()) collect(t, out, seen, 0);
      for (const s of this.ctx.state.values()) collect(s, out, seen, 0);
    }
    return out;
  }
}

function tensorsIn(x: unknown, seen: Set<unknown>): Tensor[] {
  const out: Tensor[] = [];
  collect(x, out, seen, 0);
  return out;
}

function overlaps(a: Float32Array, ptr: number, bytes: number): boolean {
  return a.byteOffset < ptr + bytes && a.byteOffset + a.byteLength > ptr;
}

function within(a: Float32Array, blocks: readonly { ptr: number; bytes: number }[]): boolean {
  return blocks.some((b) => overlaps(a, b.ptr, b.bytes));
}

/** The float tensors in `x`: itself, or inside arrays and records (results, context state). */
function collect(x: unknown, out: Tensor[], seen: Set<unknown>, level: number): void {
  if (x === null || typeof x !== "object" || seen.has(x) || level > MAX_DEPTH) return;
  seen.add(x);
  if (x instanceof Tensor) {
    out.push(x);
    return;
  }
  if (ArrayBuffer.isView(x)) return;
  if (x instanceof Map) {
    for (const v of x.values()) collect(v, out, seen, level + 1);
    return;
  }
  for (const v of Object.values(x)) collect(v, out, seen, level + 1);
}
