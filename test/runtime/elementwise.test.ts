import { describe, expect, it } from "vitest";
import { ops, RuntimeArgumentError, RuntimeShapeError, Tensor } from "../../src/runtime/index.js";
import { expectClose, flat } from "./close.js";

const T = (v: Parameters<typeof Tensor.from>[0], s?: number[]) => Tensor.from(v, s);

describe("binary ops with broadcasting", () => {
  it("same shape", () => {
    expect(ops.add(T([1, 2]), T([10, 20])).toNested()).toEqual([11, 22]);
    expect(ops.sub(T([1, 2]), T([10, 20])).toNested()).toEqual([-9, -18]);
    expect(ops.mul(T([1, 2]), T([10, 20])).toNested()).toEqual([10, 40]);
    expect(ops.div(T([1, 2]), T([4, 8])).toNested()).toEqual([0.25, 0.25]);
  });

  it("a trailing vector (bias) against a matrix", () => {
    const y = ops.add(T([[1, 2, 3], [4, 5, 6]]), T([10, 20, 30]));
    expect(y.shape).toEqual([2, 3]);
    expect(y.toNested()).toEqual([[11, 22, 33], [14, 25, 36]]);
    // Same broadcast with the vector on the left.
    expect(ops.sub(T([10, 20, 30]), T([[1, 2, 3], [4, 5, 6]])).toNested()).toEqual([[9, 18, 27], [6, 15, 24]]);
  });

  it("a column against a row gives the outer combination", () => {
    const y = ops.mul(T([[1], [2]]), T([[10, 20, 30]]));
    expect(y.shape).toEqual([2, 3]);
    expect(y.toNested()).toEqual([[10, 20, 30], [20, 40, 60]]);
  });

  it("size-1 dims in the middle and a missing leading dim", () => {
    // a[2,1,2] + b[3,1] → [2,3,2]; out[i][j][k] = a[i][0][k] + b[j][0]
    const a = T([[[1, 2]], [[3, 4]]]);
    const b = T([[100], [200], [300]]);
    const y = ops.add(a, b);
    expect(y.shape).toEqual([2, 3, 2]);
    const expected: number[] = [];
    for (const ai of [[1, 2], [3, 4]]) for (const bj of [100, 200, 300]) for (const ak of ai) expected.push(ak + bj);
    expect(Array.from(y.data)).toEqual(expected);
  });

  it("a scalar tensor", () => {
    expect(ops.div(T([[2, 4], [6, 8]]), T([2])).toNested()).toEqual([[1, 2], [3, 4]]);
    expect(ops.mul(T(3), T([1, 2])).toNested()).toEqual([3, 6]);
  });

  it("rejects incompatible shapes naming both", () => {
    expect(() => ops.add(T([[1, 2, 3]]), T([1, 2]))).toThrow(RuntimeShapeError);
    expect(() => ops.add(T([[1, 2, 3]]), T([1, 2]))).toThrow(/^add: .*\[1, 3\] and \[2\]/);
  });
});

describe("unary ops", () => {
  const x = T([-2, -0.5, 0, 0.5, 2]);
  const vals = [-2, -0.5, 0, 0.5, 2];

  it("scalar arithmetic", () => {
    expect(ops.scale(T([1, -2]), 3).toNested()).toEqual([3, -6]);
    expect(ops.addScalar(T([1, -2]), 3).toNested()).toEqual([4, 1]);
    expect(ops.neg(T([1, -2])).toNested()).toEqual([-1, 2]);
    expect(ops.square(T([3, -2])).toNested()).toEqual([9, 4]);
    expect(ops.sqrt(T([9, 2])).toNested()).toEqual([3, Math.fround(Math.SQRT2)]);
  });

  it("exp, tanh, sigmoid, relu, silu", () => {
    expectClose(ops.exp(x).data, vals.map(Math.exp));
    expectClose(ops.tanh(x).data, vals.map(Math.tanh));
    expectClose(ops.sigmoid(T([0, 1, 2])).data, [0.5, 0.7310585786300049, 0.8807970779778823]);
    expect(ops.relu(x).toNested()).toEqual([0, 0, 0, 0.5, 2]);
    // silu(x) = x·sigmoid(x)
    expectClose(ops.silu(T([1, -1])).data, [0.7310585786300049, -(1 - 0.7310585786300049)]);
  });

  it("sigmoid saturates without NaN", () => {
    expect(Array.from(ops.sigmoid(T([-1000, 1000])).data)).toEqual([0, 1]);
  });

  it("exact GELU matches x·Φ(x)", () => {
    expectClose(ops.gelu(T([1, -1, 0])).data, [0.8413447460685429, -0.15865525393145707, 0], 1e-7);
    // Standard normal CDF values Φ(0.5), Φ(2), Φ(3), Φ(-3).
    const phi: [number, number][] = [[0.5, 0.6914624612740131], [2, 0.9772498680518208], [3, 0.9986501019683699], [-3, 0.0013498980316301]];
    expectClose(ops.gelu(T(phi.map(([v]) => v))).data, phi.map(([v, p]) => v * p), 0, 1e-6);
  });

  it("erf is accurate well beyond float32", () => {
    const known: [number, number][] = [
      [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
      [2, 0.9953222650189527], [3, 0.9999779095030014], [-2.5, -0.999593047982555],
    ];
    for (const [v, e] of known) expect(Math.abs(ops.erf(v) - e)).toBeLessThan(1e-15);
    expect(ops.erf(0)).toBe(0);
    expect(ops.erf(10)).toBe(1);
    expect(ops.erfc(3)).toBeCloseTo(2.209049699858544e-5, 17);
  });

  it("tanh-approximate GELU", () => {
    expectClose(ops.geluTanh(T([1])).data, [0.8411919906082768], 1e-7);
    const v = -1.5;
    const ref = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expectClose(ops.geluTanh(T([v])).data, [ref], 1e-7);
  });

  it("softcap = cap·tanh(x/cap)", () => {
    expectClose(ops.softcap(T([0, 5, -50]), 5).data, [0, 5 * Math.tanh(1), 5 * Math.tanh(-10)]);
  });
});

describe("activation by name", () => {
  const x = T([-2, 3]);
  it("dispatches every supported name", () => {
    expect(flat(ops.activation("relu", x).toNested())).toEqual([0, 3]);
    expect(flat(ops.activation("relu2", x).toNested())).toEqual([0, 9]);
    expect(ops.activation("identity", x).toNested()).toEqual([-2, 3]);
    expect(ops.activation("swish", x).data).toEqual(ops.silu(x).data);
    expect(ops.activation("silu", x).data).toEqual(ops.silu(x).data);
    expect(ops.activation("gelu", x).data).toEqual(ops.gelu(x).data);
    for (const name of ["gelu_new", "gelu_pytorch_tanh", "gelu_tanh"]) {
      expect(ops.activation(name, x).data).toEqual(ops.geluTanh(x).data);
    }
    expect(ops.activation("tanh", x).data).toEqual(ops.tanh(x).data);
    expect(ops.activation("sigmoid", x).data).toEqual(ops.sigmoid(x).data);
  });

  it("rejects unknown names clearly", () => {
    expect(() => ops.activation("swiglu", x)).toThrow(RuntimeArgumentError);
    expect(() => ops.activation("swiglu", x)).toThrow(/unknown activation "swiglu"/);
    expect(() => ops.activation("toString", x)).toThrow(RuntimeArgumentError);
  });
});
