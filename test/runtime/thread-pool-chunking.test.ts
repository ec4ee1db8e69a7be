// How the pool cuts a job's columns into chunks: checked against the properties the kernels
// rely on (every column in exactly one chunk, chunk edges on multiples of the alignment, so
// a column's result does not depend on the cut), not against the formula itself.
import { describe, expect, it } from "vitest";
import { chunking } from "../../src/runtime/kernels/thread-pool.js";
import { MAX_CHUNKS } from "../../src/runtime/kernels/worker-source.js";

describe("thread pool chunking", () => {
  it("tiles [0, n) with aligned chunks, big ones first, the rest no larger", () => {
    for (const threads of [2, 3, 4, 8]) {
      for (const align of [1, 8]) {
        for (let n = align + 1; n < 3000; n += 37) {
          const { big, bigSize, size, chunks } = chunking(n, threads, align);
          expect(bigSize % align).toBe(0);
          expect(size % align).toBe(0);
          expect(size).toBeGreaterThan(0);
          expect(size).toBeLessThanOrEqual(bigSize);
          expect(big).toBeLessThanOrEqual(threads);
          expect(big * bigSize).toBeLessThanOrEqual(n);
          // The last chunk starts inside [0, n) and the chunks reach n (big ones alone may cover it).
          if (chunks === big) expect(big * bigSize).toBe(n);
          else {
            const lastStart = big * bigSize + (chunks - big - 1) * size;
            expect(lastStart).toBeLessThan(n);
            expect(lastStart + size).toBeGreaterThanOrEqual(n);
          }
          expect(chunks).toBeLessThanOrEqual(MAX_CHUNKS);
        }
      }
    }
  });

  it("bench-15m's and bench-110m's decode products: the first half in one chunk a thread, then 4 a thread", () => {
    // 2 threads: 864 columns (q, k, v of dim 288) → 2 × 216, then 8 chunks of 56 (the last 40).
    expect(chunking(864, 2, 8)).toEqual({ big: 2, bigSize: 216, size: 56, chunks: 10 });
    // 32000 columns (the classifier) → 2 × 8000, then 8 × 2000.
    expect(chunking(32000, 2, 8)).toEqual({ big: 2, bigSize: 8000, size: 2000, chunks: 10 });
  });

  it("stays within the claim word's 10-bit chunk index (1023 chunks) on a huge job and many threads", () => {
    for (const threads of [204, 205, 1000, 40000]) {
      const { big, bigSize, size, chunks } = chunking(1 << 30, threads, 1);
      expect(chunks).toBeLessThanOrEqual(1023);
      expect(big * bigSize + (chunks - big) * size).toBeGreaterThanOrEqual(1 << 30);
    }
  });
});
