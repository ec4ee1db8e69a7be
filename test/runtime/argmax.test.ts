// Greedy decoding's argmax: reduce.wat's kernel against hand-placed maxima and against the
// TypeScript loop (argmaxRowPlain), on the kernels' heap (where a lent forward output is):
// ties, NaN, ±∞, ±0, lengths around the kernel's 16- and 4-float steps, and offsets that
// leave the row unaligned.
import { beforeAll, describe, expect, it } from "vitest";
import { argmaxRow } from "../../src/runtime/index.js";
import { argmaxRowPlain } from "../../src/runtime/generate/sampling.js";
import { argmaxKernel } from "../../src/runtime/kernels/argmax.js";
import { kernels } from "../../src/runtime/kernels/index.js";
import { mulberry32 } from "../../src/runtime/random.js";
import { loadTestKernels } from "./kernel-modules.js";

beforeAll(async () => {
  await loadTestKernels();
});

/** `values` placed in the kernels' heap at float `offset` of a fresh array (garbage before and after). */
function inHeap(values: ArrayLike<number>, offset = 0): Float32Array {
  const a = kernels()!.heap.allocArray(offset + values.length + 5)!;
  a.fill(1e30);
  a.set(values, offset);
  return a;
}

/** The kernel's answer; it must take the row (not decline it). */
function kernel(values: ArrayLike<number>, offset = 0): number {
  const i = argmaxKernel(inHeap(values, offset), offset, values.length);
  expect(i).toBeDefined();
  return i!;
}

/** n values from a seeded generator in [−1, 1). */
function row(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
}

const LENGTHS = [64, 65, 66, 67, 68, 79, 80, 81, 95, 96, 100, 127, 128, 129, 1000, 32000, 32003];

describe("argmax on the kernels' heap", () => {
  it("finds a maximum placed at every kind of position (first, last, vector lanes, tails)", () => {
    for (const n of LENGTHS) {
      const positions = new Set([0, 1, 2, 3, 4, 15, 16, 17, n - 17, n - 16, n - 5, n - 4, n - 3, n - 2, n - 1]);
      for (const at of positions) {
        const v = row(n, n + at);
        v[at] = 2;
        for (const offset of [0, 1, 2, 3]) expect(kernel(v, offset), `n ${n}, max at ${at}, offset ${offset}`).toBe(at);
      }
    }
  });

  it("takes the first of equal maxima, whichever lane or step they fall in", () => {
    for (const n of [64, 67, 100, 1000, 32000]) {
      for (const [first, second] of [[0, 1], [1, 5], [3, 4], [5, 21], [17, n - 1], [n - 3, n - 1], [n - 2, n - 1]] as const) {
        const v = row(n, first * 31 + second);
        v[first] = 3;
        v[second] = 3;
        expect(kernel(v, 1), `n ${n}, ties at ${first} and ${second}`).toBe(first);
      }
    }
    // Every value equal: the first.
    expect(kernel(new Float32Array(100).fill(-7))).toBe(0);
  });

  it("treats −0 and +0 as equal, keeping the first", () => {
    const v = new Float32Array(70).fill(-1);
    v[9] = -0;
    v[40] = 0;
    expect(kernel(v)).toBe(9);
    v[9] = 0;
    v[40] = -0;
    expect(kernel(v)).toBe(9);
  });

  it("never picks NaN, and answers 0 when nothing exceeds −∞", () => {
    const n = 131;
    const nan = new Float32Array(n).fill(NaN);
    expect(kernel(nan)).toBe(0);
    const negInf = new Float32Array(n).fill(-Infinity);
    expect(kernel(negInf)).toBe(0);
    // NaN and −∞ mixed: still nothing above −∞.
    const mixed = negInf.map((v, i) => (i % 3 ? v : NaN));
    expect(kernel(mixed)).toBe(0);
    // One finite value among NaNs, in the vector part and in the tail.
    for (const at of [0, 5, 64, 129, 130]) {
      const v = nan.slice();
      v[at] = -1e30;
      expect(kernel(v), `finite at ${at}`).toBe(at);
    }
    // NaN before and at the maximum's neighbours does not hide it.
    const v = row(n, 7);
    v[10] = NaN;
    v[11] = 5;
    v[12] = NaN;
    expect(kernel(v)).toBe(11);
  });

  it("ranks +∞ above every finite value, and a −∞ row with one finite value picks it", () => {
    const v = row(200, 3);
    v[150] = Infinity;
    v[199] = Infinity;
    expect(kernel(v)).toBe(150);
    const w = new Float32Array(200).fill(-Infinity);
    w[77] = -3.4e38;
    expect(kernel(w)).toBe(77);
  });

  it("agrees with the TypeScript loop on random rows with repeated values and NaNs", () => {
    const r = mulberry32(99);
    for (let trial = 0; trial < 200; trial++) {
      const n = 64 + Math.floor(r() * 300);
      // Few distinct values: many ties.
      const v = Float32Array.from({ length: n }, () => {
        const u = r();
        return u < 0.05 ? NaN : u < 0.08 ? -Infinity : Math.floor(u * 8) - 4;
      });
      const offset = Math.floor(r() * 4);
      expect(kernel(v, offset), `trial ${trial}`).toBe(argmaxRowPlain(v, 0, n));
    }
  });

  it("is what argmaxRow answers for heap rows; other rows take the loop", () => {
    const v = row(5000, 11);
    v[4321] = 9;
    const heapRow = inHeap(v, 3);
    expect(argmaxRow(heapRow, 3, 5000)).toBe(4321);
    // An ordinary array, and a row shorter than the kernel's minimum: the loop.
    expect(argmaxKernel(v, 0, 5000)).toBeUndefined();
    expect(argmaxRow(v, 0, 5000)).toBe(4321);
    expect(argmaxKernel(heapRow, 3, 10)).toBeUndefined();
    expect(argmaxRow(Float32Array.of(1, NaN, 3, 3, -Infinity), 0, 5)).toBe(2);
    expect(argmaxRow(Float32Array.of(NaN, NaN), 0, 2)).toBe(0);
  });
});
