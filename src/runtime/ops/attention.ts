/**
 * Scaled dot-product attention with the masks and score transforms of the
 * supported families, computed row by row: one (batch, head, query) at a time
 * against contiguous key and value rows, so nothing of size T×S is allocated.
 */
import { broadcastShapes, broadcastStrides } from "../broadcast.js";
import { RuntimeArgumentError, RuntimeShapeError } from "../errors.js";
import { expectRank, sameShape, shapeToString } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";

/** torch.finfo(torch.float32).min: what HF adds to masked scores. */
export const FLOAT32_MIN = -3.4028234663852886e38;

export interface AttentionOptions {
  /** Multiplies q·k; default 1/sqrt(D). */
  scale?: number;
  /** Key j is visible to query i only if j <= i (absolute positions). */
  causal?: boolean;
  /** Key j is visible to query i iff i − window < j <= i (absolute positions); implies causal. */
  window?: number;
  /** Absolute position of query 0; default S − T (queries are the last T positions). */
  queryOffset?: number;
  /** [B, S]: 1 = real token, 0 = padding. */
  keyPadding?: IntTensor;
  /** Added to the scaled (and soft-capped) scores; broadcastable to [B, H, T, S]. */
  bias?: Tensor;
  /** cap·tanh(s/cap) on the scaled scores, before bias and masks. */
  softcap?: number;
}

/**
 * q[B, H, T, D], k[B, KV, S, D], v[B, KV, S, Dv] → [B, H, T, Dv]. With KV < H,
 * query head h reads kv head floor(h / (H/KV)) (GQA/MQA) without copying.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  expectRank("attention", q.shape, 4, "q [B, H, T, D]");
  expectRank("attention", k.shape, 4, "k [B, KV, S, D]");
  expectRank("attention", v.shape, 4, "v [B, KV, S, Dv]");
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const [, kvHeads, s] = k.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  if (!sameShape(k.shape, [b, kvHeads, s, d])) {
    throw new RuntimeShapeError("attention", `k [${b}, KV, S, ${d}] to match q ${shapeToString(q.shape)}`, shapeToString(k.shape));
  }
  if (!sameShape(v.shape, [b, kvHeads, s, dv])) {
    throw new RuntimeShapeError("attention", `v [${b}, ${kvHeads}, ${s}, Dv] to match k ${shapeToString(k.shape)}`, shapeToString(v.shape));
  }
  if (kvHeads === 0 || h % kvHeads !== 0) {
    throw new RuntimeShapeError("attention", `a kv head count dividing ${h} query heads`, String(kvHeads));
  }
  const groups = h / kvHeads;
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  const queryOffset = opts.queryOffset ?? s - t;
  const window = opts.window;
  if (window !== undefined && (!Number.isInteger(window) || window < 1)) {
    throw new RuntimeArgumentError("attention", `window must be a positive integer, got ${window}`);
  }
  const causal = opts.causal === true || window !== undefined;
  const pad = opts.keyPadding;
  if (pad && !sameShape(pad.shape, [b, s])) {
    throw new RuntimeShapeError("attention", `keyPadding [${b}, ${s}]`, shapeToString(pad.shape));
  }
  const bias = opts.bias;
  let biasStrides: number[] | undefined;
  if (bias) {
    const full = [b, h, t, s];
    if (bias.shape.length > 4 || !sameShape(broadcastShapes("attention bias", bias.shape, full), full)) {
      throw new RuntimeShapeError("attention", `bias broadcastable to ${shapeToString(full)}`, shapeToString(bias.shape));
    }
    biasStrides = broadcastStrides(bias.shape, full);
  }
  const cap = opts.softcap;

  const qd = q.data;
  const kd = k.data;
  const vd = v.data;
  const out = new Float32Array(b * h * t * dv);
  // Float32Array storage rounds each score step to float32, as PyTorch does.
  const scores = new Float32Array(s);
  const acc = new Float64Array(dv);

  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const kvBase = (bi * kvHeads + Math.floor(hi / groups)) * s;
      for (let i = 0; i < t; i++) {
        const qo = ((bi * h + hi) * t + i) * d;
        const qPos = queryOffset + i;
        const biasRow = biasStrides ? bi * biasStrides[0]! + hi * biasStrides[1]! + i * biasStrides[2]! : 0;
        let max = -Infinity;
        for (let j = 0; j < s; j++) {
          const masked =
            (causal && j > qPos) ||
            (window !== undefined && j <= qPos - window) ||
            (pad !== undefined && pad.data[bi * s + j] === 0);
          if (masked) {
            // score + finfo.min rounds to finfo.min for any score below ~1e31,
            // so the dot product need not be computed.
            scores[j] = FLOAT32_MIN;
          } else {
            const ko = (kvBase + j) * d;
            let dot = 0;
            for (let c = 0; c < d; c++) dot += qd[qo + c]! * kd[ko + c]!;
            scores[j] = dot * scale;
            if (cap !== undefined) scores[j] = cap * Math.tanh(scores[j]! / cap);
            if (bias) scores[j] = scores[j]! + bias.data[biasRow + j * biasStrides![3]!]!;
          }
          if (scores[j]! > max) max = scores[j]!;
        }
        acc.fill(0);
        let sum = 0;
        for (let j = 0; j < s; j++) {
          const p = Math.exp(scores[j]! - max);
          if (p === 0) continue;
          sum += p;
          const vo = (kvBase + j) * dv;
          for (let c = 0; c < dv; c++) acc[c]! += p * vd[vo + c]!;
        }
        const oo = ((bi * h + hi) * t + i) * dv;
        // With no keys at all (S = 0), p·v is an empty sum: zeros, as torch's matmul.
        if (sum > 0) for (let c = 0; c < dv; c++) out[oo + c] = acc[c]! / sum;
      }
    }
  }
  return new Tensor(out, [b, h, t, dv]);
}
