/**
 * The selective state-space scan of Mamba (S6), one channel i and state entry n at a time:
 *   h_t[i, n] = exp(Δ_t[i]·A[i, n])·h_{t-1}[i, n] + Δ_t[i]·B_t[n]·x_t[i]
 *   y_t[i]    = Σ_n C_t[n]·h_t[i, n]  (+ D[i]·x_t[i])
 * Activations are channels-last ([B, T, I]); the state [B, I, N] is explicit so that a prompt
 * followed by single tokens reproduces the whole-sequence result exactly. Each product and sum
 * is rounded to float32 in the order of transformers' sequential (slow-path) scan.
 */
import { RuntimeShapeError } from "../errors.js";
import { expectRank, shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";

const f = Math.fround;

/** x, delta [B, T, I]; A [I, N]; B, C [B, T, N]; D [I] (optional skip); state [B, I, N]. */
export function selectiveScan(x: Tensor, delta: Tensor, a: Tensor, b: Tensor, c: Tensor, d?: Tensor, state?: Tensor): { out: Tensor; state: Tensor } {
  expectRank("selectiveScan", x.shape, 3, "x [B, T, I]");
  const [batch, t, inner] = x.shape as [number, number, number];
  if (delta.shape.join() !== x.shape.join()) throw new RuntimeShapeError("selectiveScan", `delta ${shapeToString(x.shape)} like x`, shapeToString(delta.shape));
  if (a.shape.length !== 2 || a.shape[0] !== inner) throw new RuntimeShapeError("selectiveScan", `A [${inner}, N]`, shapeToString(a.shape));
  const n = a.shape[1]!;
  for (const [name, m] of [["B", b], ["C", c]] as const) {
    if (m.shape.join() !== [batch, t, n].join()) throw new RuntimeShapeError("selectiveScan", `${name} [${batch}, ${t}, ${n}]`, shapeToString(m.shape));
  }
  if (d && d.size !== inner) throw new RuntimeShapeError("selectiveScan", `D with ${inner} elements`, shapeToString(d.shape));
  const h = new Float32Array(batch * inner * n);
  if (state) {
    if (state.shape.join() !== [batch, inner, n].join()) throw new RuntimeShapeError("selectiveScan", `state [${batch}, ${inner}, ${n}]`, shapeToString(state.shape));
    h.set(state.data);
  }
  const xd = x.data;
  const dd = delta.data;
  const ad = a.data;
  const bd = b.data;
  const cd = c.data;
  const out = new Float32Array(batch * t * inner);
  for (let bi = 0; bi < batch; bi++) {
    for (let ti = 0; ti < t; ti++) {
      const row = (bi * t + ti) * inner;
      const bc = (bi * t + ti) * n;
      for (let i = 0; i < inner; i++) {
        const dt = dd[row + i]!;
        const xv = xd[row + i]!;
        const ho = (bi * inner + i) * n;
        let y = 0;
        for (let k = 0; k < n; k++) {
          const decay = f(Math.exp(f(ad[i * n + k]! * dt)));
          const input = f(f(dt * bd[bc + k]!) * xv);
          const hv = f(f(decay * h[ho + k]!) + input);
          h[ho + k] = hv;
          y += hv * cd[bc + k]!;
        }
        out[row + i] = d ? f(f(y) + f(xv * d.data[i]!)) : f(y);
      }
    }
  }
  return { out: new Tensor(out, [batch, t, inner]), state: new Tensor(h, [batch, inner, n]) };
}
