/**
 * The rotation of ops.rope in the rotate_half pairing on the WebAssembly kernel of rope.wat
 * (the same float32 roundings, so the same bits as the TypeScript loop). Runs on the
 * calling thread. Returns undefined when the TypeScript loop should answer instead (no
 * wasm, half not a multiple of 4, an empty tensor, a full heap).
 */
import { callerExport, kernels } from "./index.js";
import { Staging } from "./staging.js";

type RopeHalfExport = (x: number, cos: number, sin: number, out: number, blocks: number, t: number, d: number, half: number) => void;


/**
 * x [B, H, T, D] rotated by cos, sin [Bp, T, half] (Bp = 1: shared by the batch, or B):
 * pairs (i, i + half) for i < half, dims from 2·half on copied.
 */
export function ropeHalfKernel(x: Float32Array, cos: Float32Array, sin: Float32Array, shape: readonly [number, number, number, number], half: number, positionRows: number): Float32Array | undefined {
  const [b, h, t, d] = shape;
  const f = callerExport<RopeHalfExport>("rope", "rope_half");
  if (!f || half % 4 !== 0 || x.length === 0) return undefined;
  const heap = kernels()!.heap;
  const st = new Staging(heap);
  try {
    const xp = st.input(x);
    const cp = st.input(cos);
    const sp = st.input(sin);
    const op = st.result(x.length);
    if (st.failed) return undefined;
    // One call per batch row when the positions differ per row, else one for all.
    const calls = positionRows === 1 ? 1 : b;
    const blocks = positionRows === 1 ? b * h : h;
    for (let bi = 0; bi < calls; bi++) {
      const off = bi * h * t * d * 4;
      f(xp + off, cp + bi * t * half * 4, sp + bi * t * half * 4, op + off, blocks, t, d, half);
    }
    return st.take(op, x.length);
  } finally {
    st.release();
  }
}
