// Token ids (and positions computed from them) are integers: arithmetic between ids and
// integers stays ids, so that `pos(position_ids(ids) + 2)` looks up an embedding table; layout
// ops (split, concat, select, reshape, …) move ids as they move floats. Ids are below 2^24
// (vocabularies and context lengths), so they pass through float32 exactly.
import * as ops from "../ops/index.js";
import { IntTensor, Tensor } from "../tensor.js";

export const asFloat = (x: Tensor | IntTensor): Tensor => (x instanceof IntTensor ? new Tensor(Float32Array.from(x.data), [...x.shape]) : x);

const asIds = (x: Tensor): IntTensor => new IntTensor(Int32Array.from(x.data, (v) => Math.round(v)), [...x.shape]);

type Operand = IntTensor | number;

function intOperand(v: Operand): Tensor | number {
  if (typeof v === "number" && !Number.isInteger(v)) throw new RangeError(`integer arithmetic on token ids with ${v}`);
  return typeof v === "number" ? v : asFloat(v);
}

/** `a + b`, `a - b`, `a * b` where the checker typed the result as ids (ids and integers). */
export function add_ids(a: Operand, b: Operand): IntTensor {
  const [x, y] = [intOperand(a), intOperand(b)];
  if (typeof x === "number") return asIds(ops.addScalar(y as Tensor, x));
  return asIds(typeof y === "number" ? ops.addScalar(x, y) : ops.add(x, y));
}

export function sub_ids(a: Operand, b: Operand): IntTensor {
  const [x, y] = [intOperand(a), intOperand(b)];
  if (typeof x === "number") return asIds(ops.map(y as Tensor, (v) => x - v));
  return asIds(typeof y === "number" ? ops.map(x, (v) => v - y) : ops.sub(x, y));
}

export function mul_ids(a: Operand, b: Operand): IntTensor {
  const [x, y] = [intOperand(a), intOperand(b)];
  if (typeof x === "number") return asIds(ops.scale(y as Tensor, x));
  return asIds(typeof y === "number" ? ops.scale(x, y) : ops.mul(x, y));
}

/**
 * A layout op that also takes ids: ids in, ids out (every tensor result), the same op on the
 * values otherwise.
 */
export function keepsIds<A extends unknown[], R extends Tensor | Tensor[]>(op: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    if (!args.some((a) => a instanceof IntTensor)) return op(...args);
    const r = op(...(args.map((a) => (a instanceof IntTensor ? asFloat(a) : a)) as A));
    return (Array.isArray(r) ? r.map(asIds) : asIds(r)) as unknown as R;
  };
}
