// The LSTM language model (PyTorch's word_language_model) against independent truth: its printed
// module tree and parameter count, one LSTM unit worked by hand, and stepping with the (h, c)
// state computes exactly what one call over the whole sequence does.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { ops, Tensor } from "../../src/runtime/index.js";
import { expectTensorClose as expectClose, idsOf, preset, randomIds, tinySession } from "./zoo-helpers.js";

describe("LSTM language model", () => {
  it("prints as PyTorch's word_language_model RNNModel and counts its parameters", () => {
    const ref = preset("word-language-model");
    const m = modelFor(ref.arch, ref.preset);
    expect(printModuleTree(m.root)).toBe(
      [
        "RNNModel(",
        "  (drop): Dropout(p=0.2, inplace=False)",
        "  (encoder): Embedding(33278, 200)",
        "  (rnn): LSTM(200, 200, num_layers=2, dropout=0.2)",
        "  (decoder): Linear(in_features=200, out_features=33278, bias=True)",
        ")",
      ].join("\n"),
    );
    // V·E + Σ_layers (4H·in + 4H·H + 8H) + H·V + V
    const [V, E, H] = [33278, 200, 200];
    expect(computeStats(m).params).toBe(V * E + (4 * H * E + 4 * H * H + 8 * H) + (4 * H * H + 4 * H * H + 8 * H) + H * V + V);
  });

  it("one LSTM unit by hand", () => {
    // gates (i, f, g, o) = x·[1, 0, 2, 1] + h·[0, 1, 0, 0.5] + b_ih + b_hh with b = [0, 0.5, 0, 0] + [0.25, 0, 0, 0]
    const layer = {
      weightIh: Tensor.from([1, 0, 2, 1], [4, 1]),
      weightHh: Tensor.from([0, 1, 0, 0.5], [4, 1]),
      biasIh: Tensor.from([0, 0.5, 0, 0]),
      biasHh: Tensor.from([0.25, 0, 0, 0]),
    };
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    let h = 0;
    let c = 0;
    const expected: number[] = [];
    for (const x of [1, -0.5, 2]) {
      const i = sig(x + 0.25);
      const f = sig(h + 0.5);
      const g = Math.tanh(2 * x);
      const o = sig(x + 0.5 * h);
      c = f * c + i * g;
      h = o * Math.tanh(c);
      expected.push(h);
    }
    const { out, state } = ops.lstm(Tensor.from([1, -0.5, 2], [1, 3, 1]), [layer]);
    Array.from(out.data).forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 6));
    expect(state.c[0]!.data[0]).toBeCloseTo(c, 6);
  });

  it("step by step with the (h, c) state equals the whole sequence", async () => {
    const s = await tinySession("LstmLM");
    const ids = randomIds(2, 7, Number(s.cfg.vocab), 31);
    const full = s.forward({ input_ids: idsOf(ids) });
    const ctx = s.newContext(true);
    const parts = [s.forward({ input_ids: idsOf(ids, 0, 2) }, ctx)];
    for (let t = 2; t < 7; t++) parts.push(s.forward({ input_ids: idsOf(ids, t, t + 1) }, ctx));
    // The recurrence itself is computed token by token: bit for bit the same.
    const hidden = ops.concat(parts.map((p) => p.emitted.get("hidden_states.0")!), 1);
    expect(Array.from(hidden.data)).toEqual(Array.from(full.emitted.get("hidden_states.0")!.data));
    expectClose(ops.concat(parts.map((p) => p.output), 1), full.output, 1e-5);
    // Log-probabilities: every row sums to 1.
    const v = Number(s.cfg.vocab);
    for (let r = 0; r < full.output.data.length / v; r++) {
      let sum = 0;
      for (let j = 0; j < v; j++) sum += Math.exp(full.output.data[r * v + j]!);
      expect(sum).toBeCloseTo(1, 5);
    }
  });
});
