/**
 * Conversion between nested JS arrays (how people write small tensors in tests
 * and how JSON fixtures store token ids) and flat row-major data.
 */
import { RuntimeShapeError } from "./errors.js";
import { shapeToString } from "./layout.js";

export type Nested = number | readonly Nested[];

export function inferShape(value: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = value;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as Nested;
  }
  return shape;
}

/** Flattens `value`, checking it is rectangular with the given shape. */
export function flattenNested(op: string, value: Nested, shape: readonly number[]): number[] {
  const out: number[] = [];
  const walk = (v: Nested, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== "number") {
        throw new RuntimeShapeError(op, `a number at ${path || "the top level"}`, "an array", `nested shape ${shapeToString(shape)}`);
      }
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const found = Array.isArray(v) ? `length ${v.length}` : typeof v;
      throw new RuntimeShapeError(op, `length ${shape[depth]} at ${path || "the top level"}`, found, "ragged nested array");
    }
    v.forEach((child: Nested, i: number) => walk(child, depth + 1, `${path}[${i}]`));
  };
  walk(value, 0, "");
  return out;
}

export function unflatten(data: ArrayLike<number>, shape: readonly number[]): Nested {
  if (shape.length === 0) return data[0]!;
  let offset = 0;
  const build = (depth: number): Nested => {
    const n = shape[depth]!;
    const arr: Nested[] = new Array(n);
    for (let i = 0; i < n; i++) {
      arr[i] = depth === shape.length - 1 ? data[offset++]! : build(depth + 1);
    }
    return arr;
  };
  return build(0);
}
