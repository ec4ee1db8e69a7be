import { describe, expect, it } from "vitest";
import { IntTensor, RuntimeShapeError, shapeToString, Tensor } from "../../src/runtime/index.js";

describe("Tensor", () => {
  it("builds from nested arrays, inferring the shape", () => {
    const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.toNested()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it("builds from flat data with and without a shape", () => {
    expect(Tensor.from([1, 2, 3, 4], [2, 2]).toNested()).toEqual([[1, 2], [3, 4]]);
    expect(Tensor.from([1, 2, 3]).shape).toEqual([3]);
    expect(Tensor.from(new Float32Array([1, 2]), [1, 2]).shape).toEqual([1, 2]);
    expect(Tensor.from(7).shape).toEqual([]);
    expect(Tensor.from(7).toNested()).toBe(7);
  });

  it("copies its input", () => {
    const src = new Float32Array([1, 2]);
    const t = Tensor.from(src);
    src[0] = 9;
    expect(t.data[0]).toBe(1);
  });

  it("rounds to float32", () => {
    expect(Tensor.from([0.1]).data[0]).toBe(Math.fround(0.1));
  });

  it("makes zeros", () => {
    const z = Tensor.zeros([2, 0, 3]);
    expect(z.size).toBe(0);
    expect(Tensor.zeros([2, 2]).toNested()).toEqual([[0, 0], [0, 0]]);
  });

  it("rejects ragged arrays, wrong sizes and bad dims", () => {
    expect(() => Tensor.from([[1, 2], [3]])).toThrow(RuntimeShapeError);
    expect(() => Tensor.from([1, 2, 3], [2, 2])).toThrow(/4 elements for shape \[2, 2\], found 3 elements/);
    expect(() => new Tensor(new Float32Array(2), [3])).toThrow(RuntimeShapeError);
    expect(() => Tensor.zeros([2, -1])).toThrow(/non-negative integer dims/);
  });

  it("formats shapes", () => {
    expect(shapeToString([2, 3, 4])).toBe("[2, 3, 4]");
    expect(shapeToString([])).toBe("[]");
  });

  it("RuntimeShapeError carries op, expected and found", () => {
    try {
      Tensor.from([1, 2, 3], [2, 2]);
      expect.fail("should throw");
    } catch (e) {
      const err = e as RuntimeShapeError;
      expect(err).toBeInstanceOf(RuntimeShapeError);
      expect(err.op).toBe("Tensor.from");
      expect(err.expected).toContain("[2, 2]");
      expect(err.found).toBe("3 elements");
    }
  });
});

describe("IntTensor", () => {
  it("holds integer ids", () => {
    const ids = IntTensor.from([[1, 2], [3, 4]]);
    expect(ids.shape).toEqual([2, 2]);
    expect(ids.data).toBeInstanceOf(Int32Array);
    expect(ids.toNested()).toEqual([[1, 2], [3, 4]]);
    expect(IntTensor.zeros([3]).size).toBe(3);
  });

  it("rejects non-integers", () => {
    expect(() => IntTensor.from([1.5])).toThrow(RuntimeShapeError);
    expect(() => IntTensor.from([2 ** 40])).toThrow(/32-bit integers/);
  });
});
