import { describe, expect, it } from "vitest";
import { IntTensor, ops, RuntimeIndexError, RuntimeShapeError, Tensor } from "../../src/runtime/index.js";

/** Values 0..n-1, so each element names its own row-major index. */
const arange = (shape: number[]) => Tensor.from(Array.from({ length: shape.reduce((p, q) => p * q, 1) }, (_, i) => i), shape);

describe("reshape", () => {
  it("keeps data and infers one -1", () => {
    const y = ops.reshape(arange([2, 3]), [3, -1]);
    expect(y.shape).toEqual([3, 2]);
    expect(y.toNested()).toEqual([[0, 1], [2, 3], [4, 5]]);
  });

  it("rejects two -1s and size mismatches", () => {
    expect(() => ops.reshape(arange([2, 3]), [-1, -1])).toThrow(/at most one -1/);
    expect(() => ops.reshape(arange([2, 3]), [4, -1])).toThrow(RuntimeShapeError);
    expect(() => ops.reshape(arange([2, 3]), [5])).toThrow(/6 elements/);
  });

  it("does not alias its input", () => {
    const x = arange([4]);
    const y = ops.reshape(x, [2, 2]);
    y.data[0] = 99;
    expect(x.data[0]).toBe(0);
  });
});

describe("transpose and permute", () => {
  it("transposes a matrix", () => {
    expect(ops.transpose(arange([2, 3]), 0, 1).toNested()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(ops.transpose(arange([2, 3]), -1, -2).shape).toEqual([3, 2]);
  });

  it("permutes: out[k][i][j] = x[i][j][k]", () => {
    const x = arange([2, 3, 4]);
    const y = ops.permute(x, [2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
      expect(y.data[(k * 2 + i) * 3 + j]).toBe(i * 12 + j * 4 + k);
    }
  });

  it("rejects non-permutations", () => {
    expect(() => ops.permute(arange([2, 3]), [0, 0])).toThrow(RuntimeShapeError);
    expect(() => ops.permute(arange([2, 3]), [0])).toThrow(RuntimeShapeError);
    expect(() => ops.transpose(arange([2, 3]), 0, 2)).toThrow(/axis in \[-2, 1\]/);
  });
});

describe("slice, split, concat", () => {
  const x = arange([2, 4]);

  it("slices along an axis, with negative bounds", () => {
    expect(ops.slice(x, 1, 1, 3).toNested()).toEqual([[1, 2], [5, 6]]);
    expect(ops.slice(x, -1, -2, 4).toNested()).toEqual([[2, 3], [6, 7]]);
    expect(ops.slice(x, 0, 1, 2).toNested()).toEqual([[4, 5, 6, 7]]);
    expect(() => ops.slice(x, 1, 2, 5)).toThrow(/0 <= start <= end <= 4/);
  });

  it("splits into consecutive pieces", () => {
    const [a, b] = ops.split(x, 1, [1, 3]);
    expect(a!.toNested()).toEqual([[0], [4]]);
    expect(b!.toNested()).toEqual([[1, 2, 3], [5, 6, 7]]);
    expect(() => ops.split(x, 1, [1, 2])).toThrow(/sizes summing to 4/);
  });

  it("concatenates along any axis", () => {
    const a = Tensor.from([[1, 2]]);
    const b = Tensor.from([[3, 4], [5, 6]]);
    expect(ops.concat([a, b], 0).toNested()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(ops.concat([Tensor.from([[1], [2]]), Tensor.from([[3, 4], [5, 6]])], 1).toNested()).toEqual([[1, 3, 4], [2, 5, 6]]);
    expect(() => ops.concat([a, b], 1)).toThrow(RuntimeShapeError);
  });
});

describe("attention head layout", () => {
  it("splitHeads: [B, T, H·D] → [B, H, T, D]", () => {
    // T = 2, H = 2, D = 2: token t holds [h0d0, h0d1, h1d0, h1d1].
    const y = ops.splitHeads(arange([1, 2, 4]), 2);
    expect(y.shape).toEqual([1, 2, 2, 2]);
    expect(y.toNested()).toEqual([[[[0, 1], [4, 5]], [[2, 3], [6, 7]]]]);
    expect(() => ops.splitHeads(arange([1, 2, 4]), 3)).toThrow(RuntimeShapeError);
  });

  it("mergeHeads inverts splitHeads", () => {
    const x = arange([2, 3, 6]);
    const y = ops.mergeHeads(ops.splitHeads(x, 3));
    expect(y.shape).toEqual([2, 3, 6]);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
  });

  it("repeatKv: head h copies kv head floor(h / groups)", () => {
    const x = Tensor.from([[[[1, 2]], [[3, 4]]]]); // [1, 2, 1, 2]
    const y = ops.repeatKv(x, 2);
    expect(y.shape).toEqual([1, 4, 1, 2]);
    expect(y.toNested()).toEqual([[[[1, 2]], [[1, 2]], [[3, 4]], [[3, 4]]]]);
  });
});

describe("indexSelect and gatherRows", () => {
  const x = arange([3, 2]);

  it("selects along an axis", () => {
    expect(ops.indexSelect(x, 1, [1, 1, 0]).toNested()).toEqual([[1, 1, 0], [3, 3, 2], [5, 5, 4]]);
    expect(ops.indexSelect(x, 0, IntTensor.from([2, 0])).toNested()).toEqual([[4, 5], [0, 1]]);
  });

  it("gathers rows", () => {
    expect(ops.gatherRows(x, [2, 2]).toNested()).toEqual([[4, 5], [4, 5]]);
  });

  it("names the bad index", () => {
    expect(() => ops.gatherRows(x, [3])).toThrow(RuntimeIndexError);
    expect(() => ops.gatherRows(x, [0, 3])).toThrow(/index 3 \(position 1\)/);
  });
});
