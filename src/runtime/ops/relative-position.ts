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

/**
 * [S, dim]: row r is [sin(r·f_0) … sin(r·f_(dim/2−1)), cos(r·f_0) … cos(r·f_(dim/2−1))] with
 * f_k = 1 / 10000^(2k/dim) (each step rounded to float32 as the reference builds it); r is
 * clamped to `clamp` when that is positive.
 */
export function relativeSinusoid(positions: number, dim: number, clamp = 0): Tensor {
  if (!Number.isInteger(dim) || dim % 2 !== 0) throw new RuntimeArgumentError("relativeSinusoid", `dim must be even, got ${dim}`);
  const half = dim / 2;
  const inv = new Float32Array(half);
  for (let k = 0; k < half; k++) inv[k] = f(1 / f(Math.pow(10000, f((2 * k) / dim))));
  const out = new Float32Array(positions * dim);
  for (let r = 0; r < positions; r++) {
    const p = clamp > 0 ? Math.min(r, clamp) : r;
    for (let k = 0; k < half; k++) {
      const a = f(p * inv[k]!);
      out[r * dim + k] = Math.sin(a);
      out[r * dim + half + k] = Math.cos(a);
    }
  }
  return new Tensor(out, [positions, dim]);
}

/**
 * q [B, H, T, D], r [S, H·D] → [B, H, T, S]: q_i · r_(S−T+i−j) (head h reading its D columns),
 * the query's score against the embedding of its distance to key j; keys after the query
 * (negative distance) score 0.
 */
export function relativeScores(q: Tensor, r: Tensor): Tensor {
  if (q.shape.length !== 4) throw new RuntimeShapeError("relativeScores", "q [B, H, T, D]", shapeToString(q.shape));
  const [b, h, t, d] = q.shape as [number, number, number, number];
  if (r.shape.length !== 2 || r.shape[1] !== h * d) throw new RuntimeShapeError("relativeScores", `r [S, ${h * d}]`, shapeToString(r.shape));
  const s = r.shape[0]!;
  if (s < t) throw new RuntimeShapeError("relativeScores", `at least ${t} positions in r`, shapeToString(r.shape));
  const out = new Float32Array(b * h * t * s);
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      for (let i = 0; i < t; i++) {
        const qo = ((bi * h + hi) * t + i) * d;
        const row = ((bi * h + hi) * t + i) * s;
        for (let j = 0; j < s; j++) {
          const dist = s - t + i - j;
          if (dist < 0) continue;
          const ro = dist * h * d + hi * d;
          let acc = 0;
          for (let c = 0; c < d; c++) acc += q.data[qo + c]! * r.data[ro + c]!;
          out[row + j] = acc;
        }
      }
    }
  }
  return new Tensor(out, [b, h, t, s]);
}
