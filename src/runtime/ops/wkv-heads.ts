/**
 * Multi-head linear attention with a matrix-valued state per head (RWKV-5/6 "WKV"):
 *   y_t = r_t · (S + diag(u)·k_tᵀ v_t),   S ← diag(w_t)·S + k_tᵀ v_t
 * with S [D, D] per head (rows indexed by k's channel), w_t ∈ (0, 1) the per-channel decay of
 * this token and u the bonus of the current token. The state is explicit so that a prompt
 * followed by single tokens reproduces the whole-sequence result exactly.
 */
import { RuntimeShapeError } from "../errors.js";
import { expectRank, shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";
import { broadcastStrides } from "../broadcast.js";

const f = Math.fround;

/** r, k, v [B, T, H·D]; decay broadcastable to [B, T, H·D]; bonus with H·D elements; state [B, H, D, D]. */
export function wkvHeads(r: Tensor, k: Tensor, v: Tensor, decay: Tensor, bonus: Tensor, heads: number, state?: Tensor): { out: Tensor; state: Tensor } {
  expectRank("wkvHeads", r.shape, 3, "r [B, T, C]");
  const [b, t, c] = r.shape as [number, number, number];
  for (const [name, x] of [["k", k], ["v", v]] as const) {
    if (x.shape.length !== 3 || x.shape[0] !== b || x.shape[1] !== t || x.shape[2] !== c) throw new RuntimeShapeError("wkvHeads", `${name} ${shapeToString(r.shape)} like r`, shapeToString(x.shape));
  }
  if (!Number.isInteger(heads) || heads <= 0 || c % heads !== 0) throw new RuntimeShapeError("wkvHeads", `channels divisible by ${heads} heads`, String(c));
  if (bonus.size !== c) throw new RuntimeShapeError("wkvHeads", `bonus with ${c} elements`, shapeToString(bonus.shape));
  if (decay.shape.length > 3) throw new RuntimeShapeError("wkvHeads", `decay broadcastable to [${b}, ${t}, ${c}]`, shapeToString(decay.shape));
  const ws = broadcastStrides(decay.shape, [b, t, c]);
  const dh = c / heads;
  const s = new Float32Array(b * heads * dh * dh);
  if (state) {
    if (state.shape.join() !== [b, heads, dh, dh].join()) throw new RuntimeShapeError("wkvHeads", `state [${b}, ${heads}, ${dh}, ${dh}]`, shapeToString(state.shape));
    s.set(state.data);
  }
  const out = new Float32Array(b * t * c);
  for (let bi = 0; bi < b; bi++) {
    for (let ti = 0; ti < t; ti++) {
      const row = (bi * t + ti) * c;
      for (let h = 0; h < heads; h++) {
        const base = ((bi * heads + h) * dh) * dh;
        for (let j = 0; j < dh; j++) {
          // y[j] = Σ_i r[i] (S[i][j] + u[i] k[i] v[j])
          let acc = 0;
          const vj = v.data[row + h * dh + j]!;
          for (let i = 0; i < dh; i++) {
            const ch = h * dh + i;
            acc += r.data[row + ch]! * (s[base + i * dh + j]! + f(bonus.data[ch]! * f(k.data[row + ch]! * vj)));
          }
          out[row + h * dh + j] = acc;
        }
        for (let i = 0; i < dh; i++) {
          const ch = h * dh + i;
          const w = decay.data[bi * ws[0]! + ti * ws[1]! + ch * ws[2]!]!;
          const ki = k.data[row + ch]!;
          for (let j = 0; j < dh; j++) {
            const idx = base + i * dh + j;
            s[idx] = f(f(s[idx]! * w) + f(ki * v.data[row + h * dh + j]!));
          }
        }
      }
    }
  }
  return { out: new Tensor(out, [b, t, c]), state: new Tensor(s, [b, heads, dh, dh]) };
}
