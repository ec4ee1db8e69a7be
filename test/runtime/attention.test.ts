import { describe, expect, it } from "vitest";
import { IntTensor, ops, randomTensor, RuntimeArgumentError, RuntimeShapeError, Tensor } from "../../src/runtime/index.js";
import type { AttentionOptions } from "../../src/runtime/index.js";
import { expectClose } from "./close.js";

/**
 * Reference written from the definition: masked keys are dropped from the
 * softmax instead of receiving finfo.min; a query with no visible key averages
 * all values uniformly (what adding finfo.min to every score gives).
 */
function naive(q: Tensor, k: Tensor, v: Tensor, o: AttentionOptions = {}): number[] {
  const [B, H, T, D] = q.shape as [number, number, number, number];
  const [, KV, S] = k.shape as [number, number, number, number];
  const Dv = v.shape[3]!;
  const scale = o.scale ?? 1 / Math.sqrt(D);
  const offset = o.queryOffset ?? S - T;
  const out: number[] = [];
  const at4 = (t: Tensor, i: number[]) => {
    // Broadcast read: size-1 dims index 0; missing leading dims are implicit.
    const s = t.shape;
    const idx = i.slice(i.length - s.length).map((x, d) => (s[d] === 1 ? 0 : x));
    let flat = 0;
    for (let d = 0; d < s.length; d++) flat = flat * s[d]! + idx[d]!;
    return t.data[flat]!;
  };
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
    const kvh = Math.floor(h / (H / KV));
    const pos = offset + i;
    const visible: number[] = [];
    const scores: number[] = [];
    for (let j = 0; j < S; j++) {
      if ((o.causal || o.window !== undefined) && j > pos) continue;
      if (o.window !== undefined && j <= pos - o.window) continue;
      if (o.keyPadding && o.keyPadding.data[b * S + j] === 0) continue;
      let s = 0;
      for (let c = 0; c < D; c++) s += q.data[((b * H + h) * T + i) * D + c]! * k.data[((b * KV + kvh) * S + j) * D + c]!;
      s *= scale;
      if (o.softcap !== undefined) s = o.softcap * Math.tanh(s / o.softcap);
      if (o.bias) s += at4(o.bias, [b, h, i, j]);
      visible.push(j);
      scores.push(s);
    }
    if (visible.length === 0) for (let j = 0; j < S; j++) { visible.push(j); scores.push(0); }
    const m = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - m));
    const z = e.reduce((p, q2) => p + q2, 0);
    for (let c = 0; c < Dv; c++) {
      let acc = 0;
      visible.forEach((j, n) => (acc += (e[n]! / z) * v.data[((b * KV + kvh) * S + j) * Dv + c]!));
      out.push(acc);
    }
  }
  return out;
}

function qkv(B: number, H: number, KV: number, T: number, S: number, D: number, Dv = D, seed = 1) {
  return {
    q: randomTensor([B, H, T, D], seed, 1),
    k: randomTensor([B, KV, S, D], seed + 1, 1),
    v: randomTensor([B, KV, S, Dv], seed + 2, 1),
  };
}

describe("attention", () => {
  it("a hand-worked single query", () => {
    // scores [1, 0] → p = [e, 1] / (e + 1); out = p0·[1, 2] + p1·[3, 4].
    const q = Tensor.from([1, 0], [1, 1, 1, 2]);
    const k = Tensor.from([1, 0, 0, 1], [1, 1, 2, 2]);
    const v = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]);
    const p0 = Math.E / (Math.E + 1);
    const p1 = 1 / (Math.E + 1);
    expectClose(ops.attention(q, k, v, { scale: 1 }).data, [p0 + 3 * p1, 2 * p0 + 4 * p1], 1e-6);
  });

  it("bidirectional multi-head", () => {
    const { q, k, v } = qkv(2, 2, 2, 3, 3, 4);
    const y = ops.attention(q, k, v);
    expect(y.shape).toEqual([2, 2, 3, 4]);
    expectClose(y.data, naive(q, k, v), 1e-5);
  });

  it("causal, full sequence and decode step (queries are the last T positions)", () => {
    const full = qkv(1, 2, 2, 5, 5, 4, 4, 10);
    expectClose(ops.attention(full.q, full.k, full.v, { causal: true }).data, naive(full.q, full.k, full.v, { causal: true }), 1e-5);
    const step = qkv(1, 2, 2, 2, 5, 4, 4, 20);
    expectClose(ops.attention(step.q, step.k, step.v, { causal: true }).data, naive(step.q, step.k, step.v, { causal: true }), 1e-5);
    // An explicit offset: queries at positions 1 and 2 of 5 keys.
    expectClose(
      ops.attention(step.q, step.k, step.v, { causal: true, queryOffset: 1 }).data,
      naive(step.q, step.k, step.v, { causal: true, queryOffset: 1 }), 1e-5,
    );
  });

  it("first query of a causal row sees only key 0", () => {
    const { q, k, v } = qkv(1, 1, 1, 3, 3, 2, 2, 30);
    const y = ops.attention(q, k, v, { causal: true });
    expectClose(y.data.subarray(0, 2), v.data.subarray(0, 2), 1e-7);
  });

  it("sliding window: i − window < j <= i", () => {
    const { q, k, v } = qkv(2, 2, 1, 6, 6, 4, 4, 40);
    expectClose(ops.attention(q, k, v, { window: 2 }).data, naive(q, k, v, { window: 2 }), 1e-5);
    // Window 1: every query sees only itself, so the output is its own value row.
    const y = ops.attention(q, k, v, { window: 1 });
    for (let i = 0; i < 6; i++) expectClose(y.data.subarray(i * 4, i * 4 + 4), v.data.subarray(i * 4, i * 4 + 4), 1e-6);
    expect(() => ops.attention(q, k, v, { window: 0 })).toThrow(RuntimeArgumentError);
  });

  it("key padding (1 = real, 0 = padding)", () => {
    const { q, k, v } = qkv(2, 2, 2, 4, 4, 3, 3, 50);
    const keyPadding = IntTensor.from([[1, 1, 1, 1], [1, 1, 0, 0]]);
    expectClose(ops.attention(q, k, v, { keyPadding }).data, naive(q, k, v, { keyPadding }), 1e-5);
    expectClose(ops.attention(q, k, v, { keyPadding, causal: true }).data, naive(q, k, v, { keyPadding, causal: true }), 1e-5);
  });

  it("a fully masked row averages all values, as HF's finfo.min mask does", () => {
    const { q, k, v } = qkv(1, 1, 1, 2, 3, 2, 2, 60);
    const y = ops.attention(q, k, v, { keyPadding: IntTensor.from([[0, 0, 0]]) });
    const mean = [0, 1].map((c) => (v.data[c]! + v.data[2 + c]! + v.data[4 + c]!) / 3);
    expectClose(y.data, [...mean, ...mean], 1e-6);
  });

  it("GQA reads kv head floor(h / groups) without copying", () => {
    const { q, k, v } = qkv(2, 4, 2, 3, 5, 4, 4, 70);
    const y = ops.attention(q, k, v, { causal: true });
    expectClose(y.data, naive(q, k, v, { causal: true }), 1e-5);
    const viaCopy = ops.attention(q, ops.repeatKv(k, 2), ops.repeatKv(v, 2), { causal: true });
    expectClose(y.data, viaCopy.data, 0);
    // MQA.
    const m = qkv(1, 4, 1, 3, 3, 2, 2, 80);
    expectClose(ops.attention(m.q, m.k, m.v).data, naive(m.q, m.k, m.v), 1e-5);
  });

  it("custom scale and soft-capping", () => {
    const { q, k, v } = qkv(1, 2, 2, 3, 3, 4, 4, 90);
    const o = { scale: 3, softcap: 2, causal: true };
    expectClose(ops.attention(q, k, v, o).data, naive(q, k, v, o), 1e-5);
  });

  it("an additive bias broadcast to [B, H, T, S] (ALiBi-style)", () => {
    const { q, k, v } = qkv(2, 2, 2, 4, 4, 4, 4, 100);
    const bias = ops.alibiBias(2, 4);
    expectClose(ops.attention(q, k, v, { bias, causal: true }).data, naive(q, k, v, { bias, causal: true }), 1e-5);
    const full = randomTensor([2, 1, 4, 4], 5);
    expectClose(ops.attention(q, k, v, { bias: full }).data, naive(q, k, v, { bias: full }), 1e-5);
    expect(() => ops.attention(q, k, v, { bias: Tensor.zeros([3, 4]) })).toThrow(RuntimeShapeError);
  });

  it("value width may differ from the key width", () => {
    const { q, k, v } = qkv(1, 2, 2, 3, 3, 4, 6, 110);
    const y = ops.attention(q, k, v);
    expect(y.shape).toEqual([1, 2, 3, 6]);
    expectClose(y.data, naive(q, k, v), 1e-5);
  });

  it("rejects inconsistent shapes", () => {
    const { q, k, v } = qkv(1, 3, 2, 2, 2, 4);
    expect(() => ops.attention(q, k, v)).toThrow(/kv head count dividing 3/);
    const ok = qkv(1, 2, 2, 2, 2, 4);
    expect(() => ops.attention(ok.q, randomTensor([1, 2, 2, 3], 1), ok.v)).toThrow(RuntimeShapeError);
    expect(() => ops.attention(ok.q, ok.k, ok.v, { keyPadding: IntTensor.from([[1, 1, 1]]) })).toThrow(/keyPadding \[1, 2\]/);
  });
});
