/**
 * Greedy decoding's argmax over a row of logits on reduce.wat's kernel, on the calling
 * thread: the same index as the TypeScript loop of generate/sampling.ts (the first largest
 * value; NaN never largest; 0 when no value exceeds −∞). Undefined when the loop should
 * answer instead: no wasm, logits outside the kernels' heap (a copy would cost what the
 * loop does), or a row too short to be worth a call.
 */
import { callerExport, kernels } from "./index.js";

type ArgmaxExport = (x: number, n: number) => number;

/** Below this many values the loop is as fast as the call. */
const MIN_ARGMAX = 64;

export function argmaxKernel(logits: Float32Array, offset: number, n: number): number | undefined {
  if (n < MIN_ARGMAX || offset < 0 || offset + n > logits.length) return undefined;
  const k = kernels();
  if (!k || !k.heap.contains(logits)) return undefined;
  return callerExport<ArgmaxExport>("reduce", "argmax")!(logits.byteOffset + offset * 4, n);
}
