/** Token embedding lookup. */
import { RuntimeIndexError, RuntimeShapeError } from "../errors.js";
import { shapeToString } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";
import { DeferredTensor } from "../weights/deferred.js";
import { PackedTensor } from "../weights/packed.js";
import { outputFloats } from "../kernels/arena.js";

/** ids[...] → table rows, shape [...ids.shape, d]. */
export function embedding(ids: IntTensor, table: Tensor): Tensor {
  if (table.shape.length !== 2) {
    throw new RuntimeShapeError("embedding", "table [n, d]", shapeToString(table.shape));
  }
  const n = table.shape[0]!;
  const d = table.shape[1]!;
  for (let i = 0; i < ids.data.length; i++) {
    const id = ids.data[i]!;
    if (id < 0 || id >= n) {
      throw new RuntimeIndexError("embedding", id, n, `token id ${id} at flat position ${i} is outside the table of ${n} rows (shape ${shapeToString(table.shape)})`);
    }
  }
  // A bfloat16 or int8 table decodes only the rows looked up.
  if (table instanceof PackedTensor) return new Tensor(table.gatherRows(ids.data), [...ids.shape, d]);
  // A table still in its file is read row by row: only the rows looked up.
  const data = table instanceof DeferredTensor ? table.rows(ids.data) : table.data;
  const out = outputFloats(ids.data.length * d);
  for (let i = 0; i < ids.data.length; i++) {
    const id = ids.data[i]!;
    out.set(data.subarray(id * d, id * d + d), i * d);
  }
  return new Tensor(out, [...ids.shape, d]);
}
