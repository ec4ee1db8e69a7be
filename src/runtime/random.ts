/**
 * Seeded randomness for test weights and sampling: the same seed gives the
 * same tensor on every platform, which Math.random cannot promise.
 */
import { shapeSize } from "./layout.js";
import { Tensor } from "./tensor.js";

/** mulberry32: a tiny 32-bit-state generator; uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by the Box–Muller transform, using both outputs of each pair. */
export function normalGenerator(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    // 1 − u is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** N(mean, std²) entries from `seed`. */
export function randomTensor(shape: readonly number[], seed: number, std = 1, mean = 0): Tensor {
  const normal = normalGenerator(mulberry32(seed));
  const data = new Float32Array(shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * normal();
  return new Tensor(data, [...shape]);
}
