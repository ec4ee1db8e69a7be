/**
 * The one shared WebAssembly memory the kernels and their worker threads compute in.
 * Weights live here for the model's lifetime (loaded straight into it, or copied in once
 * when bound); activations are staged in and out per call. A first-fit free list with
 * coalescing manages it; arrays handed out to the rest of the runtime free their block
 * when they are garbage collected.
 */

export const PAGE_BYTES = 65536;
/** wasm32's ceiling: 65536 pages = 4 GiB. */
const MAX_PAGES = 65536;
/** The first page is the thread pool's control block (see thread-pool.ts). */
export const CONTROL_BYTES = PAGE_BYTES;
/** Cache-line alignment keeps a weight row's first vector load from straddling two lines. */
const ALIGN = 64;

interface Block {
  start: number;
  end: number;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  /** Every SharedArrayBuffer object the memory has exposed: a grow replaces the object, not the bytes. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private current: ArrayBufferLike;
  private top = CONTROL_BYTES;
  private readonly free: Block[] = [];
  private readonly registry = new FinalizationRegistry<Block>((b) => this.release(b.start, b.end - b.start));

  constructor(initialBytes = 4 * PAGE_BYTES) {
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(initialBytes / PAGE_BYTES), maximum: MAX_PAGES, shared: true });
    this.current = this.memory.buffer;
    this.buffers.add(this.current);
  }

  /**
   * The memory's current buffer (a new object after every grow). Only `alloc` grows the
   * memory (kernels never do), so the object it saw last is current: reading
   * `memory.buffer` of a shared memory costs ~0.1 µs, and a decoding step makes ~170
   * activation views.
   */
  get buffer(): ArrayBufferLike {
    return this.current;
  }

  /** Whether `a` is a view of this memory (then its byteOffset is its wasm address). */
  contains(a: ArrayBufferView): boolean {
    const b = a.buffer;
    return b === this.current || this.buffers.has(b);
  }

  /** Bytes reserved from the memory so far (high-water mark of the allocator). */
  get reservedBytes(): number {
    return this.top;
  }

  /** Allocates `bytes` (64-byte aligned); −1 when the 4 GiB address space cannot hold them. */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.end - b.start < size) continue;
      const p = b.start;
      b.start += size;
      if (b.start === b.end) this.free.splice(i, 1);
      return p;
    }
    const p = this.top;
    const need = p + size;
    if (need > MAX_PAGES * PAGE_BYTES) return -1;
    const have = this.current.byteLength;
    if (need > have) {
      // Grow by at least an eighth of the memory so that many small allocations do not
      // each pay for a grow.
      const pages = Math.max(Math.ceil((need - have) / PAGE_BYTES), Math.ceil(have / PAGE_BYTES / 8));
      const allowed = Math.min(pages, MAX_PAGES - have / PAGE_BYTES);
      try {
        this.memory.grow(Math.max(allowed, Math.ceil((need - have) / PAGE_BYTES)));
      } catch {
        return -1;
      }
      this.current = this.memory.buffer;
      this.buffers.add(this.current);
    }
    this.top = need;
    return p;
  }

  /** Returns a block from `alloc` (the same byte count). */
  release(ptr: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const start = ptr;
    const end = ptr + size;
    const free = this.free;
    // Insert in address order, merging with the neighbours it touches: in place, since a
    // decoding step frees ~170 blocks, mostly next to one freed just before.
    let i = 0;
    while (i < free.length && free[i]!.start < start) i++;
    const prev = i > 0 ? free[i - 1] : undefined;
    const next = i < free.length ? free[i] : undefined;
    const joinPrev = prev !== undefined && prev.end === start;
    const joinNext = next !== undefined && next.start === end;
    let merged: Block;
    let at: number;
    if (joinPrev) {
      prev.end = joinNext ? next!.end : end;
      if (joinNext) free.splice(i, 1);
      merged = prev;
      at = i - 1;
    } else if (joinNext) {
      next.start = start;
      merged = next;
      at = i;
    } else {
      if (end === this.top) this.top = start;
      else free.splice(i, 0, { start, end });
      return;
    }
    // A free block reaching the top lowers the top instead.
    if (merged.end === this.top) {
      this.top = merged.start;
      free.splice(at, 1);
    }
  }

  /** A float32 view of `n` elements at `ptr`. */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.buffer, ptr, n);
  }

  /**
   * A fresh array of `n` floats in the heap that gives its block back when it is garbage
   * collected, or undefined when the heap is full. Views derived from it (subarray) do not
   * keep the block alive: hold on to the array itself.
   */
  allocArray(n: number): Float32Array | undefined {
    const bytes = n * 4;
    const p = this.alloc(bytes);
    if (p < 0) return undefined;
    const a = this.f32(p, n);
    this.registry.register(a, { start: p, end: p + bytes });
    return a;
  }

  /** allocArray for `n` bytes (bfloat16 and int8 weights). */
  allocBytes(n: number): Uint8Array | undefined {
    const p = this.alloc(n);
    if (p < 0) return undefined;
    const a = new Uint8Array(this.buffer, p, n);
    this.registry.register(a, { start: p, end: p + n });
    return a;
  }
}
