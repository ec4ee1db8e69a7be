/**
 * RWKV-4 recurrences: the WKV linear attention and token shift. State is
 * explicit so a prefill followed by single-token steps reproduces the
 * full-sequence result exactly.
 */
import { RuntimeShapeError } from "../errors.js";
import { expectRank, sameShape, shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";

const f = Math.fround;

/** HF RWKV-4 state: aa = numerator, bb = denominator, pp = running max exponent; each [B, C]. */
export interface Wkv4State {
  aa: Tensor;
  bb: Tensor;
  pp: Tensor;
}

function checkVector(name: string, t: Tensor, c: number): void {
  if (t.shape.length !== 1 || t.shape[0] !== c) throw new RuntimeShapeError("wkv4", `${name} [${c}]`, shapeToString(t.shape));
}

/**
 * HF `rwkv_linear_attention_cpu`: the exponentially decayed weighted average of
 * past values, kept as (aa, bb) scaled by e^(−pp) so nothing overflows.
 * `timeDecay` is the raw parameter (the decay applied is −exp(timeDecay)).
 * Every step is rounded to float32 as the reference computes it.
 */
export function wkv4(k: Tensor, v: Tensor, timeDecay: Tensor, timeFirst: Tensor, state?: Wkv4State): { out: Tensor; state: Wkv4State } {
  expectRank("wkv4", k.shape, 3, "k [B, T, C]");
  const [b, t, c] = k.shape as [number, number, number];
  if (!sameShape(v.shape, k.shape)) throw new RuntimeShapeError("wkv4", `v ${shapeToString(k.shape)} like k`, shapeToString(v.shape));
  checkVector("timeDecay", timeDecay, c);
  checkVector("timeFirst", timeFirst, c);
  const aa = new Float32Array(b * c);
  const bb = new Float32Array(b * c);
  const pp = new Float32Array(b * c);
  if (state) {
    for (const [name, s] of Object.entries(state) as [string, Tensor][]) {
      if (!sameShape(s.shape, [b, c])) throw new RuntimeShapeError("wkv4", `state.${name} [${b}, ${c}]`, shapeToString(s.shape));
    }
    aa.set(state.aa.data);
    bb.set(state.bb.data);
    pp.set(state.pp.data);
  } else {
    pp.fill(-1e38);
  }
  const w = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) w[ch] = -Math.exp(timeDecay.data[ch]!);
  const u = timeFirst.data;
  const kd = k.data;
  const vd = v.data;
  const out = new Float32Array(k.size);

  for (let bi = 0; bi < b; bi++) {
    for (let ti = 0; ti < t; ti++) {
      const o = (bi * t + ti) * c;
      for (let ch = 0; ch < c; ch++) {
        const s = bi * c + ch;
        const kk = kd[o + ch]!;
        const vv = vd[o + ch]!;
        const a = aa[s]!;
        const bs = bb[s]!;
        const p = pp[s]!;
        // Output: the current token weighted by e^(u + k) against the decayed past.
        const ww = f(u[ch]! + kk);
        const q = Math.max(p, ww);
        let e1 = f(Math.exp(f(p - q)));
        let e2 = f(Math.exp(f(ww - q)));
        out[o + ch] = f(f(f(e1 * a) + f(e2 * vv)) / f(f(e1 * bs) + e2));
        // State: decay the past by e^w, then add the current token with weight e^k.
        const decayed = f(p + w[ch]!);
        const q2 = Math.max(decayed, kk);
        e1 = f(Math.exp(f(decayed - q2)));
        e2 = f(Math.exp(f(kk - q2)));
        aa[s] = f(e1 * a) + f(e2 * vv);
        bb[s] = f(e1 * bs) + e2;
        pp[s] = q2;
      }
    }
  }
  return {
    out: new Tensor(out, [b, t, c]),
    state: { aa: new Tensor(aa, [b, c]), bb: new Tensor(bb, [b, c]), pp: new Tensor(pp, [b, c]) },
  };
}

/** out[:, t] = x[:, t−1]; at t = 0 the previous token's x (`prev` [B, C]) or zeros. */
export function tokenShift(x: Tensor, prev?: Tensor): Tensor {
  expectRank("tokenShift", x.shape, 3, "x [B, T, C]");
  const [b, t, c] = x.shape as [number, number, number];
  if (prev && !sameShape(prev.shape, [b, c])) {
    throw new RuntimeShapeError("tokenShift", `prev [${b}, ${c}]`, shapeToString(prev.shape));
  }
  const out = new Float32Array(x.size);
  if (t === 0) return new Tensor(out, [...x.shape]);
  for (let bi = 0; bi < b; bi++) {
    const row = bi * t * c;
    if (prev) out.set(prev.data.subarray(bi * c, bi * c + c), row);
    out.set(x.data.subarray(row, row + (t - 1) * c), row + c);
  }
  return new Tensor(out, [...x.shape]);
}
