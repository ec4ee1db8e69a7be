/**
 * y = x·Wᵀ + b (W [out, in], PyTorch's layout) and y = x·W + b (W [in, out], GPT-2's Conv1D)
 * on the WebAssembly kernels of linear.wat and matmul.wat, split by output columns across
 * the thread pool. W [out, in] may be held as bfloat16 (read as such by linear_nt_bf16).
 * Returns undefined whenever the TypeScript kernel should answer instead: no wasm, a shape
 * it would reject (it reports the error), an empty operand, or a full heap.
 */
import { Tensor } from "../tensor.js";
import { PackedTensor } from "../weights/packed.js";
import { kernels, partsFor } from "./index.js";
import { Staging } from "./staging.js";
import { OP_LINEAR_NT, OP_LINEAR_NT_BF16, OP_MATMUL_NN } from "./thread-pool.js";

export function linearKernel(x: Tensor, w: Tensor, b?: Tensor): Tensor | undefined {
  if (w.shape.length !== 2) return undefined;
  // Tiles are 4 columns wide (8 for a single row): chunks of a multiple of 8 keep every
  // chunk on a tile edge.
  const packed = w instanceof PackedTensor ? w.packed() : undefined;
  if (packed && w instanceof PackedTensor && w.format === "bf16") return product(OP_LINEAR_NT_BF16, x, packed, b, w.shape[1]!, w.shape[0]!, 8);
  // An int8 matrix (no kernel for it yet) goes to the TypeScript product, which widens it.
  if (packed) return undefined;
  return product(OP_LINEAR_NT, x, w.data, b, w.shape[1]!, w.shape[0]!, 8);
}

/** y = x·W + b with W [in, out]. */
export function linearInOutKernel(x: Tensor, w: Tensor, b?: Tensor): Tensor | undefined {
  return w.shape.length === 2 ? product(OP_MATMUL_NN, x, w.data, b, w.shape[0]!, w.shape[1]!, 8) : undefined;
}

function product(op: number, x: Tensor, w: Float32Array | Uint8Array, b: Tensor | undefined, inDim: number, outDim: number, align: number): Tensor | undefined {
  const k = kernels();
  if (!k || x.shape.length === 0) return undefined;
  if (x.shape[x.shape.length - 1] !== inDim || inDim === 0 || outDim === 0) return undefined;
  if (b && (b.shape.length !== 1 || b.shape[0] !== outDim)) return undefined;
  const rows = x.data.length / inDim;
  if (rows === 0) return undefined;
  const st = new Staging(k.heap);
  try {
    const xp = st.input(x.data);
    const wp = st.input(w);
    const bp = b ? st.input(b.data) : 0;
    const yp = st.output(rows * outDim);
    if (st.failed) return undefined;
    k.pool.run(op, [xp, wp, bp, yp, rows, inDim, outDim], 0, outDim, partsFor(rows * inDim * outDim), align);
    return new Tensor(k.heap.f32(yp, rows * outDim).slice(), [...x.shape.slice(0, -1), outDim]);
  } finally {
    st.release();
  }
}
