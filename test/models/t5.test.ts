// T5 (encoder-decoder, relative position buckets) against independent truth: PyTorch's printed
// module tree, published parameter counts, the count transformers reported for the conformance
// checkpoint, hand-derived bucket values, and the defining property of the cache: decoding
// token by token computes exactly what one call over the whole sequence does.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { generate, IntTensor, ops, Tensor } from "../../src/runtime/index.js";
import {
  conformanceCheckpoint,
  expectTensorClose as expectClose,
  idsOf,
  preset,
  randomIds,
  seedTree,
  tinySession,
  tokenSlice as tokens,
} from "./zoo-helpers.js";

describe("T5", () => {
  it("t5-base prints exactly as PyTorch's module tree (only block 0 holds relative_attention_bias)", () => {
    const ref = preset("t5-base");
    expect(printModuleTree(modelFor(ref.arch, ref.preset).root)).toBe(seedTree("t5.txt"));
  });

  // Published counts (model.num_parameters(): shared embedding once; v1.1/FLAN have an untied lm_head).
  const published: [string, number][] = [
    ["t5-small", 60_506_624],
    ["t5-base", 222_903_552],
    ["t5-large", 737_668_096],
    ["flan-t5-base", 247_577_856],
    ["t5-v1_1-base", 247_577_856],
  ];
  for (const [p, n] of published) {
    it(`${p}: ${n.toLocaleString("en")} parameters`, () => {
      const ref = preset(p);
      expect(computeStats(modelFor(ref.arch, ref.preset)).params).toBe(n);
    });
  }

  it("binds the conformance checkpoint with transformers' parameter count", async () => {
    const ck = await conformanceCheckpoint("t5-tiny");
    expect(ck.session.parameterCount).toBe(ck.transformersParams);
    expect(ck.session.streamInput).toBe("decoder_input_ids");
    expect(ck.session.contextInputs).toEqual(["input_ids"]);
  });

  it("relative position buckets: hand-derived values (32 buckets, max distance 128)", () => {
    const bi = { numBuckets: 32, maxDistance: 128, bidirectional: true };
    const causal = { ...bi, bidirectional: false };
    // Bidirectional: 16 buckets per direction, 8 exact; keys after the query use buckets 16..31.
    expect(ops.relativePositionBucket(0, bi)).toBe(0);
    expect(ops.relativePositionBucket(-1, bi)).toBe(1);
    expect(ops.relativePositionBucket(1, bi)).toBe(17);
    expect(ops.relativePositionBucket(-7, bi)).toBe(7);
    // 20 → 8 + trunc(ln(20/8) / ln(128/8) · 8) = 8 + trunc(2.64) = 10
    expect(ops.relativePositionBucket(-20, bi)).toBe(10);
    expect(ops.relativePositionBucket(20, bi)).toBe(26);
    expect(ops.relativePositionBucket(-1000, bi)).toBe(15);
    expect(ops.relativePositionBucket(1000, bi)).toBe(31);
    // Causal: later keys all land in bucket 0; 16 exact buckets; 20 → 16 + trunc(ln(20/16) / ln(8) · 16) = 17.
    expect(ops.relativePositionBucket(5, causal)).toBe(0);
    expect(ops.relativePositionBucket(-15, causal)).toBe(15);
    expect(ops.relativePositionBucket(-20, causal)).toBe(17);
    expect(ops.relativePositionBucket(-127, causal)).toBe(31);
    expect(ops.relativePositionBucket(-5000, causal)).toBe(31);
    // A distance whose exact value sits on a boundary: 8 with 8 causal buckets up to 16 → 4 + ln 2 / ln 4 · 4 = 6.
    expect(ops.relativePositionBucket(-8, { numBuckets: 8, maxDistance: 16, bidirectional: false })).toBe(6);
  });

  it("relative_position_bias reads table[bucket(j - i), h] for queries after the cached tokens", () => {
    // 8 causal buckets, 4 exact: distances 0..3 are buckets 0..3. table[b, h] = 10·b + h.
    const table = Tensor.from(Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 2) + (i % 2)), [8, 2]);
    // One query at position 2 (two tokens cached) against keys 0, 1, 2: distances 2, 1, 0.
    const bias = ops.relativePositionBias(table, 2, 1, 3, { bidirectional: false, maxDistance: 16 });
    expect(bias.shape).toEqual([1, 2, 1, 3]);
    expect(Array.from(bias.data)).toEqual([20, 10, 0, 21, 11, 1]);
  });

  it("decoding token by token with the cache equals the teacher-forced forward", async () => {
    const s = await tinySession("T5");
    const vocab = Number(s.cfg.vocab);
    const enc = randomIds(2, 9, vocab, 11);
    const dec = randomIds(2, 6, vocab, 12);
    const full = s.forward({ input_ids: idsOf(enc), decoder_input_ids: idsOf(dec) }).output;
    const ctx = s.newContext(true);
    const steps: Tensor[] = [];
    const first = s.forward({ input_ids: idsOf(enc), decoder_input_ids: idsOf(dec, 0, 2) }, ctx);
    expect(first.emitted.has("encoder_hidden_states.0")).toBe(true);
    steps.push(first.output);
    for (let t = 2; t < 6; t++) {
      const r = s.forward({ input_ids: idsOf(enc), decoder_input_ids: idsOf(dec, t, t + 1) }, ctx);
      // The encoder ran once: later steps reuse its output (and cross-attention keys/values).
      expect(r.emitted.has("encoder_hidden_states.0")).toBe(false);
      steps.push(r.output);
    }
    expectClose(ops.concat(steps, 1), full, 1e-5);
  });

  it("greedy generation with the cache picks what re-running the whole sequence picks", async () => {
    const s = await tinySession("T5", {}, 3);
    const vocab = Number(s.cfg.vocab);
    const prompt = randomIds(1, 8, vocab, 5)[0]!;
    const cached = generate(s, prompt, { maxNewTokens: 6, decoderStart: [0] });
    const dec = [0];
    for (let i = 0; i < 6; i++) {
      const out = s.forward({ input_ids: idsOf([prompt]), decoder_input_ids: idsOf([dec]) }).output;
      const last = tokens(out, dec.length - 1, dec.length).data;
      dec.push(last.indexOf(Math.max(...last)));
    }
    expect(cached).toEqual(dec.slice(1));
  });

  it("padded encoder tokens are invisible: a padded row decodes as the same row without its padding", async () => {
    const s = await tinySession("T5");
    const vocab = Number(s.cfg.vocab);
    const enc = randomIds(2, 8, vocab, 13);
    const dec = randomIds(2, 5, vocab, 14);
    const mask = new IntTensor(Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]), [2, 8]);
    const padded = s.forward({ input_ids: idsOf(enc), decoder_input_ids: idsOf(dec) }, s.newContext(false), mask).output;
    const alone = s.forward({ input_ids: idsOf([enc[1]!.slice(0, 5)]), decoder_input_ids: idsOf([dec[1]!]) }).output;
    expectClose(ops.slice(padded, 0, 1, 2), alone, 1e-5);
  });

  it("gated-GELU variants (v1.1 / FLAN, untied head) run and decode consistently", async () => {
    const s = await tinySession("T5", { ff_proj: "gated-gelu", tie_embeddings: false });
    expect(s.cfg.gated).toBe(true);
    expect(s.cfg.dense_act).toBe("gelu_new");
    const vocab = Number(s.cfg.vocab);
    const enc = randomIds(1, 5, vocab, 1);
    const dec = randomIds(1, 4, vocab, 2);
    const full = s.forward({ input_ids: idsOf(enc), decoder_input_ids: idsOf(dec) }).output;
    const ctx = s.newContext(true);
    const steps = [0, 1, 2, 3].map((t) => s.forward({ input_ids: idsOf(enc), decoder_input_ids: idsOf(dec, t, t + 1) }, ctx).output);
    expectClose(ops.concat(steps, 1), full, 1e-5);
  });
});
