/**
 * Bucketed relative position bias: each (query, key) distance maps to one of a few
 * buckets (exact for short distances, logarithmically wider up to a maximum distance) and
 * each bucket has a learned bias per head.
 */
import { RuntimeArgumentError, RuntimeShapeError } from "../errors.js";
import { shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";

const f = Math.fround;

export interface RelativeBucketOptions {
  numBuckets: number;
  maxDistance: number;
  /** Keys after the query get their own half of the buckets; otherwise later keys share bucket 0. */
  bidirectional: boolean;
}

/**
 * The bucket of `relative` = key position − query position. The logarithmic part follows
 * the reference's float32 steps (log, divide, scale, truncate) so that distances whose
 * exact value lands on a bucket boundary fall on the same side.
 */
export function relativePositionBucket(relative: number, o: RelativeBucketOptions): number {
  let buckets = o.numBuckets;
  let bucket = 0;
  let distance: number;
  if (o.bidirectional) {
    buckets = Math.floor(buckets / 2);
    if (relative > 0) bucket += buckets;
    distance = Math.abs(relative);
  } else {
    distance = -Math.min(relative, 0);
  }
  const maxExact = Math.floor(buckets / 2);
  if (distance < maxExact) return bucket + distance;
  const ratio = f(Math.log(f(distance / maxExact)));
  const scaled = f(f(ratio / f(Math.log(o.maxDistance / maxExact))) * (buckets - maxExact));
  return bucket + Math.min(maxExact + Math.trunc(scaled), buckets - 1);
}

/**
 * table [buckets, H] → bias [1, H, T, S] for queries at positions queryOffset..queryOffset+T−1
 * against keys at positions 0..S−1.
 */
export function relativePositionBias(table: Tensor, queryOffset: number, queries: number, keys: number, o: Omit<RelativeBucketOptions, "numBuckets">): Tensor {
  if (table.shape.length !== 2) throw new RuntimeShapeError("relativePositionBias", "table [buckets, heads]", shapeToString(table.shape));
  const [numBuckets, heads] = table.shape as [number, number];
  if (!(o.maxDistance > 0)) throw new RuntimeArgumentError("relativePositionBias", `max_distance must be positive, got ${o.maxDistance}`);
  const opts = { ...o, numBuckets };
  // Bias depends only on the distance j − i: one bucket per distance.
  const byDistance = new Int32Array(queries + keys);
  const minRel = -(queryOffset + queries - 1);
  for (let r = 0; r < byDistance.length; r++) byDistance[r] = relativePositionBucket(minRel + r, opts);
  const out = new Float32Array(heads * queries * keys);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < queries; i++) {
      const row = (h * queries + i) * keys;
      for (let j = 0; j < keys; j++) out[row + j] = table.data[byDistance[j - (queryOffset + i) - minRel]! * heads + h]!;
    }
  }
  return new Tensor(out, [1, heads, queries, keys]);
}
