import { describe, expect, it } from "vitest";
import { ops, randomTensor, RuntimeShapeError, Tensor } from "../../src/runtime/index.js";
import { expectClose } from "./close.js";

// 5 outputs: one 4-wide tile plus a remainder output.
const W = [[1, 0, -1], [2, 1, 0], [0, 0, 1], [1, 1, 1], [0.5, 0, 0]];
const B = [0.1, 0.2, 0.3, 0.4, 0.5];
const X = [[1, 2, 3], [4, 5, 6]];
// Worked by hand: row·w_o + b_o.
const Y = [[-1.9, 4.2, 3.3, 6.4, 1.0], [-1.9, 13.2, 6.3, 15.4, 2.5]];
const Y_NO_BIAS = [[-2, 4, 3, 6, 0.5], [-2, 13, 6, 15, 2]];

function transpose2d(m: number[][]): number[][] {
  return m[0]!.map((_, j) => m.map((row) => row[j]!));
}

/** Textbook triple loop, as the reference for larger random cases. */
function naiveLinear(x: Tensor, w: Tensor, b?: Tensor): number[] {
  const inDim = w.shape[1]!;
  const outDim = w.shape[0]!;
  const rows = x.size / inDim;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let s = b ? b.data[o]! : 0;
      for (let k = 0; k < inDim; k++) s += x.data[r * inDim + k]! * w.data[o * inDim + k]!;
      out.push(s);
    }
  }
  return out;
}

describe("linear (W[out, in])", () => {
  it("computes x·Wᵀ + b", () => {
    const y = ops.linear(Tensor.from(X), Tensor.from(W), Tensor.from(B));
    expect(y.shape).toEqual([2, 5]);
    expectClose(y.data, Y.flat(), 1e-6);
    expectClose(ops.linear(Tensor.from(X), Tensor.from(W)).data, Y_NO_BIAS.flat(), 0);
  });

  it("keeps leading dims", () => {
    const y = ops.linear(Tensor.from(X.flat(), [2, 1, 3]), Tensor.from(W), Tensor.from(B));
    expect(y.shape).toEqual([2, 1, 5]);
  });

  it("matches a naive loop on row counts and widths that cross the tiling", () => {
    const x = randomTensor([3, 7, 13], 1, 1);
    const w = randomTensor([11, 13], 2, 0.5);
    const b = randomTensor([11], 3, 0.1);
    expectClose(ops.linear(x, w, b).data, naiveLinear(x, w, b), 1e-5);
  });

  it("rejects mismatched shapes", () => {
    expect(() => ops.linear(Tensor.zeros([2, 4]), Tensor.from(W))).toThrow(RuntimeShapeError);
    expect(() => ops.linear(Tensor.zeros([2, 4]), Tensor.from(W))).toThrow(/\[2, 4\]/);
    expect(() => ops.linear(Tensor.from(X), Tensor.from(W), Tensor.zeros([4]))).toThrow(/bias of shape \[5\]/);
  });
});

describe("linearInOut (W[in, out], GPT-2 Conv1D)", () => {
  it("computes x·W + b", () => {
    const y = ops.linearInOut(Tensor.from(X), Tensor.from(transpose2d(W)), Tensor.from(B));
    expect(y.shape).toEqual([2, 5]);
    expectClose(y.data, Y.flat(), 1e-6);
  });

  it("agrees with linear on the transposed weight", () => {
    const x = randomTensor([2, 10, 9], 4);
    const w = randomTensor([6, 9], 5);
    const wt = ops.transpose(w, 0, 1);
    expectClose(ops.linearInOut(x, wt).data, ops.linear(x, w).data, 1e-5);
  });

  it("handles an odd row count and a width that is not a multiple of 4", () => {
    const x = randomTensor([5, 7], 8);
    const w = randomTensor([3, 7], 9);
    const b = randomTensor([3], 10);
    expectClose(ops.linearInOut(x, ops.transpose(w, 0, 1), b).data, naiveLinear(x, w, b), 1e-5);
    expectClose(ops.linearInOut(ops.slice(x, 0, 0, 1), ops.transpose(w, 0, 1)).data, naiveLinear(ops.slice(x, 0, 0, 1), w), 1e-5);
  });

  it("rejects an input width that does not match", () => {
    expect(() => ops.linearInOut(Tensor.zeros([2, 5]), Tensor.from(transpose2d(W)))).toThrow(RuntimeShapeError);
  });
});

describe("matmul", () => {
  it("multiplies matrices", () => {
    const y = ops.matmul(Tensor.from([[1, 2, 3], [4, 5, 6]]), Tensor.from([[7, 8], [9, 10], [11, 12]]));
    expect(y.toNested()).toEqual([[58, 64], [139, 154]]);
  });

  it("broadcasts leading dims", () => {
    const a = randomTensor([2, 1, 3, 4], 6);
    const b = randomTensor([5, 4, 2], 7);
    const y = ops.matmul(a, b);
    expect(y.shape).toEqual([2, 5, 3, 2]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 5; j++) {
        for (let m = 0; m < 3; m++) {
          for (let n = 0; n < 2; n++) {
            let s = 0;
            for (let k = 0; k < 4; k++) s += a.data[(i * 3 + m) * 4 + k]! * b.data[(j * 4 + k) * 2 + n]!;
            expect(y.data[((i * 5 + j) * 3 + m) * 2 + n]).toBeCloseTo(s, 5);
          }
        }
      }
    }
  });

  it("rejects mismatched inner dims and rank-1 operands", () => {
    expect(() => ops.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2]))).toThrow(/matmul: expected b \[\.\.\., 3, n\]/);
    expect(() => ops.matmul(Tensor.zeros([3]), Tensor.zeros([3, 2]))).toThrow(RuntimeShapeError);
    expect(() => ops.matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 2]))).toThrow(RuntimeShapeError);
  });
});
