/**
 * Dense tensors. Always contiguous row-major and immutable by convention: ops
 * return new tensors, so generated code can reuse any intermediate freely.
 */
import { RuntimeShapeError } from "./errors.js";
import { shapeSize, shapeToString } from "./layout.js";
import { flattenNested, inferShape, unflatten, type Nested } from "./nested.js";

export { RuntimeShapeError } from "./errors.js";
export { shapeToString } from "./layout.js";
export type { Nested } from "./nested.js";

function checkShape(op: string, shape: readonly number[], length: number): void {
  // One pass (every op's result comes through here, ~200 a decoding step).
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isInteger(d) || d < 0) {
      throw new RuntimeShapeError(op, "non-negative integer dims", shapeToString(shape));
    }
    size *= d;
  }
  if (size !== length) {
    throw new RuntimeShapeError(op, `${shapeSize(shape)} elements for shape ${shapeToString(shape)}`, `${length} elements`);
  }
}

/** Accepts nested arrays, or flat data plus an explicit shape (flat data alone is 1-D). */
function toFlat(op: string, values: Nested | ArrayLike<number>, shape?: readonly number[]): { flat: ArrayLike<number>; shape: number[] } {
  if (typeof values === "number") {
    const s = shape ? [...shape] : [];
    return { flat: [values], shape: s };
  }
  const isNested = Array.isArray(values) && values.length > 0 && Array.isArray(values[0]);
  if (isNested) {
    const inferred = inferShape(values as Nested);
    const flat = flattenNested(op, values as Nested, inferred);
    return { flat, shape: shape ? [...shape] : inferred };
  }
  const flat = values as ArrayLike<number>;
  return { flat, shape: shape ? [...shape] : [flat.length] };
}

/** What float and integer tensors share: contiguous row-major data and its shape. */
export abstract class DenseTensor<D extends Float32Array | Int32Array> {
  /**
   * Assigned in the constructor, not declared as a field: a field would be an own property
   * of every instance, and a subclass that reads its values lazily (DeferredTensor) could then
   * only replace it per instance, which turns each such object into a slow dictionary.
   */
  declare data: D;
  declare shape: number[];

  constructor(data: D, shape: number[], kind: string) {
    this.data = data;
    this.shape = shape;
    checkShape(kind, shape, data.length);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  toNested(): Nested {
    return unflatten(this.data, this.shape);
  }
}

export class Tensor extends DenseTensor<Float32Array> {
  constructor(data: Float32Array, shape: number[]) {
    super(data, shape, "Tensor");
  }

  static zeros(shape: readonly number[]): Tensor {
    checkShape("Tensor.zeros", shape, shapeSize(shape));
    return new Tensor(new Float32Array(shapeSize(shape)), [...shape]);
  }

  static full(shape: readonly number[], value: number): Tensor {
    const t = Tensor.zeros(shape);
    t.data.fill(value);
    return t;
  }

  /** From nested arrays (shape inferred) or flat values with an optional shape; always copies. */
  static from(values: Nested | ArrayLike<number>, shape?: readonly number[]): Tensor {
    const { flat, shape: s } = toFlat("Tensor.from", values, shape);
    checkShape("Tensor.from", s, flat.length);
    return new Tensor(Float32Array.from(flat), s);
  }
}

/** Integer tensors for token ids, positions and masks. */
export class IntTensor extends DenseTensor<Int32Array> {
  constructor(data: Int32Array, shape: number[]) {
    super(data, shape, "IntTensor");
  }

  static zeros(shape: readonly number[]): IntTensor {
    checkShape("IntTensor.zeros", shape, shapeSize(shape));
    return new IntTensor(new Int32Array(shapeSize(shape)), [...shape]);
  }

  static from(values: Nested | ArrayLike<number>, shape?: readonly number[]): IntTensor {
    const { flat, shape: s } = toFlat("IntTensor.from", values, shape);
    checkShape("IntTensor.from", s, flat.length);
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i]!;
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new RuntimeShapeError("IntTensor.from", "32-bit integers", String(v), `element ${i}`);
      }
    }
    return new IntTensor(Int32Array.from(flat), s);
  }
}
