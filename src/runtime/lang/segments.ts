// Document segments for attention masking in packed sequences: a token belongs to the
// segment after every boundary (end-of-document) token before it, and attention never
// crosses segments. Decoding continues the count and keeps the keys' segments with the
// KV cache, so a step sees exactly the mask of the full pass.
import { IntTensor } from "../tensor.js";
import type { ForwardContext } from "../model/context.js";

/** How many `boundary` tokens precede each position of ids[B, T], cached tokens included. */
export function segment_ids(c: ForwardContext, site: string, ids: IntTensor, boundary: number | null): IntTensor {
  const [b, t] = ids.shape as [number, number];
  const seen = (c.useCache ? (c.state.get(site) as Int32Array | undefined) : undefined) ?? new Int32Array(b);
  const next = Int32Array.from(seen);
  const out = new Int32Array(b * t);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < t; j++) {
      out[i * t + j] = next[i]!;
      if (boundary !== null && ids.data[i * t + j] === boundary) next[i]!++;
    }
  }
  if (c.useCache) c.state.set(site, next);
  return new IntTensor(out, [b, t]);
}

/** The segments of every key an attention site sees: the cached ones, then these queries'. */
export function keySegments(c: ForwardContext, site: string, query: IntTensor, cached: boolean): IntTensor {
  if (!cached) return query;
  const key = `${site}/segments`;
  const past = c.state.get(key) as IntTensor | undefined;
  let all = query;
  if (past) {
    const [b, p] = past.shape as [number, number];
    const t = query.shape[1]!;
    const data = new Int32Array(b * (p + t));
    for (let i = 0; i < b; i++) {
      data.set(past.data.subarray(i * p, (i + 1) * p), i * (p + t));
      data.set(query.data.subarray(i * t, (i + 1) * t), i * (p + t) + p);
    }
    all = new IntTensor(data, [b, p + t]);
  }
  c.state.set(key, all);
  return all;
}
