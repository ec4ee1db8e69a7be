// Runtime of the recurrent ops (src/compiler/ops/recurrent.ts). Without a cache every
// call starts from the zero state; with one, each call site resumes from the state its
// previous call left in the forward context.
import * as ops from "../ops/index.js";
import type { Wkv4State } from "../ops/recurrence.js";
import type { LstmState } from "../ops/lstm.js";
import type { LSTMM } from "../nn/primitives.js";
import { Tensor } from "../tensor.js";
import type { ForwardContext } from "../model/context.js";

function lastToken(x: Tensor): Tensor {
  const [b, t, c] = x.shape as [number, number, number];
  const out = new Float32Array(b * c);
  for (let i = 0; i < b; i++) out.set(x.data.subarray((i * t + t - 1) * c, (i * t + t) * c), i * c);
  return new Tensor(out, [b, c]);
}

export function token_shift(c: ForwardContext, site: string, x: Tensor): Tensor {
  const prev = c.useCache ? (c.state.get(site) as Tensor | undefined) : undefined;
  const out = ops.tokenShift(x, prev);
  if (c.useCache && x.shape[1]! > 0) c.state.set(site, lastToken(x));
  return out;
}

export function wkv4(c: ForwardContext, site: string, k: Tensor, v: Tensor, decay: Tensor, first: Tensor): Tensor {
  const past = c.useCache ? (c.state.get(site) as Wkv4State | undefined) : undefined;
  const channels = k.shape[2]!;
  const { out, state } = ops.wkv4(k, v, ops.reshape(decay, [channels]), ops.reshape(first, [channels]), past);
  if (c.useCache) c.state.set(site, state);
  return out;
}

/** An LSTM module applied to [B, T, in]: its (h, c) state is kept per module path when decoding. */
export function lstmApply(c: ForwardContext, m: LSTMM, x: Tensor): Tensor {
  const key = `${m.path}#lstm`;
  const past = c.useCache ? (c.state.get(key) as LstmState | undefined) : undefined;
  const { out, state } = ops.lstm(x, m.layers, past);
  if (c.useCache) c.state.set(key, state);
  return out;
}

/** Segment-level memory: the last `length` tokens this site saw in earlier calls, then x. */
export function memory(c: ForwardContext, site: string, x: Tensor, length: number, a: { zeros?: boolean } = {}): Tensor {
  const [b, , d] = x.shape as [number, number, number];
  const stored = c.useCache ? (c.state.get(site) as Tensor | undefined) : undefined;
  const past = stored ?? (a.zeros && length > 0 ? Tensor.zeros([b, length, d]) : undefined);
  const all = past ? ops.concat([past, x], 1) : x;
  if (c.useCache) {
    const n = all.shape[1]!;
    c.state.set(site, ops.slice(all, 1, Math.max(0, n - length), n));
  }
  return all;
}

export function wkv_heads(c: ForwardContext, site: string, r: Tensor, k: Tensor, v: Tensor, decay: Tensor, bonus: Tensor, heads: number): Tensor {
  const past = c.useCache ? (c.state.get(site) as Tensor | undefined) : undefined;
  const { out, state } = ops.wkvHeads(r, k, v, decay, bonus, heads, past);
  if (c.useCache) c.state.set(site, state);
  return out;
}
