// RWKV-4 (recurrent state instead of a KV cache) against independent truth: the published
// parameter count (derived by hand), the count transformers reported for the conformance
// checkpoint, and the defining property of the recurrent state: decoding token by token
// computes exactly what one call over the whole sequence does.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { ForwardContext, lang, ops, randomTensor, type Tensor } from "../../src/runtime/index.js";
import { conformanceCheckpoint, expectTensorClose as expectClose, idsOf, preset, randomIds, tinySession } from "./zoo-helpers.js";

describe("RWKV-4", () => {
  it("rwkv-4-169m-pile: 169,342,464 parameters", () => {
    // V·d (embeddings) + V·d (untied head) + 12 blocks × (5·d² + 2·d·4d + 11·d) + pre_ln 2d + ln_out 2d
    const d = 768;
    const byHand = 2 * 50277 * d + 12 * (5 * d * d + 8 * d * d + 11 * d) + 4 * d;
    expect(byHand).toBe(169_342_464);
    const ref = preset("rwkv-4-169m-pile");
    expect(computeStats(modelFor(ref.arch, ref.preset)).params).toBe(169_342_464);
  });

  it("binds the conformance checkpoint with transformers' parameter count", async () => {
    const ck = await conformanceCheckpoint("rwkv-tiny");
    expect(ck.session.parameterCount).toBe(ck.transformersParams);
  });

  for (const rescale of [0, 2]) {
    it(`step by step with the recurrent state equals the whole sequence (rescale_every = ${rescale})`, async () => {
      const s = await tinySession("Rwkv", { rescale_every: rescale });
      const ids = randomIds(2, 7, Number(s.cfg.vocab), 21);
      const full = s.forward({ input_ids: idsOf(ids) });
      const ctx = s.newContext(true);
      const parts = [s.forward({ input_ids: idsOf(ids, 0, 3) }, ctx).output];
      for (let t = 3; t < 7; t++) parts.push(s.forward({ input_ids: idsOf(ids, t, t + 1) }, ctx).output);
      // Exact with the TypeScript kernels; the WebAssembly GEMM tiles one row differently from many.
      expectClose(ops.concat(parts, 1), full.output, 1e-5);
      // No embedding entry: one hidden state per block plus the final ln_out.
      expect([...full.emitted.keys()].filter((k) => k.startsWith("hidden_states.")).length).toBe(Number(s.cfg.n_layers) + 1);
    });
  }

  it("token_shift and wkv4 resume from the state of their call site: exactly the whole-sequence result", () => {
    const k = randomTensor([2, 6, 5], 1);
    const v = randomTensor([2, 6, 5], 2);
    const decay = randomTensor([5], 3, 0.5);
    const first = randomTensor([5], 4, 0.5);
    const whole = new ForwardContext(false);
    const fullShift = lang.token_shift(whole, "a#0", k);
    const fullWkv = lang.wkv4(whole, "a#1", k, v, decay, first);
    const ctx = new ForwardContext(true);
    const shifts: Tensor[] = [];
    const wkvs: Tensor[] = [];
    for (const [from, to] of [[0, 2], [2, 3], [3, 4], [4, 6]] as const) {
      shifts.push(lang.token_shift(ctx, "a#0", ops.slice(k, 1, from, to)));
      wkvs.push(lang.wkv4(ctx, "a#1", ops.slice(k, 1, from, to), ops.slice(v, 1, from, to), decay, first));
      // Another site keeps its own state.
      lang.token_shift(ctx, "b#0", ops.slice(v, 1, from, to));
    }
    expect(Array.from(ops.concat(shifts, 1).data)).toEqual(Array.from(fullShift.data));
    expect(Array.from(ops.concat(wkvs, 1).data)).toEqual(Array.from(fullWkv.data));
  });

  it("rescaled inference (halving every rescale_every blocks) computes the unrescaled function", async () => {
    // Halving the residual stream and the output/value weights together is exact in floating point:
    // only the hidden states in between are scaled.
    const a = await tinySession("Rwkv", { rescale_every: 0 });
    const b = await tinySession("Rwkv", { rescale_every: 1 });
    const ids = idsOf(randomIds(1, 6, Number(a.cfg.vocab), 4));
    const ya = a.forward({ input_ids: ids });
    const yb = b.forward({ input_ids: ids });
    // Equal up to LayerNorm's eps, which does not scale with its input.
    const scaleOf = Math.max(...Array.from(ya.output.data, Math.abs));
    expectClose(yb.output, ya.output, 1e-3 * scaleOf);
    const h0a = ya.emitted.get("hidden_states.0")!;
    const h0b = yb.emitted.get("hidden_states.0")!;
    expectClose(h0b, ops.scale(h0a, 0.5), 1e-6);
  });
});
