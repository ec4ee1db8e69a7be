// The ops Mamba and DBRX brought in, against values worked out by hand: softplus and the other
// elementwise functions, the selective scan (and its state across calls), the depthwise causal
// Conv1d (and its decode state), p-norm gate normalisation, dense top-k gates, sum, unsqueeze.
import { describe, expect, it } from "vitest";
import { ForwardContext, lang, ops, randomTensor, Tensor } from "../../src/runtime/index.js";
import type { Conv1dM } from "../../src/runtime/nn/primitives.js";
import { expectClose } from "./close.js";

describe("elementwise functions", () => {
  it("softplus = log(1 + e^x), and x itself above PyTorch's threshold 20", () => {
    const y = ops.softplus(Tensor.from([0, 1, -2, 25, -30]));
    // ln 2; ln(1 + e); ln(1 + e^-2); 25; e^-30 to first order.
    expectClose(y.data, [0.6931472, 1.3132617, 0.1269280, 25, 9.357623e-14], 1e-7, 1e-6);
    expect(ops.activation("softplus", Tensor.from([1])).data[0]).toBeCloseTo(1.3132617, 6);
  });

  it("log, abs, rsqrt", () => {
    expectClose(ops.log(Tensor.from([1, Math.E, 0.5])).data, [0, 1, -0.6931472], 1e-6);
    expectClose(ops.abs(Tensor.from([-2, 0, 3])).data, [2, 0, 3]);
    expectClose(ops.rsqrt(Tensor.from([4, 0.25])).data, [0.5, 2]);
  });

  it("the hidden_act names of transformers' ACT2FN the zoo did not have", () => {
    const at = (name: string, xs: number[]) => Array.from(ops.activation(name, Tensor.from(xs)).data);
    // x·σ(1.702x) at ±1: σ(1.702) = 0.8457958.
    expectClose(at("quick_gelu", [1, -1]), [0.8457958, -0.1542042], 1e-6);
    // min(max(x, 0), 6)
    expectClose(at("relu6", [-1, 3, 7]), [0, 3, 6]);
    // x·tanh(softplus(x)) at ±1: tanh(1.3132617) = 0.8650984, −tanh(0.3132617) = −0.3034015.
    expectClose(at("mish", [1, -1]), [0.8650984, -0.3034015], 1e-6);
    expectClose(at("leaky_relu", [-2, 2]), [-0.02, 2], 1e-7);
    // 0.5·x·(1 + tanh(0.7978845608·x·(1 + 0.044715·x²))) at 1.
    expectClose(at("gelu_fast", [1]), [0.8411920], 1e-6);
    expectClose(at("linear", [-3, 4]), [-3, 4]);
  });
});

describe("selective_scan", () => {
  // One channel, two state entries: A = [−1, −2], D = 0.5; x = [1, 2], Δ = [0.5, 1],
  // B_0 = [1, 0], B_1 = [0, 1], C_0 = [1, 1], C_1 = [2, 1].
  // t0: h = Δ·B·x = [0.5, 0]; y = C·h + D·x = 0.5 + 0.5 = 1.
  // t1: h = [e^-1·0.5 + 0, e^-2·0 + 1·1·2] = [0.5/e, 2]; y = 2·0.5/e + 2 + 0.5·2 = 1/e + 3.
  const x = Tensor.from([1, 2], [1, 2, 1]);
  const dt = Tensor.from([0.5, 1], [1, 2, 1]);
  const A = Tensor.from([[-1, -2]]);
  const B = Tensor.from([1, 0, 0, 1], [1, 2, 2]);
  const C = Tensor.from([1, 1, 2, 1], [1, 2, 2]);
  const D = Tensor.from([0.5]);

  it("a hand-worked two-step case, with and without the D skip", () => {
    const { out, state } = ops.selectiveScan(x, dt, A, B, C, D);
    expectClose(out.data, [1, 1 / Math.E + 3], 1e-6);
    expect(state.shape).toEqual([1, 1, 2]);
    expectClose(state.data, [0.5 / Math.E, 2], 1e-6);
    expectClose(ops.selectiveScan(x, dt, A, B, C).out.data, [0.5, 1 / Math.E + 2], 1e-6);
  });

  it("resuming from the state of the first tokens gives exactly the whole-sequence result", () => {
    const [b, t, i, n] = [2, 7, 3, 4];
    const xs = randomTensor([b, t, i], 1);
    const delta = ops.softplus(randomTensor([b, t, i], 2));
    const a = ops.neg(ops.exp(randomTensor([i, n], 3)));
    const bs = randomTensor([b, t, n], 4);
    const cs = randomTensor([b, t, n], 5);
    const d = randomTensor([i], 6);
    const whole = ops.selectiveScan(xs, delta, a, bs, cs, d).out;
    const ctx = new ForwardContext(true);
    const steps: Tensor[] = [];
    for (const [from, to] of [[0, 3], [3, 4], [4, 5], [5, 6], [6, 7]] as const) {
      const cut = (m: Tensor) => ops.slice(m, 1, from, to);
      steps.push(lang.selective_scan(ctx, "site", cut(xs), cut(delta), a, cut(bs), cut(cs), d));
    }
    expect(Array.from(ops.concat(steps, 1).data)).toEqual(Array.from(whole.data));
  });
});

describe("causal_conv with a depthwise Conv1d", () => {
  // Channel 0 has kernel [1, 2, 3] (index 2 multiplies the current token) and bias 0.5;
  // channel 1 kernel [0, 0, 1] and no bias: the identity.
  const conv: Conv1dM = { kind: "Conv1d", kernel: 3, groups: 2, weight: Tensor.from([1, 2, 3, 0, 0, 1], [2, 1, 3]), bias: Tensor.from([0.5, 0]) };
  const x = Tensor.from([1, 5, 2, 6, 4, 7], [1, 3, 2]);

  it("output t sees inputs t-2..t, zero-padded on the left", () => {
    // ch0: 3·1 + 0.5; 2·1 + 3·2 + 0.5; 1·1 + 2·2 + 3·4 + 0.5.
    const y = lang.causal_conv(new ForwardContext(), "c", x, conv);
    expectClose(y.data, [3.5, 5, 8.5, 6, 17.5, 7]);
  });

  it("decoding one token at a time keeps the last K-1 inputs and matches the full pass", () => {
    const ctx = new ForwardContext(true);
    const steps = [0, 1, 2].map((t) => lang.causal_conv(ctx, "c", ops.slice(x, 1, t, t + 1), conv));
    expect(Array.from(ops.concat(steps, 1).data)).toEqual([3.5, 5, 8.5, 6, 17.5, 7]);
  });

  it("groups other than 1 or the channel count are refused", () => {
    const grouped: Conv1dM = { kind: "Conv1d", kernel: 1, groups: 2, weight: Tensor.from([1, 1, 1, 1], [2, 2, 1]) };
    expect(() => lang.causal_conv(new ForwardContext(), "c", Tensor.zeros([1, 1, 4]), grouped)).toThrow(/groups/);
  });
});

describe("top-k gates", () => {
  // Probabilities [1, 2, 3, 0]/6 and [4, 1, 1, 0]/6: top-2 are (1/2, 1/3) at experts 2, 1 and
  // (2/3, 1/6) at experts 0, 1.
  const logits = Tensor.from([[0, Math.log(2), Math.log(3), -Infinity], [Math.log(4), 0, 0, -Infinity]]);

  it("divided by their p-norm (DBRX's moe_normalize_expert_weights)", () => {
    const p1 = ops.moeRoute(logits, 2, { order: "softmax_topk", normalize: 1 }).weights.data;
    expectClose(p1, [0.6, 0.4, 0.8, 0.2], 1e-6);
    // p = 2: 0.5 / sqrt(0.25 + 1/9) = 0.8320503, (1/3) / … = 0.5547002.
    const p2 = ops.moeRoute(logits, 2, { order: "softmax_topk", normalize: 2 }).weights.data;
    expectClose(p2.subarray(0, 2), [0.8320503, 0.5547002], 1e-6);
    const raw = ops.moeRoute(logits, 2, { order: "softmax_topk", normalize: null }).weights.data;
    expectClose(raw, [0.5, 1 / 3, 2 / 3, 1 / 6], 1e-6);
  });

  it("dense: zeros outside each row's top k", () => {
    const g = lang.topk_gates(new ForwardContext(), logits, { top_k: 2, normalize: false });
    expectClose(g.data, [0, 1 / 3, 0.5, 0, 2 / 3, 1 / 6, 0, 0], 1e-6);
  });
});

describe("dense gates and the sparse moe agree", () => {
  it("Σ_e gate_e · expert_e(x) over every expert equals moe, which runs only the chosen ones", () => {
    const x = randomTensor([5, 3], 11);
    const logits = randomTensor([5, 4], 12);
    const scales = [0.5, -1, 2, 3];
    const expert = (e: number, rows: Tensor) => ops.scale(rows, scales[e]!);
    for (const normalize of [true, false, 2] as const) {
      const sparse = ops.moe(x, logits, 2, { order: "softmax_topk", normalize }, expert);
      const gates = lang.topk_gates(new ForwardContext(), logits, { top_k: 2, normalize });
      const dense = new Float32Array(15);
      for (let r = 0; r < 5; r++) for (let e = 0; e < 4; e++) for (let c = 0; c < 3; c++) dense[r * 3 + c] += gates.data[r * 4 + e]! * scales[e]! * x.data[r * 3 + c]!;
      expectClose(sparse.data, dense, 1e-5);
    }
  });
});

describe("sum and unsqueeze", () => {
  const x = Tensor.from([[[1, 2], [3, 4], [5, 6]]]);
  it("sum drops the summed axis", () => {
    const s1 = lang.sum(new ForwardContext(), x, 1);
    expect(s1.shape).toEqual([1, 2]);
    expectClose(s1.data, [9, 12]);
    const s2 = lang.sum(new ForwardContext(), x, -1);
    expect(s2.shape).toEqual([1, 3]);
    expectClose(s2.data, [3, 7, 11]);
  });
  it("unsqueeze inserts a size-1 axis, negative from the end of the result", () => {
    expect(lang.unsqueeze(new ForwardContext(), x, 0).shape).toEqual([1, 1, 3, 2]);
    expect(lang.unsqueeze(new ForwardContext(), x, -1).shape).toEqual([1, 3, 2, 1]);
  });
});
