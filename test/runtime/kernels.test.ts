// The WebAssembly SIMD kernels against the TypeScript fallback and a float64 triple loop,
// on shapes that cross every tile edge (1, 3, 17, 33, 1000…); worker threads against a
// single thread; weights placed in the shared memory; and `archc bench --json`.
// No timing here: speed is measured by `archc bench` (docs/performance.md).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntTensor, ops, randomTensor, Tensor, setThreads, getThreads, toSharedMemory, kernelBackend } from "../../src/runtime/index.js";
import { kernels, useKernels, type KernelModules } from "../../src/runtime/kernels/index.js";
import { archc } from "../cli/capture.js";
import { expectClose } from "./close.js";
import { loadTestKernels } from "./kernel-modules.js";
import { ropeHalfKernel } from "../../src/runtime/kernels/rope.js";
import { ActivationScope, activationArray } from "../../src/runtime/kernels/activation-scope.js";

let modules: KernelModules;

beforeAll(async () => {
  modules = await loadTestKernels();
});

const threadsBefore = getThreads();
afterAll(() => setThreads(threadsBefore));

/** y[r, o] = Σ x[r, k]·w[o, k] + b[o] in float64. */
function naiveLinear(x: Tensor, w: Tensor, b?: Tensor): Float64Array {
  const [outDim, inDim] = w.shape as [number, number];
  const rows = x.size / inDim;
  const y = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let s = b ? b.data[o]! : 0;
      for (let k = 0; k < inDim; k++) s += x.data[r * inDim + k]! * w.data[o * inDim + k]!;
      y[r * outDim + o] = s;
    }
  }
  return y;
}

/** y[i, j] = Σ a[i, k]·b[k, j] in float64 for one matrix pair. */
function naiveMatmul(a: Float32Array, aOff: number, b: Float32Array, bOff: number, m: number, k: number, n: number, out: Float64Array, outOff: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[aOff + i * k + t]! * b[bOff + t * n + j]!;
      out[outOff + i * n + j] = s;
    }
  }
}

/** float32 dot products of length k with unit-scale inputs: error grows like sqrt(k)·eps·|terms|. */
const tol = (k: number) => 2e-6 * Math.sqrt(k) * 4;

// [rows, in, out]: every remainder of the 2×4 tiles and of the single row's four streams (a
// pass with 4 KiB-aligned streams, a shorter unaligned one, rows one at a time: [1, 64, 1000],
// [1, 16, 259], [1, 1024, 67]), the 16-float and 4-lane k loops and their tails, and the
// 2×4 tile's exits after each of the four k steps of a pass (in = 4, 8 or 1000, 60, 17).
const LINEAR_SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 3, 5], [1, 17, 33], [1, 1000, 7], [1, 64, 1000], [1, 20, 13], [1, 800, 13],
  [1, 16, 259], [1, 1024, 67], [1, 70, 37],
  [2, 4, 3], [3, 3, 3], [3, 17, 17], [4, 33, 10], [5, 8, 4], [7, 1, 9],
  [17, 33, 17], [33, 64, 33], [9, 1000, 13], [128, 48, 100], [6, 96, 1000], [2, 60, 8], [5, 30, 12],
];

describe("linear kernel (W[out, in])", () => {
  it("runs on WebAssembly SIMD in these tests", () => {
    expect(kernelBackend()).toMatch(/^wasm-(relaxed-)?simd$/);
  });

  for (const [rows, inDim, outDim] of LINEAR_SHAPES) {
    it(`matches the fallback and a float64 loop for x[${rows}, ${inDim}] · W[${outDim}, ${inDim}]ᵀ + b`, () => {
      const seed = rows * 1000003 + inDim * 1009 + outDim;
      const x = randomTensor([rows, inDim], seed, 1);
      const w = randomTensor([outDim, inDim], seed + 1, 1);
      const b = randomTensor([outDim], seed + 2, 1);
      const ref = naiveLinear(x, w, b);
      const simd = ops.linear(x, w, b);
      const plain = ops.linearPlain(x, w, b);
      expect(simd.shape).toEqual([rows, outDim]);
      expectClose(simd.data, ref, tol(inDim), 1e-5);
      expectClose(plain.data, ref, tol(inDim), 1e-5);
      expectClose(simd.data, plain.data, tol(inDim), 1e-5);
      // Without a bias, and with leading dims kept.
      const x3 = new Tensor(x.data, [1, rows, inDim]);
      const nb = ops.linear(x3, w);
      expect(nb.shape).toEqual([1, rows, outDim]);
      expectClose(nb.data, naiveLinear(x, w), tol(inDim), 1e-5);
    });
  }

  it("reads weights placed in the shared memory in place, with the same result", () => {
    const x = randomTensor([5, 33], 7, 1);
    const w = randomTensor([17, 33], 8, 1);
    const shared = toSharedMemory(w);
    expect(shared.data.buffer).not.toBe(w.data.buffer);
    expect(kernels()!.heap.contains(shared.data)).toBe(true);
    expect(Array.from(shared.data)).toEqual(Array.from(w.data));
    expect(Array.from(ops.linear(x, shared).data)).toEqual(Array.from(ops.linear(x, w).data));
  });

  it("still reports shape errors (through the fallback)", () => {
    expect(() => ops.linear(Tensor.zeros([2, 4]), Tensor.zeros([3, 5]))).toThrow(/\[2, 4\]/);
  });
});

describe("matmul kernel (a[m, k] · b[k, n]; W[in, out])", () => {
  const SHAPES: [number, number, number][] = [
    [1, 1, 1], [1, 17, 33], [1, 1000, 9], [2, 3, 7], [3, 33, 17], [4, 5, 8], [4, 17, 16],
    [5, 64, 33], [17, 17, 17], [33, 9, 1000], [7, 1000, 12],
  ];
  for (const [m, k, n] of SHAPES) {
    it(`linearInOut and matmul match the fallback and a float64 loop for [${m}, ${k}] · [${k}, ${n}]`, () => {
      const seed = m * 7919 + k * 104729 + n;
      const a = randomTensor([m, k], seed, 1);
      const w = randomTensor([k, n], seed + 1, 1);
      const bias = randomTensor([n], seed + 2, 1);
      const ref = new Float64Array(m * n);
      naiveMatmul(a.data, 0, w.data, 0, m, k, n, ref, 0);
      expectClose(ops.matmul(a, w).data, ref, tol(k), 1e-5);
      expectClose(ops.matmulPlain(a, w).data, ref, tol(k), 1e-5);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ref[i * n + j] += bias.data[j]!;
      expectClose(ops.linearInOut(a, w, bias).data, ref, tol(k), 1e-5);
      expectClose(ops.linearInOutPlain(a, w, bias).data, ref, tol(k), 1e-5);
    });
  }

  it("broadcasts batch dims like the fallback", () => {
    const a = randomTensor([2, 1, 5, 17], 3, 1);
    const b = randomTensor([3, 17, 9], 4, 1);
    const y = ops.matmul(a, b);
    expect(y.shape).toEqual([2, 3, 5, 9]);
    const ref = new Float64Array(2 * 3 * 5 * 9);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) naiveMatmul(a.data, i * 85, b.data, j * 153, 5, 17, 9, ref, (i * 3 + j) * 45);
    expectClose(y.data, ref, tol(17), 1e-5);
    expectClose(ops.matmulPlain(a, b).data, ref, tol(17), 1e-5);
  });
});

describe("attention kernel (causal / sliding-window row loop)", () => {
  // [B, H, KV, T, S, D, Dv, options]
  const CASES: [number, number, number, number, number, number, number, { causal?: boolean; window?: number; queryOffset?: number; keyLength?: number }][] = [
    [1, 2, 2, 5, 5, 4, 4, { causal: true }],
    [2, 4, 2, 7, 7, 8, 12, { causal: true }],
    [1, 3, 1, 1, 33, 16, 16, { causal: true }],
    [1, 2, 2, 9, 9, 64, 64, { window: 3 }],
    // Query rows in pairs: value rows of 16 + 4 columns, windows of 1 and 2 (pairs sharing
    // one key or none), an odd row count.
    [1, 2, 2, 7, 7, 8, 20, { causal: true }],
    [1, 1, 1, 6, 10, 4, 20, { window: 2, queryOffset: 4 }],
    [1, 1, 1, 5, 5, 4, 36, { window: 1 }],
    [1, 2, 1, 1, 40, 8, 8, { window: 5 }],
    [1, 2, 2, 6, 6, 4, 8, {}],
    [1, 1, 1, 3, 17, 12, 4, { causal: true, keyLength: 13 }],
    // Queries before every key: all masked (equal weights over every key).
    [1, 1, 1, 2, 5, 4, 4, { causal: true, queryOffset: -3 }],
  ];
  for (const [b, h, kv, t, s, d, dv, o] of CASES) {
    it(`matches the TypeScript loop for q[${b}, ${h}, ${t}, ${d}] over ${o.keyLength ?? s} keys ${JSON.stringify(o)}`, () => {
      const seed = b * 31 + h * 17 + t * 7 + s * 3 + d + dv;
      const q = randomTensor([b, h, t, d], seed, 1);
      const k = randomTensor([b, kv, s, d], seed + 1, 1);
      const v = randomTensor([b, kv, s, dv], seed + 2, 1);
      const fast = ops.attention(q, k, v, o);
      useKernels(null);
      try {
        const plain = ops.attention(q, k, v, o);
        expect(fast.shape).toEqual(plain.shape);
        expectClose(fast.data, plain.data, 2e-6, 1e-5);
      } finally {
        useKernels(modules, "test");
      }
    });
  }
});

describe("SiLU kernel", () => {
  /** x·σ(x) in float64, the truth both paths are held to. */
  const silu64 = (v: number) => v / (1 + Math.exp(-v));
  // Lengths around the 4-lane loop's tail, and one split across threads.
  for (const n of [1, 3, 4, 5, 17, 1000, 300_001]) {
    it(`matches x·σ(x) in float64 and the TypeScript loop over ${n} elements`, () => {
      const x = randomTensor([n], n, 8);
      const y = ops.silu(x);
      const plain = ops.siluPlain(x);
      for (let i = 0; i < n; i++) {
        const want = silu64(x.data[i]!);
        // A few float32 ulps: the kernel's e^x has a relative error under 2e-7.
        expect(Math.abs(y.data[i]! - want)).toBeLessThanOrEqual(6e-7 * Math.abs(want) + 1e-30);
        expect(Math.abs(plain.data[i]! - want)).toBeLessThanOrEqual(6e-8 * Math.abs(want) + 1e-30);
      }
    });
  }

  it("saturates without overflow: x for large x, about 0 for very negative x, NaN as PyTorch gives it", () => {
    const x = new Tensor(Float32Array.from([0, -0, 1, -1, 20, -20, 88, 89, 100, 1e30, -88, -89, -100, -1e30, Infinity, -Infinity, NaN]), [17]);
    const y = ops.silu(x).data;
    // x/(1 + e^−x): ∞ for +∞, NaN for −∞ (−∞/∞) and NaN.
    const want = Array.from(x.data, (v) => (v === Infinity ? Infinity : silu64(v)));
    for (let i = 0; i < want.length; i++) {
      if (Number.isNaN(want[i]!)) expect(y[i]).toBeNaN();
      else if (want[i] === Infinity) expect(y[i]).toBe(Infinity);
      else expect(Math.abs(y[i]! - want[i]!)).toBeLessThanOrEqual(6e-7 * Math.abs(want[i]!) + 1e-30);
    }
  });
});

describe("RMSNorm kernel", () => {
  /** x·(offset + w)/sqrt(mean(x²) + eps) per row, all in float64. */
  function rms64(x: Float32Array, c: number, w: Float32Array | undefined, eps: number, offset: number): number[] {
    const out: number[] = [];
    for (let o = 0; o < x.length; o += c) {
      let sq = 0;
      for (let i = 0; i < c; i++) sq += x[o + i]! * x[o + i]!;
      const inv = 1 / Math.sqrt(sq / c + eps);
      for (let i = 0; i < c; i++) out.push(x[o + i]! * inv * (w ? offset + w[i]! : 1));
    }
    return out;
  }
  // Row widths around the 4-lane loop's tail; with and without a weight, Gemma's offset.
  for (const [rows, c] of [[1, 1], [2, 3], [3, 4], [2, 7], [128, 768], [5, 770]] as const) {
    for (const [weighted, offset] of [[false, 0], [true, 0], [true, 1]] as const) {
      it(`matches float64 and the TypeScript loop for x[${rows}, ${c}]${weighted ? ` with weight, offset ${offset}` : ""}`, () => {
        expect(kernels()).toBeDefined();
        const x = randomTensor([rows, c], rows * 31 + c, 3);
        const w = weighted ? randomTensor([c], c + 7, 1) : undefined;
        const y = ops.rmsNorm(x, w, 1e-5, offset);
        const plain = ops.rmsNormPlain(x, w, 1e-5, offset);
        const want = rms64(x.data, c, w?.data, 1e-5, offset);
        expect(y.shape).toEqual([rows, c]);
        for (let i = 0; i < want.length; i++) {
          // One rounding to float32 of the same float64 value (sums in another order: at most an ulp).
          expect(Math.abs(y.data[i]! - want[i]!)).toBeLessThanOrEqual(1.2e-7 * Math.abs(want[i]!) + 1e-30);
          expect(Math.abs(y.data[i]! - plain.data[i]!)).toBeLessThanOrEqual(1.2e-7 * Math.abs(plain.data[i]!) + 1e-30);
        }
      });
    }
  }
});

describe("RoPE kernel (rotate_half)", () => {
  // [B, H, T, D], rotary dims, per-batch positions: full and partial rotary, a half that is
  // not a multiple of 4 (the TypeScript loop answers), positions per batch row.
  const CASES: [number[], number | undefined, boolean][] = [
    [[1, 12, 9, 64], undefined, false],
    [[2, 3, 5, 64], 32, false],
    [[1, 2, 3, 12], 8, false],
    [[2, 2, 4, 16], undefined, true],
    [[1, 2, 3, 6], undefined, false],
  ];
  for (const [shape, rotaryDim, perBatch] of CASES) {
    it(`gives the TypeScript loop's bits for x${JSON.stringify(shape)}${rotaryDim ? `, rotaryDim ${rotaryDim}` : ""}${perBatch ? ", per-batch positions" : ""}`, () => {
      const [b, , t] = shape as [number, number, number, number];
      const x = randomTensor(shape, shape.reduce((p, q) => p * 7 + q, 1), 2);
      const positions = perBatch ? new IntTensor(Int32Array.from({ length: b * t }, (_, i) => 3 + 5 * i), [b, t]) : Int32Array.from({ length: t }, (_, i) => 1000 + i);
      const opts = { theta: 10000, style: "rotate_half" as const, rotaryDim };
      const fast = ops.rope(x, positions, opts);
      useKernels(null);
      let slow: Tensor;
      try {
        slow = ops.rope(x, positions, opts);
      } finally {
        useKernels(modules, "test");
      }
      expect(fast.shape).toEqual(shape);
      expect(Array.from(fast.data)).toEqual(Array.from(slow.data));
      // The tail dims of a partial rotary are copies.
      const d = shape[3]!;
      const rd = rotaryDim ?? d;
      for (let r = 0; r < x.size / d; r++) for (let j = rd; j < d; j++) expect(fast.data[r * d + j]).toBe(x.data[r * d + j]);
    });
  }

  it("runs on the kernel when half the rotary dims is a multiple of 4", () => {
    const x = randomTensor([1, 1, 2, 8], 5, 1);
    const cos = Float32Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
    const sin = Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const y = ropeHalfKernel(x.data, cos, sin, 1, 1, 2, 8, 4, 1)!;
    expect(y).toBeDefined();
    // Angle 0 keeps row 0; angle π/2 (cos 0, sin 1) maps (x1, x2) to (−x2, x1).
    expect(Array.from(y.subarray(0, 8))).toEqual(Array.from(x.data.subarray(0, 8)));
    const r1 = x.data.subarray(8);
    expect(Array.from(y.subarray(8))).toEqual([...Array.from(r1.subarray(4), (v) => -v), ...Array.from(r1.subarray(0, 4))]);
    expect(ropeHalfKernel(x.data, cos, sin, 1, 1, 2, 8, 2, 1)).toBeUndefined();
  });
});

describe("elementwise arithmetic kernel", () => {
  // Long enough for the kernel (short arrays stay on the TypeScript loop); odd for the tail.
  const n = 20_003;
  for (const op of ["add", "sub", "mul", "div"] as const) {
    it(`${op} gives the TypeScript loop's bits over ${n} elements, infinities and NaN included`, () => {
      const a = randomTensor([1, n], 41, 4);
      const b = randomTensor([1, n], 42, 4);
      a.data.set([Infinity, -Infinity, NaN, 0, -0, 1e38, 3e-39]);
      b.data.set([1, Infinity, 2, 0, 5, 1e38, 2]);
      const fast = ops[op](a, b);
      useKernels(null);
      let slow: Tensor;
      try {
        slow = ops[op](a, b);
      } finally {
        useKernels(modules, "test");
      }
      expect(fast.shape).toEqual([1, n]);
      for (let i = 0; i < n; i++) expect(Object.is(fast.data[i], slow.data[i]) || (Number.isNaN(fast.data[i]) && Number.isNaN(slow.data[i]))).toBe(true);
      // And the values themselves: a few by hand.
      const plus = (x: number, y: number) => Math.fround(op === "add" ? x + y : op === "sub" ? x - y : op === "mul" ? x * y : x / y);
      for (const i of [0, 1, 3, 5, 6, 100, n - 1]) {
        const want = plus(a.data[i]!, b.data[i]!);
        if (Number.isNaN(want)) expect(fast.data[i]).toBeNaN();
        else expect(fast.data[i]).toBe(want);
      }
    });
  }
});

describe("elementwise arithmetic kernel on a decoding step's short heap operands", () => {
  // Inside a forward scope with both operands in the heap (a residual add, SiLU·up), even
  // short arrays take the kernel; lengths around its 4-lane step and tail.
  for (const op of ["add", "sub", "mul", "div"] as const) {
    it(`${op} gives the TypeScript loop's bits for 1 to 300 elements in the heap`, () => {
      for (const n of [1, 3, 4, 5, 7, 64, 67, 288, 300]) {
        const a = randomTensor([1, n], 43 + n, 4);
        const b = randomTensor([1, n], 44 + n, 4);
        a.data.set([Infinity, -Infinity, NaN, 0, -0].slice(0, n));
        b.data.set([1, Infinity, 2, 0, 5].slice(0, n));
        const slow = ops[op](a, b);
        const scope = new ActivationScope();
        try {
          const ha = activationArray(n);
          const hb = activationArray(n);
          ha.set(a.data);
          hb.set(b.data);
          const fast = ops[op](new Tensor(ha, [1, n]), new Tensor(hb, [1, n]));
          // Arrays of 64 floats or more are heap activations: the kernel's operands.
          expect(kernels()!.heap.contains(fast.data)).toBe(n >= 64);
          for (let i = 0; i < n; i++) expect(Object.is(fast.data[i], slow.data[i]) || (Number.isNaN(fast.data[i]) && Number.isNaN(slow.data[i])), `${op} n ${n} [${i}]`).toBe(true);
        } finally {
          scope.close();
        }
      }
    });
  }
});

describe("worker threads", () => {
  // Large enough to be split across threads (the pool skips jobs under ~10^5 multiply-adds).
  const cases: [string, () => Tensor][] = [
    ["decode-shaped linear x[1, 1000] · W[999, 1000]ᵀ", () => ops.linear(randomTensor([1, 1000], 11), randomTensor([999, 1000], 12), randomTensor([999], 13))],
    ["prefill-shaped linear x[37, 256] · W[301, 256]ᵀ", () => ops.linear(randomTensor([37, 256], 14), randomTensor([301, 256], 15))],
    ["linearInOut x[9, 300] · W[300, 517]", () => ops.linearInOut(randomTensor([9, 300], 16), randomTensor([300, 517], 17), randomTensor([517], 18))],
    ["batched matmul [3, 40, 64] · [64, 130]", () => ops.matmul(randomTensor([3, 40, 64], 19), randomTensor([64, 130], 20))],
    ["SiLU over 300,001 elements", () => ops.silu(randomTensor([300_001], 21, 8))],
    // One query per head against 300 cached keys (decoding, grouped kv heads), and a causal prefill of two sequences.
    ["attention q[1, 6, 1, 48] over 300 of 400 cached keys, 2 kv heads", () =>
      ops.attention(randomTensor([1, 6, 1, 48], 22), toSharedMemory(randomTensor([1, 2, 400, 48], 23)), toSharedMemory(randomTensor([1, 2, 400, 48], 24)), { causal: true, keyLength: 300 })],
    ["causal attention q, k, v [2, 4, 16, 32]", () => ops.attention(randomTensor([2, 4, 16, 32], 25), randomTensor([2, 4, 16, 32], 26), randomTensor([2, 4, 16, 32], 27), { causal: true })],
  ];
  for (const [name, run] of cases) {
    it(`${name}: 2 and 3 threads give the single thread's result`, () => {
      setThreads(1);
      const one = run();
      for (const n of [2, 3]) {
        setThreads(n);
        const many = run();
        expect(many.shape).toEqual(one.shape);
        expectClose(many.data, one.data, 1e-6, 1e-6);
      }
      setThreads(threadsBefore);
    });
  }

  it("a decode-shaped product is bit for bit the same on 1, 2 and 3 threads (chunk edges on multiples of 8)", async () => {
    const x = randomTensor([1, 1000], 31);
    const w = toSharedMemory(randomTensor([999, 1000], 32));
    setThreads(1);
    const one = Array.from(ops.linear(x, w).data);
    for (const n of [2, 3]) {
      setThreads(n);
      ops.linear(x, w);
      // Once the workers are up they take chunks; every cut must give the same bits.
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 5; i++) expect(Array.from(ops.linear(x, w).data)).toEqual(one);
    }
    setThreads(threadsBefore);
  });

  it("workers take chunks of the jobs", async () => {
    setThreads(2);
    const x = randomTensor([1, 1000], 23);
    const w = toSharedMemory(randomTensor([999, 1000], 24));
    ops.linear(x, w);
    // A worker starts in the background (slowly on a loaded machine: up to 15 s here); once
    // up, it claims chunks of jobs that come back to back.
    const before = kernels()!.pool.workerChunks;
    const deadline = Date.now() + 15_000;
    while (kernels()!.pool.workerChunks === before && Date.now() < deadline) {
      for (let i = 0; i < 50; i++) ops.linear(x, w);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(kernels()!.pool.workerChunks).toBeGreaterThan(before);
    setThreads(threadsBefore);
  });

  it("the pool survives a switch of kernels (workers of the old pool exit)", () => {
    setThreads(2);
    const x = randomTensor([1, 1000], 21);
    const w = randomTensor([999, 1000], 22);
    const before = ops.linear(x, w);
    useKernels(modules, "test");
    expect(Array.from(ops.linear(x, w).data)).toEqual(Array.from(before.data));
    setThreads(threadsBefore);
  });
});

describe("TypeScript fallback", () => {
  it("ops answer without WebAssembly, within float32 rounding of the kernels", () => {
    const x = randomTensor([6, 33], 31, 1);
    const w = randomTensor([17, 33], 32, 1);
    const fast = ops.linear(x, w);
    useKernels(null);
    try {
      expect(kernelBackend()).toBe("js");
      const slow = ops.linear(x, w);
      expectClose(slow.data, fast.data, tol(33), 1e-5);
      expect(toSharedMemory(w)).toBe(w);
    } finally {
      useKernels(modules, "test");
    }
  });
});

describe("archc bench --json", () => {
  it("prints the protocol's fields for a tiny Llama checkpoint", async () => {
    const dir = join(__dirname, "../../../shared/conformance/llama-tiny");
    const r = await archc("bench", dir, "--json", "--threads", "1", "--prompt-len", "6", "--steps", "3", "--rounds", "2");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const line = JSON.parse(r.out.trim()) as Record<string, unknown>;
    expect(line.model).toBe("llama-tiny");
    expect(line.threads).toBe(1);
    for (const k of ["prefill_tok_s", "decode_tok_s"]) {
      const xs = line[k] as number[];
      expect(xs).toHaveLength(2);
      for (const x of xs) expect(x).toBeGreaterThan(0);
    }
    expect(line.peak_rss_mb).toBeGreaterThan(0);
    expect(line.prompt_tokens).toBe(6);
    expect(line.decode_steps).toBe(3);
  }, 120_000);
});

describe("protocol prompt", () => {
  it("is BOS then (1 + 7919·i) mod 32000", async () => {
    const { protocolPrompt } = await import("../../src/cli/bench-protocol.js");
    const ids = protocolPrompt(128);
    expect(ids).toHaveLength(128);
    expect(ids.slice(0, 4)).toEqual([1, 7920, 15839, 23758]);
    expect(ids[127]).toBe((1 + 7919 * 127) % 32000);
    expect(new IntTensor(Int32Array.from(ids), [1, 128]).shape).toEqual([1, 128]);
  });
});
