/**
 * The rotation of ops.rope in the rotate_half pairing on the WebAssembly kernel of rope.wat
 * (the same float32 roundings, so the same bits as the TypeScript loop). Runs on the
 * calling thread. Returns undefined when the TypeScript loop should answer instead (no
 * wasm, half not a multiple of 4, an empty tensor, a full heap).
 *
 * A decoding step rotates q and k of every layer: a few hundred floats each, so the call
 * costs more than the arithmetic. When x (an activation) and the cos/sin table (lang's
 * rope keeps its tables in the heap) are in the shared memory and the result can be an
 * activation of the open scope, the kernel reads and writes them in place: no staging.
 */
import { callerExport, kernels, type Kernels } from "./index.js";
import { heapActivation } from "./activation-scope.js";
import { Staging } from "./staging.js";

type RopeHalfExport = (x: number, cos: number, sin: number, out: number, blocks: number, t: number, d: number, half: number) => void;

/** rope_half of the last kernel set asked for (callerExport's lookups, once per kernel set). */
let cached: { ks: Kernels; f: RopeHalfExport | undefined } | undefined;

function ropeHalfExport(ks: Kernels): RopeHalfExport | undefined {
  if (cached?.ks !== ks) cached = { ks, f: callerExport<RopeHalfExport>("rope", "rope_half") };
  return cached.f;
}

/**
 * x [B, H, T, D] rotated by cos, sin [rows·T, half] (rows = 1: shared by the batch, or B):
 * pairs (i, i + half) for i < half, dims from 2·half on copied.
 */
export function ropeHalfKernel(
  x: Float32Array, cos: Float32Array, sin: Float32Array, b: number, h: number, t: number, d: number, half: number, rows: number,
): Float32Array | undefined {
  const ks = kernels();
  if (!ks || half % 4 !== 0 || x.length === 0) return undefined;
  const f = ropeHalfExport(ks);
  if (!f) return undefined;
  const heap = ks.heap;
  if (heap.contains(x) && heap.contains(cos) && heap.contains(sin)) {
    const out = heapActivation(x.length);
    if (out) {
      rotateRows(f, x.byteOffset, cos.byteOffset, sin.byteOffset, out.byteOffset, b, h, t, d, half, rows);
      return out;
    }
  }
  const st = new Staging(heap);
  try {
    const xp = st.input(x);
    const cp = st.input(cos);
    const sp = st.input(sin);
    const op = st.result(x.length);
    if (st.failed) return undefined;
    rotateRows(f, xp, cp, sp, op, b, h, t, d, half, rows);
    return st.take(op, x.length);
  } finally {
    st.release();
  }
}

function rotateRows(f: RopeHalfExport, xp: number, cp: number, sp: number, op: number, b: number, h: number, t: number, d: number, half: number, rows: number): void {
  // One call for the whole batch when it shares the positions, else one per batch row.
  if (rows === 1) {
    f(xp, cp, sp, op, b * h, t, d, half);
    return;
  }
  for (let bi = 0; bi < b; bi++) {
    const off = bi * h * t * d * 4;
    const c = bi * t * half * 4;
    f(xp + off, cp + c, sp + c, op + off, h, t, d, half);
  }
}
