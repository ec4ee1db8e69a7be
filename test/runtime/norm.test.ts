import { describe, expect, it } from "vitest";
import { ops, RuntimeArgumentError, RuntimeShapeError, Tensor } from "../../src/runtime/index.js";
import { expectClose } from "./close.js";

describe("layerNorm", () => {
  // x = [1, 2, 3, 4]: mean 2.5, biased variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
  const x = Tensor.from([[1, 2, 3, 4], [2, 2, 2, 2]]);
  const s = Math.sqrt(1.25);

  it("normalises each row without affine", () => {
    const y = ops.layerNorm(x, undefined, undefined, 0);
    expectClose(y.data.subarray(0, 4), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
  });

  it("applies eps, weight and bias", () => {
    const eps = 1e-5;
    const se = Math.sqrt(1.25 + eps);
    const y = ops.layerNorm(x, Tensor.from([1, 2, 3, 4]), Tensor.from([0.5, 0, 0, -0.5]), eps);
    expectClose(y.data, [-1.5 / se + 0.5, -1 / se, 1.5 / se, 6 / se - 0.5, 0.5, 0, 0, -0.5], 1e-6);
  });

  it("rejects a weight of the wrong width", () => {
    expect(() => ops.layerNorm(x, Tensor.zeros([3]), undefined, 1e-5)).toThrow(RuntimeShapeError);
  });
});

describe("rmsNorm", () => {
  // x = [3, 4]: mean(x²) = 12.5.
  const x = Tensor.from([[3, 4]]);
  const r = Math.sqrt(12.5);

  it("divides by the root mean square", () => {
    expectClose(ops.rmsNorm(x, undefined, 0).data, [3 / r, 4 / r]);
  });

  it("scales by weight, or by 1 + weight with offset 1 (Gemma)", () => {
    const w = Tensor.from([2, 0.5]);
    expectClose(ops.rmsNorm(x, w, 0).data, [6 / r, 2 / r]);
    expectClose(ops.rmsNorm(x, w, 0, 1).data, [9 / r, 6 / r]);
    const eps = 1e-6;
    expectClose(ops.rmsNorm(x, w, eps).data, [6 / Math.sqrt(12.5 + eps), 2 / Math.sqrt(12.5 + eps)]);
  });
});

describe("groupNorm", () => {
  it("normalises each channel group separately", () => {
    // groups [1, 3] (mean 2, var 1) and [10, 20] (mean 15, var 25) both become [-1, 1].
    const y = ops.groupNorm(Tensor.from([[1, 3, 10, 20]]), 2, Tensor.from([1, 2, 3, 4]), Tensor.from([0, 0, 1, 1]), 0);
    expectClose(y.data, [-1, 2, -2, 5]);
  });

  it("requires the groups to divide the channels", () => {
    expect(() => ops.groupNorm(Tensor.zeros([1, 4]), 3, undefined, undefined, 1e-5)).toThrow(RuntimeArgumentError);
  });
});

describe("l2NormalizeRows", () => {
  it("divides each row by max(norm, eps)", () => {
    const y = ops.l2NormalizeRows(Tensor.from([[3, 4], [0, 0], [1e-13, 0]]));
    expectClose(y.data, [0.6, 0.8, 0, 0, 0.1, 0], 1e-7);
    expect(y.shape).toEqual([3, 2]);
  });
});
