import { describe, expect, it } from "vitest";
import { ops, RuntimeArgumentError, Tensor } from "../../src/runtime/index.js";
import { expectClose } from "./close.js";

/** e^x / Σ e^x written out directly (fine for small inputs). */
const direct = (xs: number[]) => {
  const e = xs.map(Math.exp);
  const s = e.reduce((p, q) => p + q, 0);
  return e.map((v) => v / s);
};

describe("softmax", () => {
  it("matches the definition", () => {
    expectClose(ops.softmax(Tensor.from([1, 2, 3])).data, [0.09003057317038046, 0.24472847105479767, 0.6652409557748219], 1e-7);
    expectClose(ops.softmax(Tensor.from([[0, -1, 0.5, 2]])).data, direct([0, -1, 0.5, 2]), 1e-7);
  });

  it("is stable for large inputs", () => {
    expectClose(ops.softmax(Tensor.from([1000, 1001, 1002])).data, direct([0, 1, 2]), 1e-7);
  });

  it("works along a non-last axis", () => {
    const y = ops.softmax(Tensor.from([[1, 0], [3, 0]]), 0);
    expectClose(y.data, [0.11920292202211755, 0.5, 0.8807970779778823, 0.5], 1e-7);
  });

  it("treats float32 min like any other value (HF-style masked rows)", () => {
    const m = -3.4028234663852886e38;
    expectClose(ops.softmax(Tensor.from([m, m])).data, [0.5, 0.5]);
    expectClose(ops.softmax(Tensor.from([m, 0])).data, [0, 1]);
  });
});

describe("logSoftmax", () => {
  it("is log of softmax", () => {
    expectClose(ops.logSoftmax(Tensor.from([1, 2, 3])).data, [-2.4076059644443806, -1.4076059644443806, -0.40760596444438063], 1e-6);
    expectClose(ops.logSoftmax(Tensor.from([1000, 1000])).data, [-Math.LN2, -Math.LN2], 1e-6);
  });
});

describe("argmax", () => {
  it("returns the first maximum of each row", () => {
    expect(ops.argmax(Tensor.from([[1, 3, 3], [5, 0, 5], [-1, -2, -0.5]]))).toEqual([1, 0, 2]);
  });
});

describe("topk", () => {
  it("sorts descending with ties in index order", () => {
    const { values, indices } = ops.topk(Tensor.from([[1, 3, 2, 3, 0], [0, 0, 0, 0, 0]]), 3);
    expect(values.shape).toEqual([2, 3]);
    expect(values.toNested()).toEqual([[3, 3, 2], [0, 0, 0]]);
    expect(indices.toNested()).toEqual([[1, 3, 2], [0, 1, 2]]);
  });

  it("ranks NaN first, as torch does", () => {
    expect(ops.topk(Tensor.from([1, NaN, 2]), 2).indices.toNested()).toEqual([1, 2]);
  });

  it("agrees with a full sort for large k (sorting path)", () => {
    const n = 200;
    const row = Array.from({ length: n }, (_, i) => (i * 7) % 10);
    const order = row.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const k of [5, 100, n]) {
      const { values, indices } = ops.topk(Tensor.from(row), k);
      expect(Array.from(indices.data)).toEqual(order.slice(0, k).map(([, i]) => i));
      expect(Array.from(values.data)).toEqual(order.slice(0, k).map(([v]) => v));
    }
  });

  it("rejects k outside [1, n]", () => {
    expect(() => ops.topk(Tensor.from([1, 2]), 3)).toThrow(RuntimeArgumentError);
    expect(() => ops.topk(Tensor.from([1, 2]), 0)).toThrow(/k must be an integer in \[1, 2\]/);
  });
});
