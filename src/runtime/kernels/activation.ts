/**
 * SiLU on the WebAssembly kernel of activation.wat, split by element ranges across the
 * thread pool. Returns undefined when the TypeScript loop should answer instead (no wasm,
 * an empty tensor, a full heap).
 */
import { Tensor } from "../tensor.js";
import { kernels, partsFor } from "./index.js";
import { Staging } from "./staging.js";
import { activeArena } from "./arena.js";
import { OP_SILU } from "./thread-pool.js";

/** Elements below which one thread does the whole array (an exp costs ~25 multiply-adds). */
const PER_ELEMENT_WORK = 25;

export function siluKernel(x: Tensor): Tensor | undefined {
  const k = kernels();
  const n = x.data.length;
  if (!k || n === 0) return undefined;
  // Inside a forward call: the output in the call's arena.
  const y = k.heap.contains(x.data) ? activeArena()?.floats(n) : undefined;
  const st = new Staging(k.heap);
  try {
    const xp = st.input(x.data);
    const yp = y ? y.byteOffset : st.output(n);
    if (st.failed) return undefined;
    k.pool.run(OP_SILU, [xp, yp, 0, 0, 0, 0, 0], 0, n, partsFor(n * PER_ELEMENT_WORK), 4);
    return new Tensor(y ?? k.heap.f32(yp, n).slice(), [...x.shape]);
  } finally {
    st.release();
  }
}
