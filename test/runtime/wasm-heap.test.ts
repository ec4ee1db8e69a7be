// The kernels' heap allocator (src/runtime/kernels/wasm-heap.ts): first fit over a free list
// kept sorted and coalesced. Against its invariants on random alloc/release sequences: live
// blocks never overlap, the free list is sorted, disjoint, never two touching blocks and
// none ending at the top, and free list + live blocks account for every byte below the top.
import { describe, expect, it } from "vitest";
import { CONTROL_BYTES, WasmHeap } from "../../src/runtime/kernels/wasm-heap.js";
import { mulberry32 } from "../../src/runtime/random.js";

interface Live {
  ptr: number;
  bytes: number;
}

const rounded = (bytes: number) => Math.max(64, Math.ceil(bytes / 64) * 64);

function checkInvariants(heap: WasmHeap, live: readonly Live[]): void {
  const free = (heap as unknown as { free: { start: number; end: number }[] }).free;
  const top = heap.reservedBytes;
  for (let i = 0; i < free.length; i++) {
    const b = free[i]!;
    expect(b.start).toBeLessThan(b.end);
    expect(b.end).toBeLessThan(top);
    if (i > 0) expect(free[i - 1]!.end).toBeLessThan(b.start); // sorted, disjoint, not touching
  }
  const spans = [...free.map((b) => [b.start, b.end] as const), ...live.map((l) => [l.ptr, l.ptr + rounded(l.bytes)] as const)].sort((a, b) => a[0] - b[0]);
  // Everything from the control block to the top is exactly one free or live span.
  let at = CONTROL_BYTES;
  for (const [s, e] of spans) {
    expect(s).toBe(at);
    at = e;
  }
  expect(at).toBe(top);
}

describe("WasmHeap", () => {
  it("keeps a sorted, coalesced free list and never hands out overlapping blocks", () => {
    const heap = new WasmHeap();
    const r = mulberry32(5);
    const live: Live[] = [];
    for (let step = 0; step < 3000; step++) {
      const u = r();
      if (live.length === 0 || u < 0.5) {
        const bytes = 1 + Math.floor(r() * (r() < 0.2 ? 20000 : 700));
        const ptr = heap.alloc(bytes);
        expect(ptr % 64).toBe(0);
        live.push({ ptr, bytes });
      } else {
        // Mostly the last few (a scope's blocks, newest first), sometimes any.
        const i = u < 0.85 ? live.length - 1 - Math.floor(r() * Math.min(3, live.length)) : Math.floor(r() * live.length);
        const [b] = live.splice(i, 1);
        heap.release(b!.ptr, b!.bytes);
      }
      if (step % 7 === 0) checkInvariants(heap, live);
    }
    for (const b of live.splice(0).reverse()) heap.release(b.ptr, b.bytes);
    checkInvariants(heap, live);
    // Everything freed: back to the control block alone.
    expect(heap.reservedBytes).toBe(CONTROL_BYTES);
  });

  it("merges a freed block with both neighbours, and lowers the top through a free block", () => {
    const heap = new WasmHeap();
    const [a, b, c, d] = [heap.alloc(64), heap.alloc(128), heap.alloc(64), heap.alloc(64)];
    heap.release(a, 64);
    heap.release(c, 64);
    checkInvariants(heap, [{ ptr: b, bytes: 128 }, { ptr: d, bytes: 64 }]);
    heap.release(b, 128); // joins a and c: one block from a to d
    expect((heap as unknown as { free: unknown[] }).free).toEqual([{ start: a, end: d }]);
    heap.release(d, 64); // touches the top: the top drops to a
    expect(heap.reservedBytes).toBe(a);
    expect((heap as unknown as { free: unknown[] }).free).toEqual([]);
  });
});
