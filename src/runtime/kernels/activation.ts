/**
 * SiLU on the WebAssembly kernel of activation.wat, split by element ranges across the
 * thread pool. Returns undefined when the TypeScript loop should answer instead (no wasm,
 * an empty tensor, a full heap).
 */
import { Tensor } from "../tensor.js";
import { callerExport, kernels, partsFor } from "./index.js";
import { Staging } from "./staging.js";
import { heapActivation } from "./activation-scope.js";
import { OP_SILU } from "./thread-pool.js";

/** Elements below which one thread does the whole array (an exp costs ~25 multiply-adds). */
const PER_ELEMENT_WORK = 25;

export function siluKernel(x: Tensor): Tensor | undefined {
  const k = kernels();
  const n = x.data.length;
  if (!k || n === 0) return undefined;
  const st = new Staging(k.heap);
  try {
    const xp = st.input(x.data);
    const yp = st.result(n);
    if (st.failed) return undefined;
    k.pool.run(OP_SILU, [xp, yp, 0, 0, 0, 0, 0], 0, n, partsFor(n * PER_ELEMENT_WORK), 4);
    return new Tensor(st.take(yp, n), [...x.shape]);
  } finally {
    st.release();
  }
}

type ArithExport = (a: number, b: number, y: number, op: number, a4: number, a5: number, a6: number, i0: number, i1: number) => void;

/** Elements below which the TypeScript loop is as fast as staging the operands into the heap. */
const MIN_ARITH_ELEMENTS = 1 << 14;

const ARITH_OPS = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/**
 * a op b for two float32 arrays of one length on the `arith` kernel of activation.wat (the
 * same bits as the TypeScript loop: one rounding of each result), on the calling thread.
 * Short arrays (a decoding step's) take it only when both are in the heap and the result
 * can be an activation of the open forward scope: nothing to stage, and the call costs
 * less than the loop. Undefined otherwise, without wasm, or with a full heap.
 */
export function arithKernel(op: keyof typeof ARITH_OPS, a: Float32Array, b: Float32Array): Float32Array | undefined {
  const n = a.length;
  const k = kernels();
  if (!k || b.length !== n || n === 0) return undefined;
  const arith = callerExport<ArithExport>("activation", "arith")!;
  if (n < MIN_ARITH_ELEMENTS) {
    if (!k.heap.contains(a) || !k.heap.contains(b)) return undefined;
    const y = heapActivation(n);
    if (y) arith(a.byteOffset, b.byteOffset, y.byteOffset, ARITH_OPS[op], 0, 0, 0, 0, n);
    return y;
  }
  const st = new Staging(k.heap);
  try {
    const ap = st.input(a);
    const bp = st.input(b);
    const yp = st.result(n);
    if (st.failed) return undefined;
    arith(ap, bp, yp, ARITH_OPS[op], 0, 0, 0, 0, n);
    return st.take(yp, n);
  } finally {
    st.release();
  }
}
