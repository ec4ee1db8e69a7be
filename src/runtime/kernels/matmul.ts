/**
 * The batched, broadcasting `@` (row-major a·b) on the WebAssembly kernel of matmul.wat
 * (whose [in, out] linear layer, GPT-2's Conv1D, is in linear.ts). Split by output columns across
 * the thread pool. Returns undefined whenever the TypeScript kernel should answer instead
 * (no wasm, a shape it rejects with a proper error, an empty operand, a full heap).
 */
import { broadcastBatches } from "../broadcast.js";
import { Tensor } from "../tensor.js";
import { kernels, partsFor } from "./index.js";
import { Staging } from "./staging.js";
import { OP_MATMUL_NN } from "./thread-pool.js";

/** Batched a[..., m, k] · b[..., k, n], broadcasting the leading dims. */
export function matmulKernel(a: Tensor, b: Tensor): Tensor | undefined {
  const kr = kernels();
  if (!kr || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const n = b.shape[b.shape.length - 1]!;
  if (b.shape[b.shape.length - 2] !== k || m === 0 || k === 0 || n === 0) return undefined;
  let batches: ReturnType<typeof broadcastBatches>;
  try {
    batches = broadcastBatches("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    return undefined;
  }
  const batch = batches.a.length;
  if (batch === 0) return undefined;
  const st = new Staging(kr.heap);
  try {
    const ap = st.input(a.data);
    const bp = st.input(b.data);
    const yp = st.output(batch * m * n);
    if (st.failed) return undefined;
    const threads = partsFor(m * k * n);
    for (let bi = 0; bi < batch; bi++) {
      const ap0 = ap + batches.a[bi]! * m * k * 4;
      const bp0 = bp + batches.b[bi]! * k * n * 4;
      kr.pool.run(OP_MATMUL_NN, [ap0, bp0, 0, yp + bi * m * n * 4, m, k, n], 0, n, threads, 8);
    }
    return new Tensor(kr.heap.f32(yp, batch * m * n).slice(), [...batches.shape, m, n]);
  } finally {
    st.release();
  }
}
