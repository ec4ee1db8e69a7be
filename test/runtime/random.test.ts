import { describe, expect, it } from "vitest";
import { mulberry32, randomTensor } from "../../src/runtime/index.js";

describe("seeded randomness", () => {
  it("mulberry32 is deterministic, seed-dependent and in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("randomTensor has the requested shape, mean and spread", () => {
    const t = randomTensor([100, 100], 7, 0.2);
    expect(t.shape).toEqual([100, 100]);
    const mean = t.data.reduce((p, q) => p + q, 0) / t.size;
    const std = Math.sqrt(t.data.reduce((p, q) => p + (q - mean) ** 2, 0) / t.size);
    // 10^4 samples: standard error of the mean 0.002, of the std about 0.0014.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 0.2)).toBeLessThan(0.01);
    expect(randomTensor([3], 7).data).toEqual(randomTensor([3], 7).data);
  });
});
