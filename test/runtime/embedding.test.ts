import { describe, expect, it } from "vitest";
import { IntTensor, ops, RuntimeIndexError, Tensor } from "../../src/runtime/index.js";

describe("embedding", () => {
  const table = Tensor.from([[0, 1], [2, 3], [4, 5]]);

  it("looks up rows", () => {
    const y = ops.embedding(IntTensor.from([[2, 0], [1, 1]]), table);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(y.toNested()).toEqual([[[4, 5], [0, 1]], [[2, 3], [2, 3]]]);
  });

  it("names the id and table size when out of range", () => {
    expect(() => ops.embedding(IntTensor.from([[0, 3]]), table)).toThrow(RuntimeIndexError);
    expect(() => ops.embedding(IntTensor.from([[0, 3]]), table)).toThrow(/token id 3 .*3 rows/);
    expect(() => ops.embedding(IntTensor.from([[-1]]), table)).toThrow(/token id -1/);
  });
});
