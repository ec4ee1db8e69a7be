/**
 * Log-length query scaling ("logn attention"): a query at 1-based absolute
 * position p beyond the training length n is multiplied by log(p) / log(n),
 * which keeps the attention entropy of long contexts close to that seen in
 * training. Positions up to n are left unchanged.
 */
import { RuntimeArgumentError } from "../errors.js";
import { expectRank } from "../layout.js";
import { Tensor } from "../tensor.js";

/** The factor of 1-based position p; computed in double and rounded once to float32, like a float32 table built from Python floats. */
export function lognFactor(p: number, trainedLength: number): number {
  return p > trainedLength ? Math.fround(Math.log(p) / Math.log(trainedLength)) : 1;
}

/** q[B, H, T, D] whose query t sits at 0-based absolute position offset + t. */
export function lognScaleQueries(q: Tensor, offset: number, trainedLength: number): Tensor {
  expectRank("lognScaleQueries", q.shape, 4, "[B, H, T, D]");
  if (!(trainedLength > 1)) throw new RuntimeArgumentError("lognScaleQueries", `the trained length must be > 1, got ${trainedLength}`);
  const [b, h, t, d] = q.shape as [number, number, number, number];
  if (offset + t <= trainedLength) return q;
  const out = new Float32Array(q.data.length);
  for (let r = 0; r < b * h; r++) {
    for (let i = 0; i < t; i++) {
      const f = lognFactor(offset + i + 1, trainedLength);
      const o = (r * t + i) * d;
      for (let c = 0; c < d; c++) out[o + c] = q.data[o + c]! * f;
    }
  }
  return new Tensor(out, [...q.shape]);
}
