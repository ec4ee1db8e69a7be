/**
 * Activations of one forward call in the kernels' shared memory, from a block that is
 * reused call after call: ops take their outputs from it with a pointer bump, so a
 * decoding step allocates no JavaScript buffers and hands each kernel operands it reads
 * in place (no copy into the heap, no `.slice()` out of it).
 *
 * The block is reused, so nothing may keep a view of it past the call: the session's
 * forward opens the arena around the generated code and, before closing it, detaches every
 * tensor that escapes (the output, emitted tensors, the context's recurrent state and
 * `once` values) by giving it a copy in JavaScript memory. KV caches copy what they append.
 * Outside a forward call (ops called directly, nested calls) no arena is open and ops
 * allocate as before.
 *
 * A call that needs more than the block holds takes the rest from JavaScript memory. The
 * block is sized by decoding steps (one token per sequence): the next call gets what the
 * last step asked for, up to MAX_BYTES. A prefill uses the block as it is and takes the
 * rest from JavaScript memory, so its large activations do not stay resident in the heap.
 */
import { Tensor } from "../tensor.js";
import type { WasmHeap } from "./wasm-heap.js";

/** A block's alignment: a cache line, so that a vector load never straddles two. */
const ALIGN_FLOATS = 16;
const INITIAL_BYTES = 1 << 18;
/** The largest block (a sanity bound: a decoding step of bench-110m asks for ~1.3 MiB). */
const MAX_BYTES = 64 << 20;

export class ActivationArena {
  private ptr = 0;
  private floatsHeld = 0;
  /** A view of the whole block; outputs are its subarrays. */
  private view: Float32Array = new Float32Array(0);
  private used = 0;
  /** Floats the current call asked for, including what did not fit. */
  private wanted = 0;
  /** Floats the last decoding step asked for. */
  private stepWanted = 0;

  constructor(readonly heap: WasmHeap) {}

  /** Starts a call: the block is empty, and as large as the last decoding step needed (within MAX_BYTES). */
  open(): void {
    const want = Math.min(MAX_BYTES / 4, Math.max(this.stepWanted, INITIAL_BYTES / 4));
    if (want > this.floatsHeld) {
      if (this.floatsHeld) this.heap.release(this.ptr, this.floatsHeld * 4);
      const p = this.heap.alloc(want * 4);
      this.ptr = p < 0 ? 0 : p;
      this.floatsHeld = p < 0 ? 0 : want;
      this.view = this.heap.f32(this.ptr, this.floatsHeld);
    }
    this.used = 0;
    this.wanted = 0;
  }

  /** Ends a call; a decoding step's demand sizes the next block. */
  close(step: boolean): void {
    if (step) this.stepWanted = this.wanted;
  }

  /** `n` uninitialised floats in the block, or undefined when it is full. */
  floats(n: number): Float32Array | undefined {
    const at = this.used;
    const end = at + Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;
    this.wanted += end - at;
    if (end > this.floatsHeld) return undefined;
    this.used = end;
    return this.view.subarray(at, at + n);
  }

  /** Whether `a` is (part of) the block. */
  holds(a: ArrayBufferView): boolean {
    return this.heap.contains(a) && a.byteOffset >= this.ptr && a.byteOffset < this.ptr + this.floatsHeld * 4;
  }
}

let arena: ActivationArena | undefined;
/** The arena of the forward call running now, if any. */
let active: ActivationArena | undefined;
/** Forward calls that opened the arena so far. */
let calls = 0;

/** A number identifying the forward call running with the arena now (0: none). */
export function arenaCall(): number {
  return active ? calls : 0;
}

/** The block of the running forward call, if one is open. */
export function activeArena(): ActivationArena | undefined {
  return active;
}

/**
 * A float array for an op's output that the op fills whole: in the running call's arena
 * when one is open and has room, else a new JavaScript array.
 */
export function outputFloats(n: number): Float32Array {
  return active?.floats(n) ?? new Float32Array(n);
}

/**
 * Runs `body` (a forward call) with an open arena on `heap`, then (also when it throws)
 * detaches from the arena every tensor that `escapes()` reaches. A call inside another
 * runs without one (what escapes it is not what escapes the outer call). `step`: the call
 * is a decoding step (one token per sequence), whose demand sizes the block.
 */
export function withArena<T>(heap: WasmHeap | undefined, body: () => T, escapes: () => unknown[], step = true): T {
  if (!heap || active) {
    const outer = active;
    active = undefined;
    try {
      return body();
    } finally {
      active = outer;
    }
  }
  if (!arena || arena.heap !== heap) arena = new ActivationArena(heap);
  const a = arena;
  a.open();
  active = a;
  calls++;
  try {
    return body();
  } finally {
    active = undefined;
    a.close(step);
    detachAll(escapes(), a);
  }
}

/**
 * Gives every tensor the roots reach whose data is in the arena a copy of its own, all
 * in one new JavaScript buffer (one allocation per call, not one per tensor).
 */
function detachAll(roots: unknown[], a: ActivationArena): void {
  const found: Tensor[] = [];
  const seen = new Set<object>();
  for (const root of roots) collect(root, a, seen, found);
  if (!found.length) return;
  let total = 0;
  for (const t of found) total += t.data.length;
  const copies = new Float32Array(total);
  let at = 0;
  for (const t of found) {
    const n = t.data.length;
    const copy = copies.subarray(at, at + n);
    copy.set(t.data);
    t.data = copy;
    at += n;
  }
}

/** The tensors `v` reaches whose data is in the arena. */
function collect(v: unknown, a: ActivationArena, seen: Set<object>, found: Tensor[]): void {
  if (v === null || typeof v !== "object" || seen.has(v)) return;
  seen.add(v);
  if (v instanceof Tensor) {
    if (a.holds(v.data)) found.push(v);
    return;
  }
  if (ArrayBuffer.isView(v)) return;
  if (v instanceof Map) {
    for (const [k, x] of v) {
      collect(k, a, seen, found);
      collect(x, a, seen, found);
    }
    return;
  }
  if (v instanceof Set || Array.isArray(v)) {
    for (const x of v) collect(x, a, seen, found);
    return;
  }
  for (const x of Object.values(v)) collect(x, a, seen, found);
}
