import { describe, expect, it } from "vitest";
import { ops, RuntimeShapeError, Tensor } from "../../src/runtime/index.js";

describe("conv1dCausal", () => {
  it("kernel index K−1 multiplies the current token, left zero padding", () => {
    // w = [10 (previous), 1 (current)]: out_t = 10·x_{t−1} + x_t + bias.
    const x = Tensor.from([1, 2, 3], [1, 3, 1]);
    const w = Tensor.from([10, 1], [1, 1, 2]);
    expect(Array.from(ops.conv1dCausal(x, w).data)).toEqual([1, 12, 23]);
    expect(Array.from(ops.conv1dCausal(x, w, Tensor.from([0.5])).data)).toEqual([1.5, 12.5, 23.5]);
  });

  it("mixes input channels into each output channel", () => {
    // Cin = 2, Cout = 2, K = 2. x_t = [t+1, 10(t+1)].
    const x = Tensor.from([1, 10, 2, 20], [1, 2, 2]);
    // out0 = x_{t−1}·[1, 0] + x_t·[0, 1]; out1 = x_t·[1, 1] (previous weights 0).
    const w = Tensor.from([[[1, 0], [0, 1]], [[0, 1], [0, 1]]]);
    const y = ops.conv1dCausal(x, w);
    expect(y.shape).toEqual([1, 2, 2]);
    expect(Array.from(y.data)).toEqual([10, 11, 1 + 20, 22]);
  });

  it("rejects a channel mismatch", () => {
    expect(() => ops.conv1dCausal(Tensor.zeros([1, 3, 2]), Tensor.zeros([1, 3, 2]))).toThrow(RuntimeShapeError);
  });
});

describe("depthwiseConv1dCausal and causalConv1d", () => {
  const x = Tensor.from([1, 100, 2, 200, 3, 300], [1, 3, 2]);
  const w = Tensor.from([[[10, 1]], [[0, 2]]]); // [C=2, 1, K=2]

  it("filters each channel on its own", () => {
    const y = ops.depthwiseConv1dCausal(x, w, Tensor.from([0, 1]));
    expect(Array.from(y.data)).toEqual([1, 201, 12, 401, 23, 601]);
    expect(Array.from(ops.depthwiseConv1dCausal(x, Tensor.from([[10, 1], [0, 2]])).data)).toEqual([1, 200, 12, 400, 23, 600]);
  });

  it("causalConv1d dispatches on the weight layout and checks the kernel size", () => {
    expect(ops.causalConv1d(x, w).data).toEqual(ops.depthwiseConv1dCausal(x, w).data);
    const full = Tensor.from([[[1, 0], [0, 1]]]);
    expect(ops.causalConv1d(x, full).data).toEqual(ops.conv1dCausal(x, full).data);
    expect(() => ops.causalConv1d(x, w, undefined, 3)).toThrow(/kernel size 3/);
  });
});
