/**
 * Dynamic NTK-aware RoPE with power-of-two steps: for a sequence of length L
 * trained at length n, alpha = max(2^ceil(log2(L / n) + 1) − 1, 1) and the
 * rotary base becomes θ·alpha^(d / (d − 2)). alpha is 1 (plain RoPE) while
 * L <= n. Unlike the HF "dynamic" scaling, the length is the one of the
 * first (uncached) forward and stays fixed while decoding continues.
 */
import { RuntimeArgumentError } from "../errors.js";

export function ntkAlpha(length: number, trainedLength: number): number {
  if (!(trainedLength > 0)) throw new RuntimeArgumentError("ntkAlpha", `the trained length must be positive, got ${trainedLength}`);
  // log(x)/log(2), not log2: Python's math.log(x, 2), which the reference uses.
  const steps = Math.log(length / trainedLength) / Math.log(2) + 1;
  return Math.max(2 ** Math.ceil(steps) - 1, 1);
}

/** The rescaled rotary base for rotary dimension d. */
export function ntkAlphaBase(theta: number, alpha: number, rotaryDim: number): number {
  return theta * alpha ** (rotaryDim / (rotaryDim - 2));
}
