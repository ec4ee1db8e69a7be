import { describe, expect, it } from "vitest";
import { IntTensor, ops, RuntimeArgumentError, RuntimeShapeError, Tensor } from "../../src/runtime/index.js";
import { expectClose } from "./close.js";

const { cos, sin } = Math;
// x[1, 1, 2, 4]: position 0 holds [1, 2, 3, 4] as well, so it checks the identity.
const x = Tensor.from([1, 2, 3, 4, 1, 2, 3, 4], [1, 1, 2, 4]);
const positions = new Int32Array([0, 1]);
// θ = 100, D = 4: inv_freq = [100^0, 100^-0.5] = [1, 0.1]; at position 1 the angles are 1 and 0.1.

describe("rope", () => {
  it("rotate_half pairs (i, i + D/2)", () => {
    const y = ops.rope(x, positions, { theta: 100, style: "rotate_half" });
    expectClose(y.data.subarray(0, 4), [1, 2, 3, 4], 0);
    expectClose(y.data.subarray(4), [
      1 * cos(1) - 3 * sin(1),
      2 * cos(0.1) - 4 * sin(0.1),
      3 * cos(1) + 1 * sin(1),
      4 * cos(0.1) + 2 * sin(0.1),
    ], 1e-6);
  });

  it("interleaved pairs (2i, 2i + 1)", () => {
    const y = ops.rope(x, positions, { theta: 100, style: "interleaved" });
    expectClose(y.data.subarray(4), [
      1 * cos(1) - 2 * sin(1),
      2 * cos(1) + 1 * sin(1),
      3 * cos(0.1) - 4 * sin(0.1),
      4 * cos(0.1) + 3 * sin(0.1),
    ], 1e-6);
  });

  it("partial rotary leaves the tail dims alone", () => {
    // rotaryDim 2: inv_freq = [1], the only pair is (0, 1).
    const y = ops.rope(x, positions, { theta: 100, style: "rotate_half", rotaryDim: 2 });
    expectClose(y.data.subarray(4), [cos(1) - 2 * sin(1), 2 * cos(1) + sin(1), 3, 4], 1e-6);
  });

  it("takes per-batch positions", () => {
    const x2 = Tensor.from([1, 0, 1, 0], [2, 1, 1, 2]);
    const y = ops.rope(x2, IntTensor.from([[0], [2]]), { theta: 10, style: "rotate_half" });
    expectClose(y.data, [1, 0, cos(2), sin(2)], 1e-6);
  });

  it("linear scaling divides positions by the factor", () => {
    const pos = new Int32Array([0, 2]);
    const y = ops.rope(x, pos, { theta: 100, style: "rotate_half", scaling: { type: "linear", factor: 2 } });
    const ref = ops.rope(x, positions, { theta: 100, style: "rotate_half" });
    expectClose(y.data, ref.data, 1e-7);
  });

  it("dynamic NTK rescales the base only beyond the original length", () => {
    const xs = Tensor.from(Array.from({ length: 4 }, () => [1, 0, 0, 1]).flat(), [1, 1, 4, 4]);
    const pos = new Int32Array([0, 1, 2, 3]);
    const scaling = { type: "dynamic" as const, factor: 2, originalMaxPositions: 4 };
    // seqLen 4 <= 4: plain θ.
    const within = ops.rope(xs, pos, { theta: 10000, style: "rotate_half", scaling });
    expectClose(within.data, ops.rope(xs, pos, { theta: 10000, style: "rotate_half" }).data, 0);
    // seqLen 8: base = 10000·((2·8/4) − 1)^(4/2) = 90000, so inv_freq = [1, 1/300].
    const beyond = ops.rope(xs, pos, { theta: 10000, style: "rotate_half", scaling, seqLen: 8 });
    // Position 1, pair (1, 3) holds (0, 1) and rotates by 1/300.
    expectClose([beyond.data[5]!, beyond.data[7]!], [-sin(1 / 300), cos(1 / 300)], 1e-7);
    expect(() => ops.rope(xs, pos, { theta: 1, style: "rotate_half", scaling: { type: "dynamic", factor: 2 } })).toThrow(RuntimeArgumentError);
  });

  it("static NTK: base = θ·factor^(D/(D−2))", () => {
    // θ = 100, factor 4, D = 4: base 1600, inv_freq = [1, 1/40].
    const y = ops.rope(x, positions, { theta: 100, style: "rotate_half", scaling: { type: "ntk", factor: 4 } });
    expectClose([y.data[5]!], [2 * cos(1 / 40) - 4 * sin(1 / 40)], 1e-6);
  });

  it("uses a stored invFreq when given", () => {
    const y = ops.rope(x, positions, { theta: 1, style: "interleaved", invFreq: new Float32Array([0.5, 0.25]) });
    expectClose(y.data.subarray(4, 6), [cos(0.5) - 2 * sin(0.5), 2 * cos(0.5) + sin(0.5)], 1e-6);
    expect(() => ops.rope(x, positions, { theta: 1, style: "interleaved", invFreq: new Float32Array(3) })).toThrow(RuntimeShapeError);
  });

  it("computes inv_freq with HF's float32 roundings", () => {
    // 1 / base^(2i/dim), each step in float32.
    const f = Math.fround;
    const inv = ops.ropeInvFreq(500000, 16);
    for (let i = 0; i < 8; i++) {
      expect(inv[i]).toBe(f(1 / f(500000 ** f((2 * i) / 16))));
      expect(Math.abs(inv[i]! - 500000 ** (-(2 * i) / 16)) / inv[i]!).toBeLessThan(2e-7);
    }
    expect(Array.from(ops.ropeInvFreq(10000, 4))).toEqual([1, f(0.01)]);
  });

  it("rounds the angle position·inv_freq to float32 before cos/sin", () => {
    // At θ = 1e6 and position 5000 a double-precision angle differs visibly from torch's float32 one.
    const f = Math.fround;
    const d = 8;
    const xp = Tensor.from([1, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, d]);
    const y = ops.rope(xp, new Int32Array([5000]), { theta: 1e6, style: "rotate_half" });
    const inv0 = f(1 / f(1e6 ** f(0 / d)));
    const angle = f(inv0 * 5000);
    expectClose([y.data[0]!, y.data[4]!], [cos(angle), sin(angle)], 1e-7);
  });

  it("validates its inputs", () => {
    expect(() => ops.rope(Tensor.zeros([1, 2, 4]), positions, { theta: 1, style: "rotate_half" })).toThrow(RuntimeShapeError);
    expect(() => ops.rope(x, new Int32Array([0]), { theta: 1, style: "rotate_half" })).toThrow(/positions of length T = 2/);
    expect(() => ops.rope(x, positions, { theta: 1, style: "rotate_half", rotaryDim: 3 })).toThrow(RuntimeArgumentError);
  });
});
