// RWKV-6 (multi-head matrix state) against independent truth: wkv_heads worked by hand, resuming
// from a call site's state, stepping the tiny model equal to the whole sequence, and the shapes
// of rwkv-6-world-1b6.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { ForwardContext, lang, ops, randomTensor, Tensor } from "../../src/runtime/index.js";
import { expectTensorClose as expectClose, idsOf, preset, randomIds, tinySession } from "./zoo-helpers.js";

describe("RWKV-6 (multi-head matrix state)", () => {
  it("wkv_heads by hand: one head of size 2", () => {
    // S starts at 0; y_t[j] = Σ_i r[i]·(S[i][j] + u[i]·k[i]·v[j]); S ← diag(w)·S + kᵀv
    const r = [[1, 2], [0.5, -1]];
    const k = [[1, 0], [2, 1]];
    const v = [[3, 4], [1, -2]];
    const w = [0.5, 0.25];
    const u = [2, 1];
    const S = [[0, 0], [0, 0]];
    const expected: number[] = [];
    for (let t = 0; t < 2; t++) {
      for (let j = 0; j < 2; j++) expected.push(r[t]![0]! * (S[0]![j]! + u[0]! * k[t]![0]! * v[t]![j]!) + r[t]![1]! * (S[1]![j]! + u[1]! * k[t]![1]! * v[t]![j]!));
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) S[i]![j] = w[i]! * S[i]![j]! + k[t]![i]! * v[t]![j]!;
    }
    const T3 = (x: number[][]) => Tensor.from(x.flat(), [1, 2, 2]);
    const { out, state } = ops.wkvHeads(T3(r), T3(k), T3(v), Tensor.from(w, [2]), Tensor.from(u, [1, 2]), 1);
    expect(Array.from(out.data)).toEqual(expected);
    expect(Array.from(state.data)).toEqual(S.flat());
  });

  it("wkv_heads resumes from its call site's state: exactly the whole-sequence result", () => {
    const [B, T, C, H] = [2, 5, 8, 2];
    const r = randomTensor([B, T, C], 61);
    const k = randomTensor([B, T, C], 62);
    const v = randomTensor([B, T, C], 63);
    const w = ops.map(randomTensor([B, T, C], 64), (x) => 1 / (1 + Math.exp(-x)));
    const u = randomTensor([H, C / H], 65);
    const full = lang.wkv_heads(new ForwardContext(false), "a#0", r, k, v, w, u, H);
    const ctx = new ForwardContext(true);
    const parts = [[0, 3], [3, 4], [4, 5]].map(([a, b]) =>
      lang.wkv_heads(ctx, "a#0", ops.slice(r, 1, a!, b!), ops.slice(k, 1, a!, b!), ops.slice(v, 1, a!, b!), ops.slice(w, 1, a!, b!), u, H),
    );
    expect(Array.from(ops.concat(parts, 1).data)).toEqual(Array.from(full.data));
  });

  it("the tiny model: step by step with the recurrent state equals the whole sequence", async () => {
    const s = await tinySession("Rwkv6");
    const ids = randomIds(2, 6, Number(s.cfg.vocab), 71);
    const full = s.forward({ input_ids: idsOf(ids) });
    expect(full.output.shape).toEqual([2, 6, Number(s.cfg.vocab)]);
    expect([...full.emitted.keys()].filter((k) => k.startsWith("hidden_states.")).length).toBe(Number(s.cfg.n_layers) + 1);
    const ctx = s.newContext(true);
    const parts = [s.forward({ input_ids: idsOf(ids, 0, 2) }, ctx).output];
    for (let t = 2; t < 6; t++) parts.push(s.forward({ input_ids: idsOf(ids, t, t + 1) }, ctx).output);
    expectClose(ops.concat(parts, 1), full.output, 1e-5);
  });

  it("rwkv-6-world-1b6 shapes: 32 heads of 64, FFN int(3.5·d) rounded down to 32", () => {
    const ref = preset("rwkv-6-world-1b6");
    const m = modelFor(ref.arch, ref.preset);
    const att = m.root.children[0]!.children[1]!.children[0]!.children.find((c) => c.name === "attention")!;
    const w = Object.fromEntries(att.children.flatMap((c) => c.weights).map((x) => [x.name.split(".").pop(), x.shape]));
    expect(w.time_faaaa).toEqual([32, 64]);
    expect(w.time_maa_w1).toEqual([2048, 160]);
    expect(w.time_maa_w2).toEqual([5, 32, 2048]);
    expect(w.time_decay_w1).toEqual([2048, 64]);
    expect(printModuleTree(m.root)).toContain("(key): Linear(in_features=2048, out_features=7168, bias=False)");
  });
});
