/**
 * Scaled dot-product attention with the masks and score transforms of the
 * supported families, computed row by row: one (batch, head, query) at a time
 * against contiguous key and value rows, so nothing of size T×S is allocated.
 */
import { broadcastShapes, broadcastStrides } from "../broadcast.js";
import { RuntimeArgumentError, RuntimeShapeError } from "../errors.js";
import { expectRank, sameShape, shapeToString } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";
import { attentionKernel } from "../kernels/attention.js";
import { addWeightedRows } from "./weighted-rows.js";

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
  /** The bias joins the raw q·k and is scaled with it, (q·k + bias)·scale, each step rounded to float32 (Falcon's ALiBi). */
  biasBeforeScale?: boolean;
  /** Document masking: key j is visible to query i only if key[b, j] == query[b, i] ([B, S] and [B, T]). */
  segments?: { query: IntTensor; key: IntTensor };
  /**
   * S when k and v are preallocated cache buffers [B, KV, capacity, D]: only their first S
   * positions are keys. Default: all of them.
   */
  keyLength?: number;
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
  const [, kvHeads, capacity] = k.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  if (k.shape[0] !== b || k.shape[3] !== d) {
    throw new RuntimeShapeError("attention", `k [${b}, KV, S, ${d}] to match q ${shapeToString(q.shape)}`, shapeToString(k.shape));
  }
  if (v.shape[0] !== b || v.shape[1] !== kvHeads || v.shape[2] !== capacity) {
    throw new RuntimeShapeError("attention", `v [${b}, ${kvHeads}, ${capacity}, Dv] to match k ${shapeToString(k.shape)}`, shapeToString(v.shape));
  }
  const s = opts.keyLength ?? capacity;
  if (!Number.isInteger(s) || s < 0 || s > capacity) {
    throw new RuntimeArgumentError("attention", `keyLength must be an integer in 0..${capacity}, got ${s}`);
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
  const preScaled = opts.biasBeforeScale === true && bias !== undefined;
  const scaleF32 = Math.fround(scale);
  const seg = opts.segments;
  if (seg && (!sameShape(seg.query.shape, [b, t]) || !sameShape(seg.key.shape, [b, s]))) {
    throw new RuntimeShapeError("attention", `segments [${b}, ${t}] for queries and [${b}, ${s}] for keys`, `${shapeToString(seg.query.shape)} and ${shapeToString(seg.key.shape)}`);
  }

  if (!bias && cap === undefined && !pad && !seg) {
    const fast = attentionKernel(q, k, v, s, scale, queryOffset, window, causal);
    if (fast) return fast;
  }

  const qd = q.data;
  const kd = k.data;
  const vd = v.data;
  const bd = bias?.data;
  const out = new Float32Array(b * h * t * dv);
  // Float32Array storage rounds each score step to float32, as PyTorch does.
  const scores = new Float32Array(s);
  const probs = new Float64Array(s);
  const acc = new Float64Array(dv);

  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const kvBase = (bi * kvHeads + Math.floor(hi / groups)) * capacity;
      for (let i = 0; i < t; i++) {
        const qo = ((bi * h + hi) * t + i) * d;
        const qPos = queryOffset + i;
        // Causal and window masks leave one contiguous range of candidate keys.
        const jStart = window !== undefined ? Math.min(s, Math.max(0, qPos - window + 1)) : 0;
        const jEnd = causal ? Math.max(jStart, Math.min(s, qPos + 1)) : s;
        // A masked score + finfo.min rounds to finfo.min for any score below ~1e31,
        // so masked dot products need not be computed.
        scores.fill(FLOAT32_MIN);
        dotProducts(qd, qo, kd, kvBase * d, d, jStart, jEnd, preScaled ? 1 : scale, scores);
        let max = FLOAT32_MIN;
        const biasRow = biasStrides ? bi * biasStrides[0]! + hi * biasStrides[1]! + i * biasStrides[2]! : 0;
        const biasStep = biasStrides ? biasStrides[3]! : 0;
        for (let j = jStart; j < jEnd; j++) {
          if ((pad && pad.data[bi * s + j] === 0) || (seg && seg.key.data[bi * s + j] !== seg.query.data[bi * t + i])) {
            scores[j] = FLOAT32_MIN;
            continue;
          }
          if (preScaled) scores[j] = Math.fround(scores[j]! + bd![biasRow + j * biasStep]!) * scaleF32;
          if (cap !== undefined) scores[j] = cap * Math.tanh(scores[j]! / cap);
          if (bd && !preScaled) scores[j] = scores[j]! + bd[biasRow + j * biasStep]!;
          if (scores[j]! > max) max = scores[j]!;
        }
        // A row with every key masked has all scores at finfo.min: HF's softmax
        // then weighs all S keys equally, so the value range widens to all of them.
        const allMasked = max === FLOAT32_MIN;
        const from = allMasked ? 0 : jStart;
        const to = allMasked ? s : jEnd;
        let sum = 0;
        for (let j = from; j < to; j++) {
          const p = Math.exp(scores[j]! - max);
          probs[j] = p;
          sum += p;
        }
        weightedValues(vd, kvBase * dv, dv, from, to, probs, acc);
        const oo = ((bi * h + hi) * t + i) * dv;
        // With no keys at all (S = 0), p·v is an empty sum: zeros, as torch's matmul.
        if (sum > 0) for (let c = 0; c < dv; c++) out[oo + c] = acc[c]! / sum;
      }
    }
  }
  return new Tensor(out, [b, h, t, dv]);
}

/** scores[j] = (q·k_j)·scale for j in [from, to); four keys per pass share each q load. */
function dotProducts(
  qd: Float32Array, qo: number, kd: Float32Array, kBase: number, d: number,
  from: number, to: number, scale: number, scores: Float32Array,
): void {
  let j = from;
  for (; j + 4 <= to; j += 4) {
    const k0 = kBase + j * d;
    const k1 = k0 + d;
    const k2 = k1 + d;
    const k3 = k2 + d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let c = 0; c < d; c++) {
      const qv = qd[qo + c]!;
      s0 += qv * kd[k0 + c]!;
      s1 += qv * kd[k1 + c]!;
      s2 += qv * kd[k2 + c]!;
      s3 += qv * kd[k3 + c]!;
    }
    scores[j] = s0 * scale;
    scores[j + 1] = s1 * scale;
    scores[j + 2] = s2 * scale;
    scores[j + 3] = s3 * scale;
  }
  for (; j < to; j++) {
    const k0 = kBase + j * d;
    let s0 = 0;
    for (let c = 0; c < d; c++) s0 += qd[qo + c]! * kd[k0 + c]!;
    scores[j] = s0 * scale;
  }
}

/** acc = Σ_{j in [from, to)} probs[j]·v_j. */
function weightedValues(
  vd: Float32Array, vBase: number, dv: number, from: number, to: number,
  probs: Float64Array, acc: Float64Array,
): void {
  acc.fill(0);
  addWeightedRows(acc, probs, 0, vd, vBase, from, to, dv);
}
