/**
 * Dense layers and batched matrix products: the hot kernels of every forward
 * pass. Dot products accumulate in doubles (JS numbers) and round once on
 * store, so results are at least as accurate as PyTorch's float32 GEMM.
 */
import { broadcastShapes, broadcastStrides } from "../broadcast.js";
import { RuntimeShapeError } from "../errors.js";
import { shapeSize, shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";

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

/** y = x·Wᵀ + b with W in PyTorch layout [out, in]. */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  if (w.shape.length !== 2) throw new RuntimeShapeError("linear", "weight [out, in]", shapeToString(w.shape));
  const outDim = w.shape[0]!;
  const inDim = w.shape[1]!;
  lastDim("linear", x, inDim, w.shape);
  checkBias("linear", b, outDim);
  const rows = inDim === 0 ? shapeSize(x.shape.slice(0, -1)) : x.data.length / inDim;
  const xd = x.data;
  const wd = w.data;
  const bd = b?.data;
  const out = new Float32Array(rows * outDim);

  // Each output is the dot product of two contiguous rows; a 4-output tile
  // reads every x element once for four weight rows.
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = Math.min(rows, r0 + ROW_BLOCK);
    let o = 0;
    for (; o + 4 <= outDim; o += 4) {
      const w0 = o * inDim;
      const w1 = w0 + inDim;
      const w2 = w1 + inDim;
      const w3 = w2 + inDim;
      const b0 = bd ? bd[o]! : 0;
      const b1 = bd ? bd[o + 1]! : 0;
      const b2 = bd ? bd[o + 2]! : 0;
      const b3 = bd ? bd[o + 3]! : 0;
      for (let r = r0; r < r1; r++) {
        const xo = r * inDim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 0; k < inDim; k++) {
          const xv = xd[xo + k]!;
          s0 += xv * wd[w0 + k]!;
          s1 += xv * wd[w1 + k]!;
          s2 += xv * wd[w2 + k]!;
          s3 += xv * wd[w3 + k]!;
        }
        const oo = r * outDim + o;
        out[oo] = s0 + b0;
        out[oo + 1] = s1 + b1;
        out[oo + 2] = s2 + b2;
        out[oo + 3] = s3 + b3;
      }
    }
    for (; o < outDim; o++) {
      const w0 = o * inDim;
      const b0 = bd ? bd[o]! : 0;
      for (let r = r0; r < r1; r++) {
        const xo = r * inDim;
        let s = 0;
        for (let k = 0; k < inDim; k++) s += xd[xo + k]! * wd[w0 + k]!;
        out[r * outDim + o] = s + b0;
      }
    }
  }
  return new Tensor(out, [...x.shape.slice(0, -1), outDim]);
}

/**
 * out[m×n] (+)= a[m×k]·b[k×n] for row-major blocks at the given offsets.
 * i-k-j order: the inner loop streams a row of b and a row of the double
 * accumulator, both contiguous; ROW_BLOCK rows share each pass over b.
 */
function gemm(
  ad: Float32Array, aOff: number, bd: Float32Array, bOff: number,
  out: Float32Array, outOff: number, m: number, k: number, n: number,
  bias: Float32Array | undefined,
): void {
  const acc = new Float64Array(ROW_BLOCK * n);
  for (let i0 = 0; i0 < m; i0 += ROW_BLOCK) {
    const rowsHere = Math.min(ROW_BLOCK, m - i0);
    if (bias) for (let r = 0; r < rowsHere; r++) acc.set(bias, r * n);
    else acc.fill(0);
    for (let kk = 0; kk < k; kk++) {
      const bRow = bOff + kk * n;
      for (let r = 0; r < rowsHere; r++) {
        const av = ad[aOff + (i0 + r) * k + kk]!;
        const accRow = r * n;
        for (let j = 0; j < n; j++) acc[accRow + j]! += av * bd[bRow + j]!;
      }
    }
    out.set(acc.subarray(0, rowsHere * n), outOff + i0 * n);
  }
}

/** y = x·W + b with W in [in, out] layout (GPT-2 / OpenAI-GPT Conv1D). */
export function linearInOut(x: Tensor, w: Tensor, b?: Tensor): Tensor {
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

/** Batched a[..., m, k] · b[..., k, n], broadcasting the leading dims. */
export function matmul(a: Tensor, b: Tensor): Tensor {
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
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes("matmul", aBatch, bBatch);
  const batch = shapeSize(batchShape);
  const sa = broadcastStrides(aBatch, batchShape);
  const sb = broadcastStrides(bBatch, batchShape);
  const out = new Float32Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    // Strides count whole matrices, so decompose the flat batch index.
    let rem = bi;
    let ia = 0;
    let ib = 0;
    for (let d = batchShape.length - 1; d >= 0; d--) {
      const idx = rem % batchShape[d]!;
      rem = (rem - idx) / batchShape[d]!;
      ia += idx * sa[d]!;
      ib += idx * sb[d]!;
    }
    gemm(a.data, ia * m * k, b.data, ib * k * n, out, bi * m * n, m, k, n, undefined);
  }
  return new Tensor(out, [...batchShape, m, n]);
}
