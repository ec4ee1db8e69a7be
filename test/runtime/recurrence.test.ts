import { describe, expect, it } from "vitest";
import { ops, randomTensor, Tensor } from "../../src/runtime/index.js";
import { expectClose } from "./close.js";

/**
 * WKV from its definition, without the max-exponent stabilisation:
 * out_t = (Σ_{i<t} e^{(t−1−i)w + k_i} v_i + e^{u + k_t} v_t) / (Σ_{i<t} e^{(t−1−i)w + k_i} + e^{u + k_t}), w = −exp(decay).
 */
function naiveWkv(k: Tensor, v: Tensor, decay: Tensor, first: Tensor): number[] {
  const [B, T, C] = k.shape as [number, number, number];
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) {
    const w = -Math.exp(decay.data[c]!);
    const at = (i: number) => (b * T + i) * C + c;
    let num = Math.exp(first.data[c]! + k.data[at(t)]!) * v.data[at(t)]!;
    let den = Math.exp(first.data[c]! + k.data[at(t)]!);
    for (let i = 0; i < t; i++) {
      const e = Math.exp((t - 1 - i) * w + k.data[at(i)]!);
      num += e * v.data[at(i)]!;
      den += e;
    }
    out.push(num / den);
  }
  return out;
}

describe("wkv4", () => {
  it("a hand-worked two-step case", () => {
    // decay param 0 → w = −1; u = 0.5; k = [0, 1]; v = [2, 3].
    // t0: only the current token: 2. t1: (e^0·2 + e^1.5·3) / (e^0 + e^1.5).
    const { out } = ops.wkv4(Tensor.from([0, 1], [1, 2, 1]), Tensor.from([2, 3], [1, 2, 1]), Tensor.from([0]), Tensor.from([0.5]));
    const e = Math.exp(1.5);
    expectClose(out.data, [2, (2 + 3 * e) / (1 + e)], 1e-6);
  });

  it("matches the unstabilised definition", () => {
    const k = randomTensor([2, 6, 3], 1);
    const v = randomTensor([2, 6, 3], 2);
    const decay = randomTensor([3], 3, 0.5);
    const first = randomTensor([3], 4, 0.5);
    expectClose(ops.wkv4(k, v, decay, first).out.data, naiveWkv(k, v, decay, first), 1e-5, 1e-5);
  });

  it("stays finite where the naive form overflows", () => {
    const k = Tensor.from([100, 95, 90], [1, 3, 1]);
    const v = Tensor.from([1, 2, 3], [1, 3, 1]);
    const { out } = ops.wkv4(k, v, Tensor.from([0]), Tensor.from([0]));
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
  });

  it("step-by-step with carried state equals the full sequence", () => {
    const k = randomTensor([2, 5, 4], 5);
    const v = randomTensor([2, 5, 4], 6);
    const decay = randomTensor([4], 7);
    const first = randomTensor([4], 8);
    const full = ops.wkv4(k, v, decay, first);
    let state;
    const outs: number[] = [];
    const steps: Tensor[] = [];
    for (let t = 0; t < 5; t++) {
      const r = ops.wkv4(ops.slice(k, 1, t, t + 1), ops.slice(v, 1, t, t + 1), decay, first, state);
      state = r.state;
      steps.push(r.out);
    }
    outs.push(...ops.concat(steps, 1).data);
    expect(outs).toEqual(Array.from(full.out.data));
    expect(state!.aa.data).toEqual(full.state.aa.data);
    expect(state!.bb.data).toEqual(full.state.bb.data);
    expect(state!.pp.data).toEqual(full.state.pp.data);
  });
});

describe("tokenShift", () => {
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [1, 3, 2]);
  it("shifts by one token with zeros at t = 0", () => {
    expect(ops.tokenShift(x).toNested()).toEqual([[[0, 0], [1, 2], [3, 4]]]);
  });
  it("uses the previous token's state at t = 0", () => {
    expect(ops.tokenShift(x, Tensor.from([[9, 8]])).toNested()).toEqual([[[9, 8], [1, 2], [3, 4]]]);
  });
});
