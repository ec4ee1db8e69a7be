import { describe, expect, it } from "vitest";
import { ops } from "../../src/runtime/index.js";

describe("alibiSlopes", () => {
  it("4 heads: 2^-2, 2^-4, 2^-6, 2^-8", () => {
    expect(Array.from(ops.alibiSlopes(4))).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8]);
  });

  it("8 heads: 2^-1 … 2^-8", () => {
    expect(Array.from(ops.alibiSlopes(8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => 2 ** -i));
  });

  it("non-power-of-two counts append odd slopes of the doubled count", () => {
    // 6 heads: the 4-head slopes, then slopes 1 and 3 of the 8-head sequence (2^-1, 2^-3).
    expect(Array.from(ops.alibiSlopes(6))).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]);
    // 12 heads: 2^-(i+1) for i < 8, then 2^-(2i+1)/2 from the 16-head sequence.
    const expected12 = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => 2 ** -i).concat([1, 3, 5, 7].map((i) => 2 ** (-i / 2)));
    expect(Array.from(ops.alibiSlopes(12))).toEqual(expected12.map(Math.fround));
    expect(Array.from(ops.alibiSlopes(1))).toEqual([2 ** -8]);
  });

  it("builds the [1, H, 1, S] bias slope·j", () => {
    const b = ops.alibiBias(2, 3);
    expect(b.shape).toEqual([1, 2, 1, 3]);
    expect(Array.from(b.data)).toEqual([0, 2 ** -4, 2 * 2 ** -4, 0, 2 ** -8, 2 * 2 ** -8]);
  });
});
