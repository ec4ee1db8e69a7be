/**
 * Row-major products a·b on the WebAssembly kernel of matmul.wat: the [in, out] linear
 * layout (GPT-2 Conv1D) and the batched, broadcasting `@`. Split by output columns across
 * the thread pool. Returns undefined whenever the TypeScript kernel should answer instead
 * (no wasm, a shape it rejects with a proper error, an empty operand, a full heap).
 */
import { broadcastShapes, broadcastStrides } from "../broadcast.js";
import { shapeSize } from "../layout.js";
import { Tensor } from "../tensor.js";
import { kernels, partsFor } from "./index.js";
import { Staging } from "./staging.js";
import { OP_MATMUL_NN } from "./thread-pool.js";

/** y = x·W + b with W [in, out]. */
export function linearInOutKernel(x: Tensor, w: Tensor, b?: Tensor): Tensor | undefined {
  const k = kernels();
  if (!k || w.shape.length !== 2 || x.shape.length === 0) return undefined;
  const inDim = w.shape[0]!;
  const outDim = w.shape[1]!;
  if (x.shape[x.shape.length - 1] !== inDim || inDim === 0 || outDim === 0) return undefined;
  if (b && (b.shape.length !== 1 || b.shape[0] !== outDim)) return undefined;
  const rows = x.data.length / inDim;
  if (rows === 0) return undefined;
  const st = new Staging(k.heap);
  try {
    const xp = st.input(x.data);
    const wp = st.input(w.data);
    const bp = b ? st.input(b.data) : 0;
    const yp = st.output(rows * outDim);
    if (st.failed) return undefined;
    k.pool.run(OP_MATMUL_NN, [xp, wp, bp, yp, rows, inDim, outDim], 0, outDim, partsFor(rows * inDim * outDim), 8);
    return new Tensor(k.heap.f32(yp, rows * outDim).slice(), [...x.shape.slice(0, -1), outDim]);
  } finally {
    st.release();
  }
}

/** Batched a[..., m, k] · b[..., k, n], broadcasting the leading dims. */
export function matmulKernel(a: Tensor, b: Tensor): Tensor | undefined {
  const kr = kernels();
  if (!kr || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const n = b.shape[b.shape.length - 1]!;
  if (b.shape[b.shape.length - 2] !== k || m === 0 || k === 0 || n === 0) return undefined;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  let batchShape: number[];
  try {
    batchShape = broadcastShapes("matmul", aBatch, bBatch);
  } catch {
    return undefined;
  }
  const batch = shapeSize(batchShape);
  if (batch === 0) return undefined;
  const sa = broadcastStrides(aBatch, batchShape);
  const sb = broadcastStrides(bBatch, batchShape);
  const st = new Staging(kr.heap);
  try {
    const ap = st.input(a.data);
    const bp = st.input(b.data);
    const yp = st.output(batch * m * n);
    if (st.failed) return undefined;
    const threads = partsFor(m * k * n);
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
      kr.pool.run(OP_MATMUL_NN, [ap + ia * m * k * 4, bp + ib * k * n * 4, 0, yp + bi * m * n * 4, m, k, n], 0, n, threads, 8);
    }
    return new Tensor(kr.heap.f32(yp, batch * m * n).slice(), [...batchShape, m, n]);
  } finally {
    st.release();
  }
}
