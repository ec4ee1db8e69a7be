/**
 * Dense layers and batched matrix products: the hot kernels of every forward
 * pass. Dot products accumulate in doubles (JS numbers) and round once on
 * store, so results are at least as accurate as PyTorch's float32 GEMM.
 */
import { broadcastBatches } from "../broadcast.js";
import { RuntimeShapeError } from "../errors.js";
import { shapeSize, shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";
import { linearInOutKernel, linearKernel } from "../kernels/linear.js";
import { matmulKernel } from "../kernels/matmul.js";
import { addWeightedRows } from "./weighted-rows.js";

// Rows of x processed together, so the 4 weight rows of a tile stay in L1
// while they are reused against each row of the block.
const ROW_BLOCK = 8;

function checkBias(op: string, b: Tensor | undefined, outDim: number): void {
  if (b && (b.shape.length !== 1 || b.shape[0] !== outDim)) {
    throw new RuntimeShapeError(op, `bias of shape [${outDim}]`, shapeToString(b.shape));
  }
}

function lastDim(op: string, x: Tensor, inDim: number, wShape: readonly number[]): void {
  if (x.shape.length === 0 || x.shape[x.shape.length - 1] !== inDim) {
    throw new RuntimeShapeError(op, `input [..., ${inDim}] to match weight ${shapeToString(wShape)}`, shapeToString(x.shape));
  }
}

/**
 * Outputs o..o+3 of rows r and r+1: eight dot products sharing every load,
 * 6 loads per 8 multiply-adds instead of 2 per 1.
 */
function tile2x4(
  xd: Float32Array, wd: Float32Array, out: Float32Array, bd: Float32Array | undefined,
  r: number, o: number, inDim: number, outDim: number,
): void {
  const xa = r * inDim;
  const xb = xa + inDim;
  const w0 = o * inDim;
  const w1 = w0 + inDim;
  const w2 = w1 + inDim;
  const w3 = w2 + inDim;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (let k = 0; k < inDim; k++) {
    const u = xd[xa + k]!;
    const v = xd[xb + k]!;
    const p0 = wd[w0 + k]!;
    const p1 = wd[w1 + k]!;
    const p2 = wd[w2 + k]!;
    const p3 = wd[w3 + k]!;
    a0 += u * p0; a1 += u * p1; a2 += u * p2; a3 += u * p3;
    b0 += v * p0; b1 += v * p1; b2 += v * p2; b3 += v * p3;
  }
  const c0 = bd ? bd[o]! : 0, c1 = bd ? bd[o + 1]! : 0, c2 = bd ? bd[o + 2]! : 0, c3 = bd ? bd[o + 3]! : 0;
  const oa = r * outDim + o;
  const ob = oa + outDim;
  out[oa] = a0 + c0; out[oa + 1] = a1 + c1; out[oa + 2] = a2 + c2; out[oa + 3] = a3 + c3;
  out[ob] = b0 + c0; out[ob + 1] = b1 + c1; out[ob + 2] = b2 + c2; out[ob + 3] = b3 + c3;
}

/** Outputs o..o+3 of a single row r (the odd row left over by tile2x4). */
function tile1x4(
  xd: Float32Array, wd: Float32Array, out: Float32Array, bd: Float32Array | undefined,
  r: number, o: number, inDim: number, outDim: number,
): void {
  const xa = r * inDim;
  const w0 = o * inDim;
  const w1 = w0 + inDim;
  const w2 = w1 + inDim;
  const w3 = w2 + inDim;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (let k = 0; k < inDim; k++) {
    const u = xd[xa + k]!;
    a0 += u * wd[w0 + k]!; a1 += u * wd[w1 + k]!; a2 += u * wd[w2 + k]!; a3 += u * wd[w3 + k]!;
  }
  const oa = r * outDim + o;
  out[oa] = a0 + (bd ? bd[o]! : 0);
  out[oa + 1] = a1 + (bd ? bd[o + 1]! : 0);
  out[oa + 2] = a2 + (bd ? bd[o + 2]! : 0);
  out[oa + 3] = a3 + (bd ? bd[o + 3]! : 0);
}

/** y = x·Wᵀ + b with W in PyTorch layout [out, in]: the WebAssembly kernel when loaded. */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  return linearKernel(x, w, b) ?? linearPlain(x, w, b);
}

/** y = x·Wᵀ + b in TypeScript: the fallback, and the reference the kernels are tested against. */
export function linearPlain(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  if (w.shape.length !== 2) throw new RuntimeShapeError("linear", "weight [out, in]", shapeToString(w.shape));
  const outDim = w.shape[0]!;
  const inDim = w.shape[1]!;
  lastDim("linear", x, inDim, w.shape);
  checkBias("linear", b, outDim);
  const rows = shapeSize(x.shape.slice(0, -1));
  const xd = x.data;
  const wd = w.data;
  const bd = b?.data;
  const out = new Float32Array(rows * outDim);

  // Each output is the dot product of two contiguous rows (x row, W row).
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = Math.min(rows, r0 + ROW_BLOCK);
    let o = 0;
    for (; o + 4 <= outDim; o += 4) {
      let r = r0;
      for (; r + 2 <= r1; r += 2) tile2x4(xd, wd, out, bd, r, o, inDim, outDim);
      if (r < r1) tile1x4(xd, wd, out, bd, r, o, inDim, outDim);
    }
    for (; o < outDim; o++) {
      const w0 = o * inDim;
      for (let r = r0; r < r1; r++) {
        const xo = r * inDim;
        let s = 0;
        for (let k = 0; k < inDim; k++) s += xd[xo + k]! * wd[w0 + k]!;
        out[r * outDim + o] = s + (bd ? bd[o]! : 0);
      }
    }
  }
  return new Tensor(out, [...x.shape.slice(0, -1), outDim]);
}

/**
 * out[m×n] = a[m×k]·b[k×n] (+ bias) for row-major blocks at the given offsets.
 * The inner loop streams rows of b and a double accumulator row, both
 * contiguous. Two rows of a share each load of b, and four steps of k are
 * folded into each accumulator update, cutting accumulator traffic fourfold.
 */
function gemm(
  ad: Float32Array, aOff: number, bd: Float32Array, bOff: number,
  out: Float32Array, outOff: number, m: number, k: number, n: number,
  bias: Float32Array | undefined,
): void {
  const acc = new Float64Array(2 * n);
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    initAccumulator(acc, bias, n, 2);
    gemmRowPair(ad, aOff + i * k, bd, bOff, acc, k, n);
    out.set(acc, outOff + i * n);
  }
  if (i < m) {
    initAccumulator(acc, bias, n, 1);
    addWeightedRows(acc, ad, aOff + i * k, bd, bOff, 0, k, n);
    out.set(acc.subarray(0, n), outOff + i * n);
  }
}

function initAccumulator(acc: Float64Array, bias: Float32Array | undefined, n: number, rows: number): void {
  if (!bias) acc.fill(0);
  else for (let r = 0; r < rows; r++) acc.set(bias, r * n);
}

/** acc[0..2n) += rows ra and ra+k of a times b. */
function gemmRowPair(ad: Float32Array, ra: number, bd: Float32Array, bOff: number, acc: Float64Array, k: number, n: number): void {
  const rb = ra + k;
  let kk = 0;
  for (; kk + 4 <= k; kk += 4) {
    const a0 = ad[ra + kk]!, a1 = ad[ra + kk + 1]!, a2 = ad[ra + kk + 2]!, a3 = ad[ra + kk + 3]!;
    const c0 = ad[rb + kk]!, c1 = ad[rb + kk + 1]!, c2 = ad[rb + kk + 2]!, c3 = ad[rb + kk + 3]!;
    const b0 = bOff + kk * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let j = 0; j < n; j++) {
      const p0 = bd[b0 + j]!, p1 = bd[b1 + j]!, p2 = bd[b2 + j]!, p3 = bd[b3 + j]!;
      acc[j] = acc[j]! + (a0 * p0 + a1 * p1 + a2 * p2 + a3 * p3);
      acc[n + j] = acc[n + j]! + (c0 * p0 + c1 * p1 + c2 * p2 + c3 * p3);
    }
  }
  for (; kk < k; kk++) {
    const a0 = ad[ra + kk]!;
    const c0 = ad[rb + kk]!;
    const b0 = bOff + kk * n;
    for (let j = 0; j < n; j++) {
      acc[j] = acc[j]! + (a0 * bd[b0 + j]!);
      acc[n + j] = acc[n + j]! + (c0 * bd[b0 + j]!);
    }
  }
}


/** y = x·W + b with W in [in, out] layout (GPT-2 / OpenAI-GPT Conv1D): the WebAssembly kernel when loaded. */
export function linearInOut(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  return linearInOutKernel(x, w, b) ?? linearInOutPlain(x, w, b);
}

/** linearInOut in TypeScript (fallback and test reference). */
export function linearInOutPlain(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  if (w.shape.length !== 2) throw new RuntimeShapeError("linearInOut", "weight [in, out]", shapeToString(w.shape));
  const inDim = w.shape[0]!;
  const outDim = w.shape[1]!;
  lastDim("linearInOut", x, inDim, w.shape);
  checkBias("linearInOut", b, outDim);
  const rows = shapeSize(x.shape.slice(0, -1));
  const out = new Float32Array(rows * outDim);
  gemm(x.data, 0, w.data, 0, out, 0, rows, inDim, outDim, b?.data);
  return new Tensor(out, [...x.shape.slice(0, -1), outDim]);
}

/** Batched a[..., m, k] · b[..., k, n], broadcasting the leading dims: the WebAssembly kernel when loaded. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return matmulKernel(a, b) ?? matmulPlain(a, b);
}

/** matmul in TypeScript (fallback and test reference). */
export function matmulPlain(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new RuntimeShapeError("matmul", "operands of rank >= 2", `${shapeToString(a.shape)} and ${shapeToString(b.shape)}`);
  }
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const k2 = b.shape[b.shape.length - 2]!;
  const n = b.shape[b.shape.length - 1]!;
  if (k !== k2) {
    throw new RuntimeShapeError("matmul", `b [..., ${k}, n] to match a ${shapeToString(a.shape)}`, shapeToString(b.shape));
  }
  const batches = broadcastBatches("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = batches.a.length;
  const out = new Float32Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    gemm(a.data, batches.a[bi]! * m * k, b.data, batches.b[bi]! * k * n, out, bi * m * n, m, k, n, undefined);
  }
  return new Tensor(out, [...batches.shape, m, n]);
}
