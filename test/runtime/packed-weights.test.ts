// Weights held as bfloat16 or int8 (src/runtime/weights/formats.ts, packed.ts) and the
// kernels that read them. Truth: bfloat16 → float32 is exact, so the bfloat16 kernel must
// give bit for bit what the float32 kernel gives on the widened matrix (same operations in
// the same order); rounding and quantization are checked against their definitions.
// No timing here.
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntTensor, ops, PackedTensor, randomTensor, readSafetensors, setThreads, getThreads, Tensor, toBf16Bits, type RowSource } from "../../src/runtime/index.js";
import { compileKernels, kernelBackend, kernels, sharedArray, sharedBytes, useKernels, type KernelModules } from "../../src/runtime/kernels/index.js";
import { expectClose } from "./close.js";
import { loadTestKernels } from "./kernel-modules.js";
import { decodeQ8, encodeQ8, Q8_BLOCK, x16ScalesOffset } from "../../src/runtime/weights/formats.js";
import { encodeRowX16 } from "../../src/runtime/kernels/linear.js";
import { Staging } from "../../src/runtime/kernels/staging.js";
import { OP_LINEAR_Q8 } from "../../src/runtime/kernels/thread-pool.js";
import { fileBytes, tempDir, writeFile } from "./safetensors-bytes.js";

let modules: KernelModules;

beforeAll(async () => {
  modules = await loadTestKernels();
});

const threadsBefore = getThreads();
afterAll(() => setThreads(threadsBefore));

/** A source of rows over float32 values in memory. */
function memoryRows(values: Float32Array, cols: number): RowSource {
  return { f32: (r0, r1) => values.slice(r0 * cols, r1 * cols) };
}

const inHeap = { bytes: (n: number) => sharedBytes(n), floats: (n: number) => sharedArray(n) };

/** `w` rounded to bfloat16 and widened back, as a plain float32 tensor. */
function bf16Rounded(w: Tensor): Tensor {
  const out = new Float32Array(w.data.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) bits[i] = toBf16Bits(w.data[i]!) << 16;
  return new Tensor(out, [...w.shape]);
}

// [rows, in, out]: single rows (four streams: aligned, unaligned and single-row passes), 2×4 tiles with odd row
// and column counts, in % 4 tails, blocks of many rows.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 3, 5], [1, 17, 33], [1, 64, 1000], [1, 800, 13], [1, 1000, 7], [1, 16, 259], [1, 1024, 67],
  [2, 4, 3], [3, 17, 17], [5, 8, 4], [17, 33, 17], [9, 1000, 13], [128, 48, 100], [6, 96, 1000],
];

describe("bfloat16 weights", () => {
  it("rounds float32 to nearest, ties to even, keeping NaN and infinities", () => {
    const bits = (x: number) => toBf16Bits(x);
    const f = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0]!;
    expect(bits(1)).toBe(0x3f80);
    expect(bits(f(0x3f808000))).toBe(0x3f80); // tie, even below
    expect(bits(f(0x3f818000))).toBe(0x3f82); // tie, even above
    expect(bits(f(0x3f808001))).toBe(0x3f81);
    expect(bits(-Infinity)).toBe(0xff80);
    expect(bits(f(0x7f7fffff))).toBe(0x7f80); // the largest float rounds up to infinity
    expect(Number.isNaN(f(bits(NaN) << 16))).toBe(true);
  });

  for (const threads of [1, 2]) {
    for (const [rows, inDim, outDim] of SHAPES) {
      it(`x[${rows}, ${inDim}] · W[${outDim}, ${inDim}]ᵀ + b from bfloat16 equals the float32 kernel on the widened W, bit for bit (${threads} thread${threads > 1 ? "s" : ""})`, () => {
        setThreads(threads);
        checkBf16(rows, inDim, outDim);
      });
    }
  }

  it("holds 2 bytes a weight, decodes looked-up rows exactly, and widens once for other readers", () => {
    const w = bf16Rounded(randomTensor([50, 12], 3, 1));
    const packed = new PackedTensor("bf16", [50, 12], memoryRows(w.data, 12), inHeap);
    expect(packed.heldBytes).toBe(50 * 12 * 2);
    const ids = new IntTensor(Int32Array.of(7, 0, 49, 7), [2, 2]);
    expect(Array.from(ops.embedding(ids, packed).data)).toEqual(Array.from(ops.embedding(ids, w).data));
    expect(packed.size).toBe(600);
    expect(Array.from(packed.data)).toEqual(Array.from(w.data));
    expect(packed.packed()).toBeUndefined();
    expect(packed.heldBytes).toBe(50 * 12 * 4);
  });

  it("keeps data an accessor of the class, so that every packed weight has one (fast) object shape", () => {
    const w = bf16Rounded(randomTensor([4, 8], 5, 1));
    const a = new PackedTensor("bf16", [4, 8], memoryRows(w.data, 8), inHeap);
    const b = new PackedTensor("bf16", [4, 8], memoryRows(w.data, 8), inHeap);
    expect(Array.from(a.data)).toEqual(Array.from(w.data));
    expect(Object.hasOwn(a, "data")).toBe(false);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    const assigned = new Float32Array(32).fill(2);
    b.data = assigned;
    expect(b.data).toBe(assigned);
  });

  it("computes the same on the TypeScript kernels (which widen the matrix)", () => {
    const x = randomTensor([3, 20], 1, 1);
    const w = bf16Rounded(randomTensor([9, 20], 2, 1));
    const packed = new PackedTensor("bf16", [9, 20], memoryRows(w.data, 20));
    expect(Array.from(ops.linearPlain(x, packed).data)).toEqual(Array.from(ops.linearPlain(x, w).data));
  });

  it("keeps a bfloat16 checkpoint's matrices bfloat16 by default, and widens them with weights: fp32", () => {
    // A [3, 2] BF16 matrix and a [2] BF16 vector.
    const words = [0x3f80, 0xbf80, 0x4000, 0x4040, 0x3f00, 0x0000, 0x3f80, 0x4000];
    const header = { m: { dtype: "BF16", shape: [3, 2], data_offsets: [0, 12] }, v: { dtype: "BF16", shape: [2], data_offsets: [12, 16] } };
    const path = writeFile(tempDir(), "model.safetensors", fileBytes(header, words.flatMap((w) => [w & 0xff, w >> 8])));
    const auto = readSafetensors(path).tensors;
    expect(auto.get("m")).toBeInstanceOf(PackedTensor);
    expect((auto.get("m") as PackedTensor).format).toBe("bf16");
    expect(auto.get("v")).not.toBeInstanceOf(PackedTensor);
    const wide = readSafetensors(path, { weights: "fp32" }).tensors;
    expect(wide.get("m")).not.toBeInstanceOf(PackedTensor);
    expect(Array.from(auto.get("m")!.data)).toEqual([1, -1, 2, 3, 0.5, 0]);
    expect(Array.from(wide.get("m")!.data)).toEqual([1, -1, 2, 3, 0.5, 0]);
    expect(Array.from(auto.get("v")!.data)).toEqual([1, 2]);
  });

  it("rounds a float32 checkpoint to bfloat16 with weights: bf16", () => {
    const values = [1.00390625, 1.005859375, -3.1, 1e-3, 7, 0];
    const bytes = new Uint8Array(new Float32Array(values).buffer);
    const path = writeFile(tempDir(), "model.safetensors", fileBytes({ m: { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] } }, bytes));
    const m = readSafetensors(path, { weights: "bf16", defer: true }).tensors.get("m")!;
    expect(m).toBeInstanceOf(PackedTensor);
    const expected = values.map((v) => new Float32Array(new Uint32Array([toBf16Bits(v) << 16]).buffer)[0]);
    expect(Array.from(m.data)).toEqual(expected);
  });
});


/** W's int8 blocks and the float32 matrix they stand for. */
function quantized(w: Tensor): { q: Int8Array; s: Float32Array; values: Tensor } {
  const q = new Int8Array(w.data.length);
  const s = new Float32Array(w.data.length / Q8_BLOCK);
  encodeQ8(w.data, q, s);
  const values = new Float32Array(w.data.length);
  decodeQ8(q, s, values);
  return { q, s, values: new Tensor(values, [...w.shape]) };
}

// [rows, in, out] with in a multiple of 32. Single rows: groups of four rows streamed four
// at a time 4 KiB-multiples apart (768×70: 16 groups so, 1 alone, 2 rows left; 64×1000: two
// passes, then groups alone), groups alone, rows outside whole groups.
const Q8_SHAPES: [number, number, number][] = [
  [1, 32, 1], [1, 64, 9], [1, 288, 33], [1, 768, 20], [1, 768, 70], [1, 64, 1000], [2, 32, 3], [3, 96, 17], [9, 64, 13], [128, 64, 100], [6, 256, 1000], [5, 2048, 12],
];

describe("int8 weights (32-weight blocks)", () => {
  it("quantizes each block to q·s with s = max|w|/127, |q| <= 127, within half a step", () => {
    const w = randomTensor([4, 96], 11, 1);
    w.data[5] = 40; // an outlier: only its own block gets a coarse scale
    const { q, s, values } = quantized(w);
    for (let b = 0; b < s.length; b++) {
      let max = 0;
      for (let i = 0; i < Q8_BLOCK; i++) max = Math.max(max, Math.abs(w.data[b * Q8_BLOCK + i]!));
      expect(s[b]).toBe(Math.fround(max / 127));
      for (let i = 0; i < Q8_BLOCK; i++) {
        const k = b * Q8_BLOCK + i;
        expect(Math.abs(q[k]!)).toBeLessThanOrEqual(127);
        expect(Math.abs(values.data[k]! - w.data[k]!)).toBeLessThanOrEqual(s[b]! * 0.5 * (1 + 1e-6));
      }
    }
    expect(q[5]).toBe(127);
    expect(s[1]).toBeLessThan(s[0]! / 10);
    // Zero blocks stay zero.
    const z = quantized(Tensor.zeros([1, 32]));
    expect(Array.from(z.values.data).every((v) => v === 0)).toBe(true);
  });

  for (const threads of [1, 2]) {
    for (const [rows, inDim, outDim] of Q8_SHAPES) {
      it(`x[${rows}, ${inDim}] · W[${outDim}, ${inDim}]ᵀ + b from int8 (${threads} thread${threads > 1 ? "s" : ""}): ${rows > 1 ? "bit for bit the float32 kernel on the dequantized W" : "the dequantized product within float32 summation error"}`, () => {
        setThreads(threads);
        checkQ8(rows, inDim, outDim);
      });
    }
  }

  it("keeps x in float32 when it holds NaN or infinities, which then propagate", () => {
    const w = randomTensor([16, 64], 4, 1);
    const packed = new PackedTensor("int8", [16, 64], memoryRows(w.data, 64), inHeap);
    const x = randomTensor([1, 64], 5, 1);
    x.data[40] = NaN;
    expect(Array.from(ops.linear(x, packed).data).every(Number.isNaN)).toBe(true);
    x.data[40] = Infinity;
    const y = ops.linear(x, packed).data;
    const ref = ops.linear(x, quantized(w).values).data;
    for (let o = 0; o < 16; o++) expect(y[o]).toBe(ref[o]);
  });

  it("stores rows in groups of four, block-interleaved, with the scales after them in the same order", () => {
    // 5 rows of 64: groups {0..3} and {4}; in each group block 0 of its rows, then block 1.
    // Row r's weights: block b all (r + 1)·(b + 1)/128 but one, −127/128 (scale 1/128).
    const w = new Float32Array(5 * 64);
    for (let r = 0; r < 5; r++) {
      for (let k = 0; k < 64; k++) w[r * 64 + k] = k % 32 === r ? -127 / 128 : ((r + 1) * (1 + (k >> 5))) / 128;
    }
    const packed = new PackedTensor("int8", [5, 64], memoryRows(w, 64), inHeap);
    const bytes = packed.packed()!;
    expect(bytes.length).toBe(8 * 64 + 8 * 2 * 4);
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, 8 * 64);
    const s = new Float32Array(bytes.buffer, bytes.byteOffset + 8 * 64, 16);
    // Block b of row r at 32-byte slot ((r >> 2)·2 + b)·4 + r % 4.
    const slot = (r: number, b: number) => (((r >> 2) * 2 + b) * 4 + (r % 4)) * 32;
    expect(Array.from(q.subarray(slot(2, 1), slot(2, 1) + 4))).toEqual([6, 6, -127, 6]);
    expect(Array.from(q.subarray(slot(4, 0), slot(4, 0) + 6))).toEqual([5, 5, 5, 5, -127, 5]);
    expect(Array.from(q.subarray(slot(3, 1) + 2, slot(3, 1) + 5))).toEqual([8, -127, 8]);
    // Every scale is 1/128; the places of rows 5..7 (the last group's missing rows) unused.
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 12]) expect(s[i]).toBe(1 / 128);
    // Read back through a table lookup (packed.ts) and a product (quant.wat).
    const ids = new IntTensor(Int32Array.of(4, 1), [2]);
    expect(Array.from(ops.embedding(ids, packed).data)).toEqual([...w.subarray(256, 320), ...w.subarray(64, 128)]);
  });

  it("decodes a hand-computed product exactly: integer block sums scaled by powers of two", () => {
    // Scales chosen exact: each weight block's largest |w| is 127/128 (s_w = 2^−7), each x
    // block's 32767/2^15 (s_x = 2^−15), so every value is an integer times its scale, the
    // sums (< 2^24) are exact in float32, and y[o] = 2^−22·Σ q[o, k]·xq[k] + b[o] with one
    // rounding, the bias's addition.
    const inDim = 64;
    for (const outDim of [5, 16, 70]) {
      const q = new Int8Array(outDim * inDim);
      const xq = new Int16Array(inDim);
      for (let k = 0; k < inDim; k++) xq[k] = k % 32 === 31 ? 32767 : (k % 7) - 3;
      for (let o = 0; o < outDim; o++) for (let k = 0; k < inDim; k++) q[o * inDim + k] = k % 32 === o % 32 ? 127 : ((o + k) % 5) - 2;
      const w = Float32Array.from(q, (v) => v / 128);
      const x = new Tensor(Float32Array.from(xq, (v) => v / 32768), [1, inDim]);
      const b = new Tensor(Float32Array.from({ length: outDim }, (_, o) => o / 4), [outDim]);
      const expected: number[] = [];
      for (let o = 0; o < outDim; o++) {
        let sum = 0;
        for (let k = 0; k < inDim; k++) sum += q[o * inDim + k]! * xq[k]!;
        expected.push(Math.fround(sum / 2 ** 22 + o / 4));
      }
      const packed = new PackedTensor("int8", [outDim, inDim], memoryRows(w, inDim), inHeap);
      for (const threads of [1, 2]) {
        setThreads(threads);
        expect(Array.from(ops.linear(x, packed, b).data), `${outDim} rows, ${threads} threads`).toEqual(expected);
      }
      // With no kernels the matrix is widened to float32 (exact here) and multiplied in TypeScript.
      const plain = new PackedTensor("int8", [outDim, inDim], memoryRows(w, inDim));
      expect(Array.from(ops.linearPlain(x, plain, b).data)).toEqual(expected);
    }
  });

  it("rounds activations to int16 blocks within half a step (and the quotient's float32 rounding)", () => {
    const x = randomTensor([1, 128], 6, 3);
    x.data[3] = 1000;
    x.data.fill(0, 64, 96); // a zero block: scale 0, values 0
    const { q, sx } = x16Blocks(x.data)!;
    expect(q[3]).toBe(32767);
    expect(sx[0]).toBe(Math.fround(1000 / 32767));
    expect(sx[2]).toBe(0);
    for (let b = 0; b < 4; b++) {
      let max = 0;
      for (let k = b * 32; k < b * 32 + 32; k++) max = Math.max(max, Math.abs(x.data[k]!));
      expect(sx[b]).toBe(Math.fround(max / 32767));
    }
    for (let k = 0; k < 128; k++) expect(Math.abs(q[k]! * sx[(k / 32) | 0]! - x.data[k]!)).toBeLessThanOrEqual(sx[(k / 32) | 0]! * (0.5 + 2 ** -10));
    // Ties go to even: 2.5 and −1.5 steps of a block whose largest value is 32767 steps.
    const ties = new Float32Array(32);
    ties[0] = 32767;
    ties[1] = 2.5;
    ties[2] = -1.5;
    expect(Array.from(x16Blocks(ties)!.q.subarray(0, 3))).toEqual([32767, 2, -2]);
    // NaN or an infinity anywhere: no int16 form.
    for (const bad of [NaN, Infinity, -Infinity]) {
      x.data[100] = bad;
      expect(x16Blocks(x.data)).toBeUndefined();
    }
  });

  it("looks up rows of an int8 table as their dequantized values", () => {
    const w = randomTensor([40, 64], 5, 1);
    const packed = new PackedTensor("int8", [40, 64], memoryRows(w.data, 64), inHeap);
    const ids = new IntTensor(Int32Array.of(39, 2, 2), [3]);
    expect(Array.from(ops.embedding(ids, packed).data)).toEqual(Array.from(ops.embedding(ids, quantized(w).values).data));
    expect(packed.packed()).toBeDefined();
  });

  it("quantizes a checkpoint's matrices whose rows are whole blocks with weights: int8; the rest stay float32", () => {
    const a = randomTensor([3, 64], 1, 1);
    const c = randomTensor([2, 20], 2, 1);
    const v = randomTensor([5], 3, 1);
    const bytes = new Uint8Array(4 * (192 + 40 + 5));
    const f = new Float32Array(bytes.buffer);
    f.set(a.data, 0);
    f.set(c.data, 192);
    f.set(v.data, 232);
    const header = {
      a: { dtype: "F32", shape: [3, 64], data_offsets: [0, 768] },
      c: { dtype: "F32", shape: [2, 20], data_offsets: [768, 928] },
      v: { dtype: "F32", shape: [5], data_offsets: [928, 948] },
    };
    const path = writeFile(tempDir(), "model.safetensors", fileBytes(header, bytes));
    for (const defer of [false, true]) {
      const t = readSafetensors(path, { weights: "int8", defer, alloc: sharedArray, allocBytes: sharedBytes }).tensors;
      expect((t.get("a") as PackedTensor).format).toBe("int8");
      expect(t.get("c")).not.toBeInstanceOf(PackedTensor);
      expect(t.get("v")).not.toBeInstanceOf(PackedTensor);
      expect(Array.from(t.get("a")!.data)).toEqual(Array.from(quantized(a).values.data));
      expect(Array.from(t.get("c")!.data)).toEqual(Array.from(c.data));
    }
  });
});

/** The bfloat16 kernel against the float32 kernel on the widened matrix: identical bits. */
function checkBf16(rows: number, inDim: number, outDim: number): void {
  const seed = rows * 7 + inDim * 131 + outDim * 8191;
  const x = randomTensor([rows, inDim], seed, 1);
  const w = bf16Rounded(randomTensor([outDim, inDim], seed + 1, 1));
  const b = randomTensor([outDim], seed + 2, 1);
  const packed = new PackedTensor("bf16", [outDim, inDim], memoryRows(w.data, inDim), inHeap);
  const y = ops.linear(x, packed, b);
  expect(packed.packed(), "still bfloat16 after the product").toBeDefined();
  expect(Array.from(y.data)).toEqual(Array.from(ops.linear(x, w, b).data));
  expect(Array.from(ops.linear(x, packed).data)).toEqual(Array.from(ops.linear(x, w).data));
}

/**
 * The int8 kernels: several rows of x, bit for bit the float32 kernel on the dequantized
 * matrix. One row (decoding): x rounded to int16 blocks (|x − xq·sx| <= sx·(1/2 + 2^−10)), exact integer
 * block sums, then float32: every term passes through at most nb + 10 roundings (the block
 * sum's conversion, the scales' product, the scaling, the chain over nb blocks, the
 * horizontal sum, the bias), so |y − exact| <= Σ_k |w_k|·sx/2 + (nb + 10)·2^−24·(Σ|x·w| + |b|).
 * The float32 decoding kernel (linear_q8, used when x holds NaN or infinities) sums 4-deep
 * product chains instead and meets the second term alone.
 */
function checkQ8(rows: number, inDim: number, outDim: number): void {
  const seed = rows * 3 + inDim * 17 + outDim * 4099;
  const x = randomTensor([rows, inDim], seed, 1);
  const w = randomTensor([outDim, inDim], seed + 1, 1);
  const b = randomTensor([outDim], seed + 2, 1);
  const { values } = quantized(w);
  const packed = new PackedTensor("int8", [outDim, inDim], memoryRows(w.data, inDim), inHeap);
  // Rows are stored in groups of four (a last, partial group as if whole): per row, in int8
  // values and 4 bytes of scale per 32 of them.
  expect(packed.heldBytes).toBe(Math.ceil(outDim / 4) * 4 * (inDim + (inDim / 32) * 4));
  const y = ops.linear(x, packed, b);
  expect(packed.packed(), "still int8 after the product").toBeDefined();
  if (rows > 1) {
    expect(Array.from(y.data)).toEqual(Array.from(ops.linear(x, values, b).data));
    return;
  }
  const nb = inDim / Q8_BLOCK;
  const { sx } = x16Blocks(x.data)!;
  const yFloat = q8FloatKernel(x, packed, b);
  for (let o = 0; o < outDim; o++) {
    let exact = b.data[o]!;
    let mag = Math.abs(b.data[o]!);
    let xRounding = 0;
    for (let k = 0; k < inDim; k++) {
      const wk = values.data[o * inDim + k]!;
      exact += x.data[k]! * wk;
      mag += Math.abs(x.data[k]! * wk);
      xRounding += Math.abs(wk) * sx[(k / Q8_BLOCK) | 0]! * (0.5 + 2 ** -10);
    }
    expect(Math.abs(y.data[o]! - exact)).toBeLessThanOrEqual(xRounding + (nb + 10) * 2 ** -24 * mag);
    expect(Math.abs(yFloat[o]! - exact)).toBeLessThanOrEqual((nb + 10) * 2 ** -24 * mag);
  }
}

/** x as the int8 decoding kernel takes it (quant.wat encode_x16), or undefined for NaN or infinities. */
function x16Blocks(x: Float32Array): { q: Int16Array; sx: Float32Array } | undefined {
  const k = kernels()!;
  const st = new Staging(k.heap);
  try {
    const xp = st.input(x);
    const x16 = st.bytes(x16ScalesOffset(x.length) + (x.length / Q8_BLOCK) * 4);
    if (!encodeRowX16(xp, x16, x.length)) return undefined;
    return {
      q: new Int16Array(k.heap.buffer, x16, x.length).slice(),
      sx: k.heap.f32(x16 + x16ScalesOffset(x.length), x.length / Q8_BLOCK).slice(),
    };
  } finally {
    st.release();
  }
}

/** linear_q8 (float32 x) on one row, called directly: ops.linear takes it only for non-finite x. */
function q8FloatKernel(x: Tensor, w: PackedTensor, b: Tensor): Float32Array {
  const k = kernels()!;
  const [outDim, inDim] = w.shape as [number, number];
  const st = new Staging(k.heap);
  try {
    const args = [st.input(x.data), st.input(w.packed()!), st.input(b.data), st.output(outDim), 1, inDim, outDim];
    k.pool.run(OP_LINEAR_Q8, args, 0, outDim, 1, 8);
    return k.heap.f32(args[3]!, outDim).slice();
  } finally {
    st.release();
  }
}

/** y[r, o] = Σ x[r, k]·w[o, k] + b[o] in float64. */
function naiveLinear(x: Tensor, w: Tensor, b: Tensor): Float64Array {
  const [outDim, inDim] = w.shape as [number, number];
  const rows = x.size / inDim;
  const y = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let s = b.data[o]!;
      for (let k = 0; k < inDim; k++) s += x.data[r * inDim + k]! * w.data[o * inDim + k]!;
      y[r * outDim + o] = s;
    }
  }
  return y;
}

describe("relaxed-SIMD kernels (fused multiply-add)", () => {
  let relaxed: KernelModules | undefined;
  beforeAll(async () => {
    // V8's flag for Node 20 (later engines have relaxed SIMD on); V8 flags are per process.
    setFlagsFromString("--experimental-wasm-relaxed-simd");
    const { assembleKernels } = await import("../../scripts/build-wasm.mjs");
    const bytes = await assembleKernels(undefined, { relaxed: true });
    if (!WebAssembly.validate(bytes.linear)) return;
    relaxed = compileKernels(bytes);
    useKernels(relaxed, "memory", "relaxed");
  });
  afterAll(() => useKernels(modules));

  it("run here, labelled as such", ({ skip }) => {
    if (!relaxed) skip("this engine has no relaxed SIMD");
    expect(kernelBackend()).toBe("wasm-relaxed-simd");
  });

  it("are built with f32x4.relaxed_madd, the plain ones with mul + add", async () => {
    const { expandSource } = await import("../../scripts/build-wasm.mjs");
    const dir = join(__dirname, "../../src/runtime/kernels");
    for (const f of ["linear.wat", "quant.wat"]) {
      expect(expandSource(dir, f, true)).toContain("f32x4.relaxed_madd");
      expect(expandSource(dir, f, false)).not.toContain("relaxed");
    }
  });

  for (const threads of [1, 2]) {
    it(`float32 products agree with a float64 loop (${threads} thread${threads > 1 ? "s" : ""})`, ({ skip }) => {
      if (!relaxed) skip("this engine has no relaxed SIMD");
      setThreads(threads);
      for (const [rows, inDim, outDim] of SHAPES) {
        const x = randomTensor([rows, inDim], rows + inDim, 1);
        const w = randomTensor([outDim, inDim], outDim, 1);
        const b = randomTensor([outDim], 9, 1);
        expectClose(ops.linear(x, w, b).data, naiveLinear(x, w, b), 2e-6 * Math.sqrt(inDim) * 4, 1e-5);
      }
    });
    it(`bfloat16 equals float32 on the widened W and int8 keeps its guarantees (${threads} thread${threads > 1 ? "s" : ""})`, ({ skip }) => {
      if (!relaxed) skip("this engine has no relaxed SIMD");
      setThreads(threads);
      for (const [rows, inDim, outDim] of SHAPES) checkBf16(rows, inDim, outDim);
      for (const [rows, inDim, outDim] of Q8_SHAPES) checkQ8(rows, inDim, outDim);
    });
  }
});
