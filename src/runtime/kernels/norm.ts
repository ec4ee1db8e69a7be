/**
 * RMSNorm on the WebAssembly kernel of norm.wat: the same float64 arithmetic as the
 * TypeScript loop of ops/norm.ts, four elements per step. Runs on the calling thread (a
 * prefill's 128 rows of 768 take tens of microseconds). Returns undefined when the
 * TypeScript loop should answer instead (no wasm, an empty tensor, a full heap).
 */
import { Tensor } from "../tensor.js";
import { callerExport, kernels } from "./index.js";
import { Staging } from "./staging.js";

type RmsNormExport = (x: number, w: number, y: number, rows: number, c: number, eps: number, offset: number) => void;


/** x [..., c] normalised over its last dim; w [c] (already checked by the caller) or none. */
export function rmsNormKernel(x: Tensor, c: number, w: Float32Array | undefined, eps: number, offset: number): Tensor | undefined {
  const f = callerExport<RmsNormExport>("norm", "rms_norm");
  const n = x.data.length;
  if (!f || n === 0) return undefined;
  const heap = kernels()!.heap;
  const st = new Staging(heap);
  try {
    const xp = st.input(x.data);
    const wp = w ? st.input(w) : 0;
    const yp = st.result(n);
    if (st.failed) return undefined;
    f(xp, wp, yp, n / c, c, eps, offset);
    return new Tensor(st.take(yp, n), [...x.shape]);
  } finally {
    st.release();
  }
}
