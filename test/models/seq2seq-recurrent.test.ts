// Architectures that are not decoder-only Transformers — T5 (encoder-decoder, relative
// position buckets), RWKV-4 (recurrent state instead of a KV cache) — against independent
// truth: PyTorch's printed module tree, published parameter counts, the counts transformers
// reported for the conformance checkpoints, hand-derived bucket values, and the defining
// property of any cache or recurrent state: decoding token by token computes exactly what
// one call over the whole sequence does.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadWorkspace, resolveModelRef } from "../../src/compiler/workspace.js";
import { configFor, modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { loadCheckpoint } from "../../src/cli/checkpoint.js";
import { ForwardContext, IntTensor, ModelSession, generate, lang, mulberry32, ops, randomSource, randomTensor, Tensor } from "../../src/runtime/index.js";
import type { Value } from "../../src/compiler/ir/model.js";

const shared = join(__dirname, "../../../shared");
const ws = loadWorkspace([]);

function preset(name: string) {
  const ref = resolveModelRef(ws, undefined, name);
  if ("code" in ref) throw new Error(ref.message);
  return ref;
}

async function tinySession(archName: string, overrides: Record<string, Value> = {}, seed = 7): Promise<ModelSession> {
  const arch = ws.archs.get(archName);
  if (!arch) throw new Error(`no arch ${archName}`);
  const mod = await loadArch(arch);
  const resolved = configFor(arch, "tiny", overrides);
  expect(resolved.diagnostics).toEqual([]);
  // Only what the tiny preset and the overrides set: derived defaults follow the overrides.
  const given = new Set([...(arch.presets.get("tiny")?.values.map((v) => v.name) ?? []), ...Object.keys(overrides)]);
  const values = Object.fromEntries([...resolved.values].filter(([k]) => given.has(k))) as Record<string, Value>;
  return new ModelSession(mod, values, randomSource(seed));
}

function randomIds(b: number, t: number, vocab: number, seed: number): number[][] {
  const r = mulberry32(seed);
  return Array.from({ length: b }, () => Array.from({ length: t }, () => Math.floor(r() * vocab)));
}

const idsOf = (rows: number[][], from = 0, to = rows[0]!.length) =>
  new IntTensor(Int32Array.from(rows.flatMap((r) => r.slice(from, to))), [rows.length, to - from]);

/** Logits of rows [B, T, V] restricted to tokens from..to. */
const tokens = (t: Tensor, from: number, to: number) => ops.slice(t, 1, from, to);

function expectClose(actual: Tensor, expected: Tensor, tol: number): void {
  expect(actual.shape).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe("T5", () => {
  it("t5-base prints exactly as PyTorch's module tree (only block 0 holds relative_attention_bias)", () => {
    const ref = preset("t5-base");
    const expected = readFileSync(join(shared, "seed/trees/t5.txt"), "utf8").trimEnd();
    expect(printModuleTree(modelFor(ref.arch, ref.preset).root)).toBe(expected);
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
    const dir = join(shared, "conformance/t5-tiny");
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as { num_parameters: number };
    const ck = await loadCheckpoint(ws, dir);
    expect(ck.session.parameterCount).toBe(meta.num_parameters);
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
    const dir = join(shared, "conformance/rwkv-tiny");
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as { num_parameters: number };
    const ck = await loadCheckpoint(ws, dir);
    expect(ck.session.parameterCount).toBe(meta.num_parameters);
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
