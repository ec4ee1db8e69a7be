// Choosing the next token from logits: greedy, or temperature / top-k / top-p sampling
// with a seeded generator so that runs are reproducible.
import { mulberry32 } from "../random.js";
import { argmaxKernel } from "../kernels/argmax.js";

export interface SamplingOptions {
  temperature?: number; // 0 or absent: greedy
  topK?: number;
  topP?: number;
  seed?: number;
}

/**
 * The index (from `offset`) of the first largest of the `n` values at `offset`; NaN is never
 * the largest, and 0 is the answer when no value exceeds −∞ (every value NaN or −∞, or n = 0).
 * On reduce.wat's kernel when the logits are in the kernels' heap (a lent forward output).
 */
export function argmaxRow(logits: Float32Array, offset: number, n: number): number {
  return argmaxKernel(logits, offset, n) ?? argmaxRowPlain(logits, offset, n);
}

/** argmaxRow in TypeScript (fallback and test reference). */
export function argmaxRowPlain(logits: Float32Array, offset: number, n: number): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = logits[offset + i]!;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

export class Sampler {
  private readonly rand: () => number;

  constructor(readonly opts: SamplingOptions = {}) {
    this.rand = mulberry32(opts.seed ?? 0);
  }

  get greedy(): boolean {
    return !this.opts.temperature || this.opts.temperature <= 0;
  }

  /** Picks a token from one row of logits. */
  pick(logits: Float32Array, offset: number, n: number): number {
    if (this.greedy) return argmaxRow(logits, offset, n);
    const t = this.opts.temperature!;
    let order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[offset + b]! - logits[offset + a]!);
    if (this.opts.topK && this.opts.topK > 0) order = order.slice(0, this.opts.topK);
    const maxV = logits[offset + order[0]!]!;
    let probs = order.map((i) => Math.exp((logits[offset + i]! - maxV) / t));
    const total = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / total);
    if (this.opts.topP && this.opts.topP < 1) {
      let acc = 0;
      let keep = 0;
      while (keep < probs.length && acc < this.opts.topP) acc += probs[keep++]!;
      order = order.slice(0, Math.max(1, keep));
      const kept = probs.slice(0, Math.max(1, keep));
      const s = kept.reduce((a, b) => a + b, 0);
      probs = kept.map((p) => p / s);
    }
    let r = this.rand();
    for (let i = 0; i < probs.length; i++) {
      r -= probs[i]!;
      if (r <= 0) return order[i]!;
    }
    return order[order.length - 1]!;
  }
}
