/**
 * Weight storages other than float32 and the exact float32 values they stand for. The
 * kernels read these storages directly (linear.wat, quant.wat); every other reader widens
 * them with the functions here, so a weight has one value whichever path reads it.
 *
 * - bf16: bfloat16, the top 16 bits of a float32. Widening is exact; narrowing a float32
 *   rounds to nearest, ties to even (what PyTorch's .to(torch.bfloat16) does).
 * - int8: symmetric 8-bit integers with one float32 scale per block of 32 consecutive
 *   weights of a row (the layout of llama.cpp's Q8_0, with a float32 scale): w ≈ q·s,
 *   s = max|w| / 127 over the block, q = round(w / s) in [−127, 127]. Blocks of 32 rather
 *   than one scale per row: an outlier weight then costs precision in its own 32 weights
 *   instead of its whole row (real checkpoints have outlier input channels), for 4 bytes
 *   of scale per 32 weights (1.125 bytes a weight instead of 1.0; float32 is 4). Stored in
 *   groups of four rows, block-interleaved (`q8BlockIndex`): a group's first block of each
 *   of its four rows, then their second blocks, and so on, then all the scales in the same
 *   order from `q8ScalesOffset`. The decoding kernel (quant.wat) then reads a group as one
 *   sequential stream and gets a block's four scales with one load.
 */

/** Weights per int8 scale. */
export const Q8_BLOCK = 32;

/** The storages a weight matrix can be held in besides float32. */
export type PackedFormat = "bf16" | "int8";

/** What `--weights` asks for: `auto` keeps bfloat16 checkpoints bfloat16 and the rest float32. */
export const WEIGHT_MODES = ["auto", "fp32", "bf16", "int8"] as const;
export type WeightMode = (typeof WEIGHT_MODES)[number];

export function isWeightMode(s: unknown): s is WeightMode {
  return typeof s === "string" && (WEIGHT_MODES as readonly string[]).includes(s);
}

/** Bytes a rows × cols matrix takes in `format`. */
export function packedBytes(format: PackedFormat, rows: number, cols: number): number {
  return format === "bf16" ? rows * cols * 2 : q8ScalesOffset(rows, cols) * (1 + 4 / Q8_BLOCK);
}

/** Rows whose int8 blocks are interleaved (a last group of fewer rows keeps the places of the missing ones). */
export const Q8_GROUP = 4;

/** Where an int8 matrix's scales start: after its groups of four rows of int8 values (quant.wat computes the same). */
export function q8ScalesOffset(rows: number, cols: number): number {
  return Math.ceil(rows / Q8_GROUP) * Q8_GROUP * cols;
}

/**
 * The place of block b of row r (nb blocks a row) in an int8 matrix: its 32 int8 values are
 * at byte 32·i, its scale is float32 number i from q8ScalesOffset. Groups of four rows one
 * after another; within a group block by block; within a block the four rows side by side
 * ([rows/4, nb, 4]; quant.wat computes the same).
 */
export function q8BlockIndex(r: number, b: number, nb: number): number {
  return (Math.floor(r / Q8_GROUP) * nb + b) * Q8_GROUP + (r % Q8_GROUP);
}

/** Whether a matrix with rows of `cols` weights can be stored as int8 blocks. */
export function q8Fits(cols: number): boolean {
  return cols > 0 && cols % Q8_BLOCK === 0;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. */
export function toBf16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  if ((b & 0x7fffffff) > 0x7f800000) return ((b >>> 16) | 0x40) & 0xffff;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Narrows `src` into bfloat16 bits at `dst` (same length). */
export function encodeBf16(src: Float32Array, dst: Uint16Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = toBf16Bits(src[i]!);
}

/** Widens bfloat16 bits to float32 (exact). */
export function decodeBf16(src: Uint16Array, dst: Float32Array): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
}

/**
 * Quantizes `src` (a whole number of 32-weight blocks) into int8 values `q` and one scale
 * per block `s` (q[i] and s[i / 32] for src[i]).
 */
export function encodeQ8(src: Float32Array, q: Int8Array, s: Float32Array): void {
  for (let b = 0; b < src.length / Q8_BLOCK; b++) s[b] = encodeQ8Block(src, b * Q8_BLOCK, q, b * Q8_BLOCK);
}

/** Quantizes the 32 values src[from …] into q[to …]; returns their scale (see encodeQ8). */
export function encodeQ8Block(src: Float32Array, from: number, q: Int8Array, to: number): number {
  let max = 0;
  for (let i = 0; i < Q8_BLOCK; i++) {
    const a = Math.abs(src[from + i]!);
    // NaN fails the comparison: a block holding NaN is quantized from its other values.
    if (a > max) max = a;
  }
  // A block of infinities has an infinite scale: q·s then gives ±∞ back (0·∞ for zeros
  // is NaN, as the float32 product would be on such a checkpoint).
  const scale = Math.fround(max / 127);
  for (let i = 0; i < Q8_BLOCK; i++) {
    const x = src[from + i]!;
    const v = scale > 0 && scale < Infinity ? x / scale : x === 0 ? 0 : Math.sign(x);
    // Round half away from zero; clamp what rounding of the scale pushed past 127.
    const r = Math.sign(v) * Math.round(Math.abs(v));
    q[to + i] = r > 127 ? 127 : r < -127 ? -127 : r || 0;
  }
  return scale;
}

/** The float32 values int8 blocks stand for: fround(q·s), which the kernels compute too. */
export function decodeQ8(q: Int8Array, s: Float32Array, dst: Float32Array): void {
  for (let b = 0; b < q.length / Q8_BLOCK; b++) decodeQ8Block(q, b * Q8_BLOCK, s[b]!, dst, b * Q8_BLOCK);
}

/** The 32 values q[from …] with scale s as float32, into dst[to …] (see decodeQ8). */
export function decodeQ8Block(q: Int8Array, from: number, s: number, dst: Float32Array, to: number): void {
  for (let i = 0; i < Q8_BLOCK; i++) dst[to + i] = q[from + i]! * s;
}

/**
 * Where a row of `n` int16 activations keeps its scales: after the values, on a 64-byte
 * boundary (quant.wat computes the same). The int8 decoding kernel takes x so, one scale per
 * 32 values: sx = max|x| / 32767, xq = nearest(x / sx) (quant.wat encode_x16).
 */
export function x16ScalesOffset(n: number): number {
  return Math.ceil((n * 2) / 64) * 64;
}
