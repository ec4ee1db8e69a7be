/**
 * The LSTM recurrence of torch.nn.LSTM (gates i, f, g, o in that row order of the weights):
 *   gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
 *   c' = σ(f)·c + σ(i)·tanh(g),  h' = σ(o)·tanh(c')
 * stacked over layers (layer k reads layer k−1's h). Every token is computed by the same
 * per-row code whatever the sequence length, so feeding tokens one at a time with the
 * returned state reproduces the whole-sequence result bit for bit.
 */
import { RuntimeShapeError } from "../errors.js";
import { expectRank, sameShape, shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";

export interface LstmLayer {
  /** [4H, in] */
  weightIh: Tensor;
  /** [4H, H] */
  weightHh: Tensor;
  biasIh?: Tensor;
  biasHh?: Tensor;
}

/** Per layer: h and c, each [B, H]. */
export interface LstmState {
  h: Tensor[];
  c: Tensor[];
}

const f = Math.fround;
const sigmoid = (v: number) => f(1 / (1 + Math.exp(-v)));

/** x [B, T, in] → out [B, T, H] (the last layer's h at every step) and the final state. */
export function lstm(x: Tensor, layers: LstmLayer[], state?: LstmState): { out: Tensor; state: LstmState } {
  expectRank("lstm", x.shape, 3, "x [B, T, in]");
  const [b, t, inDim] = x.shape as [number, number, number];
  if (layers.length === 0) throw new RuntimeShapeError("lstm", "at least one layer", "0");
  const hidden = layers[0]!.weightHh.shape[1]!;
  layers.forEach((l, k) => {
    const inK = k === 0 ? inDim : hidden;
    if (!sameShape(l.weightIh.shape, [4 * hidden, inK])) throw new RuntimeShapeError("lstm", `layer ${k} weight_ih [${4 * hidden}, ${inK}]`, shapeToString(l.weightIh.shape));
    if (!sameShape(l.weightHh.shape, [4 * hidden, hidden])) throw new RuntimeShapeError("lstm", `layer ${k} weight_hh [${4 * hidden}, ${hidden}]`, shapeToString(l.weightHh.shape));
  });
  if (state) {
    if (state.h.length !== layers.length || state.c.length !== layers.length) throw new RuntimeShapeError("lstm", `state for ${layers.length} layers`, String(state.h.length));
    for (const s of [...state.h, ...state.c]) if (!sameShape(s.shape, [b, hidden])) throw new RuntimeShapeError("lstm", `state [${b}, ${hidden}]`, shapeToString(s.shape));
  }
  const h = layers.map((_, k) => (state ? Float32Array.from(state.h[k]!.data) : new Float32Array(b * hidden)));
  const c = layers.map((_, k) => (state ? Float32Array.from(state.c[k]!.data) : new Float32Array(b * hidden)));
  const out = new Float32Array(b * t * hidden);
  const gates = new Float32Array(4 * hidden);
  const input = new Float32Array(Math.max(inDim, hidden));
  for (let bi = 0; bi < b; bi++) {
    for (let ti = 0; ti < t; ti++) {
      let inLen = inDim;
      input.set(x.data.subarray((bi * t + ti) * inDim, (bi * t + ti + 1) * inDim));
      layers.forEach((l, k) => {
        const hk = h[k]!;
        const ck = c[k]!;
        const hOff = bi * hidden;
        const wi = l.weightIh.data;
        const wh = l.weightHh.data;
        for (let g = 0; g < 4 * hidden; g++) {
          let a = 0;
          for (let j = 0; j < inLen; j++) a += input[j]! * wi[g * inLen + j]!;
          let r = 0;
          for (let j = 0; j < hidden; j++) r += hk[hOff + j]! * wh[g * hidden + j]!;
          gates[g] = f(f(f(a) + (l.biasIh ? l.biasIh.data[g]! : 0)) + f(f(r) + (l.biasHh ? l.biasHh.data[g]! : 0)));
        }
        for (let j = 0; j < hidden; j++) {
          const ig = sigmoid(gates[j]!);
          const fg = sigmoid(gates[hidden + j]!);
          const gg = f(Math.tanh(gates[2 * hidden + j]!));
          const og = sigmoid(gates[3 * hidden + j]!);
          const cNew = f(f(fg * ck[hOff + j]!) + f(ig * gg));
          ck[hOff + j] = cNew;
          hk[hOff + j] = f(og * f(Math.tanh(cNew)));
        }
        input.set(hk.subarray(hOff, hOff + hidden));
        inLen = hidden;
      });
      out.set(input.subarray(0, hidden), (bi * t + ti) * hidden);
    }
  }
  return {
    out: new Tensor(out, [b, t, hidden]),
    state: { h: h.map((d) => new Tensor(d, [b, hidden])), c: c.map((d) => new Tensor(d, [b, hidden])) },
  };
}
