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
import { DenseTensor, Tensor } from "../tensor.js";
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

/**
 * Heap blocks owned by open scopes, in allocation order, as flat (address, bytes) pairs: a
 * scope's own are a suffix. Flat numbers, since a decoding step makes ~170 of them.
 */
const owned: number[] = [];
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

/** The last forward call's result, lent to its caller until the next call begins: (address, bytes) pairs. */
let lent: number[] = [];

function releaseLent(): void {
  const heap = heapOf();
  if (heap) for (let i = lent.length - 2; i >= 0; i -= 2) heap.release(lent[i]!, lent[i + 1]!);
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
  owned.push(p, n * 4);
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
    if (!heap) {
      owned.length = this.mark;
      return value;
    }
    if (depth === 0) {
      this.keepOutermost(value, heap);
      return value;
    }
    // What survives stays in `owned`: it belongs to the enclosing scope now.
    this.freeUnreached(heap, this.contextTensors(heap, value));
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
    this.freeUnreached(heap, this.contextTensors(heap, live));
  }

  /** Closes the scope if `keep` did not (an exception): frees what only this call reached. */
  close(): void {
    this.keep(undefined);
  }

  /** Releases this scope's blocks that no tensor of `reached` (heap tensors) overlaps. */
  private freeUnreached(heap: WasmHeap, reached: readonly Tensor[]): void {
    for (let i = owned.length - 2; i >= this.mark; i -= 2) {
      const ptr = owned[i]!;
      const bytes = owned[i + 1]!;
      if (overlapsAny(reached, ptr, bytes)) continue;
      heap.release(ptr, bytes);
      owned.splice(i, 2);
    }
  }

  /**
   * The end of a forward call: the context outlives it, so its tensors leave the heap; so
   * does the result, unless the caller borrows it until the next call (ForwardOptions.lendOutput).
   */
  private keepOutermost(value: unknown, heap: WasmHeap): void {
    const mine = owned.splice(this.mark);
    const lend = this.ctx?.lendOutput === true;
    const kept = this.contextTensors(heap);
    const result = tensorsIn(value, heap);
    for (const t of kept) if (within(t.data, mine)) t.data = t.data.slice();
    if (!lend) for (const t of result) if (heap.contains(t.data) && within(t.data, mine)) t.data = t.data.slice();
    // What is still in the heap of the result (not also kept by the context) is lent.
    const borrowed = lend ? result.filter((t) => heap.contains(t.data)) : [];
    for (let i = mine.length - 2; i >= 0; i -= 2) {
      const ptr = mine[i]!;
      const bytes = mine[i + 1]!;
      if (overlapsAny(borrowed, ptr, bytes)) lent.push(ptr, bytes);
      else heap.release(ptr, bytes);
    }
  }

  /**
   * The heap tensors the context keeps past the call (emitted tensors, recurrent state,
   * `once` values), and those in `also`.
   */
  private contextTensors(heap: WasmHeap, also?: unknown): Tensor[] {
    const ctx = this.ctx;
    // The common case of a decoding step: nothing in the context, one tensor returned.
    if (!ctx || (ctx.emitted.size === 0 && ctx.state.size === 0)) return tensorsIn(also, heap);
    const out: Tensor[] = [];
    const seen = new Set<unknown>();
    for (const t of ctx.emitted.values()) collect(t, heap, out, seen, 0);
    for (const s of ctx.state.values()) collect(s, heap, out, seen, 0);
    collect(also, heap, out, seen, 0);
    return out;
  }
}

/** The heap tensors in `x`. */
function tensorsIn(x: unknown, heap: WasmHeap): Tensor[] {
  const out: Tensor[] = [];
  if (x instanceof Tensor) {
    if (heap.contains(x.data)) out.push(x);
  } else collect(x, heap, out, new Set(), 0);
  return out;
}

function overlaps(a: Float32Array, ptr: number, bytes: number): boolean {
  return a.byteOffset < ptr + bytes && a.byteOffset + a.byteLength > ptr;
}

function overlapsAny(ts: readonly Tensor[], ptr: number, bytes: number): boolean {
  for (let j = 0; j < ts.length; j++) if (overlaps(ts[j]!.data, ptr, bytes)) return true;
  return false;
}

/** Whether `a` overlaps a block of `blocks` ((address, bytes) pairs). */
function within(a: Float32Array, blocks: readonly number[]): boolean {
  for (let i = 0; i < blocks.length; i += 2) if (overlaps(a, blocks[i]!, blocks[i + 1]!)) return true;
  return false;
}

/** The float tensors in the heap in `x`: itself, or inside arrays and records (results, context state). */
function collect(x: unknown, heap: WasmHeap, out: Tensor[], seen: Set<unknown>, level: number): void {
  if (x === null || typeof x !== "object" || seen.has(x) || level > MAX_DEPTH) return;
  seen.add(x);
  if (x instanceof Tensor) {
    if (heap.contains(x.data)) out.push(x);
    return;
  }
  if (ArrayBuffer.isView(x) || x instanceof DenseTensor) return;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) collect(x[i], heap, out, seen, level + 1);
    return;
  }
  if (x instanceof Map) {
    for (const v of x.values()) collect(v, heap, out, seen, level + 1);
    return;
  }
  for (const v of Object.values(x)) collect(v, heap, out, seen, level + 1);
}
