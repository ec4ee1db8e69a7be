// ONNX lowering of T5's bucketed relative-position bias: the bucket of every (query, key)
// distance computed in the graph (exact buckets for short distances, logarithmic up to
// max_distance), then the table's row per bucket, as src/runtime/ops/relative-position.ts.
import type { Dim, OpLowering, TensorVal } from "../lowering.js";

export const relativePositionBiasOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const table = a.table as TensorVal;
  const x = a.x as TensorVal;
  const [numBuckets, heads] = table.dims as [number, number];
  const bidirectional = a.bidirectional === true;
  const maxDistance = Number(a.max_distance);
  const offset: Dim = a.cache === false ? 0 : c.io.pastLength();
  const t = x.dims[1]!;
  const scalar = (d: Dim) => g.op("Squeeze", [typeof d === "number" ? g.i64([d]) : d.value(g), g.i64([0])]);
  const from = scalar(offset);
  const to = g.op("Add", [from, scalar(t)]);
  const qpos = g.op("Unsqueeze", [g.op("Range", [from, to, g.i64(1)]), g.i64([1])]);
  const kpos = g.op("Unsqueeze", [g.op("Range", [g.i64(0), to, g.i64(1)]), g.i64([0])]);
  const rel = g.op("Sub", [kpos, qpos]);
  let buckets = numBuckets;
  let base: string | undefined;
  let distance: string;
  if (bidirectional) {
    buckets = Math.floor(buckets / 2);
    base = g.op("Mul", [g.op("Cast", [g.op("Greater", [rel, g.i64(0)])], { to: 7 }), g.i64(buckets)]);
    distance = g.op("Abs", [rel]);
  } else distance = g.op("Neg", [g.op("Min", [rel, g.i64(0)])]);
  const maxExact = Math.floor(buckets / 2);
  const ratio = g.op("Log", [g.op("Div", [g.op("Cast", [distance], { to: 1 }), g.f32(maxExact)])]);
  const scaled = g.op("Mul", [g.op("Div", [ratio, g.f32(Math.log(maxDistance / maxExact))]), g.f32(buckets - maxExact)]);
  // Distances below maxExact take the exact bucket (the log branch is then never read).
  const large = g.op("Min", [g.op("Add", [g.op("Cast", [g.op("Max", [scaled, g.f32(0)])], { to: 7 }), g.i64(maxExact)]), g.i64(buckets - 1)]);
  let bucket = g.op("Where", [g.op("Less", [distance, g.i64(maxExact)]), distance, large]);
  if (base) bucket = g.op("Add", [bucket, base]);
  const rows = g.op("Gather", [table.name, bucket], { axis: 0 });
  const bias = g.op("Unsqueeze", [g.op("Transpose", [rows], { perm: [2, 0, 1] }), g.i64([0])]);
  return c.tensor(bias, "float32", [1, heads, t, null]);
};
