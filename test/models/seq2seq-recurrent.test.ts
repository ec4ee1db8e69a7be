// Architectures that are not decoder-only Transformers — T5 (encoder-decoder, relative
// position buckets), RWKV-4 (recurrent state instead of a KV cache) — against independent
// truth: PyTorch's printed module tree, published parameter counts, the counts transformers
// reported for the conformance checkpoints, hand-derived bucket values, and the defining
// property of any cache or recurrent state: decoding token by token computes exactly what
// one call over the whole sequence does.
import { describe, expect, it } from "vitest";
import { configFor, modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { ForwardContext, IntTensor, ModelSession, generate, lang, mulberry32, ops, randomSource, randomTensor, Tensor } from "../../src/runtime/index.js";
import type { Value } from "../../src/compiler/ir/model.js";
import { arch, conformanceCheckpoint, preset, seedTree } from "./zoo-helpers.js";

async function tinySession(archName: string, overrides: Record<string, Value> = {}, seed = 7): Promise<ModelSession> {
  const a = arch(archName);
  const mod = await loadArch(a);
  const resolved = configFor(a, "tiny", overrides);
  expect(resolved.diagnostics).toEqual([]);
  // Only what the tiny preset and the overrides set: derived defaults follow the overrides.
  const given = new Set([...(a.presets.get("tiny")?.values.map((v) => v.name) ?? []), ...Object.keys(overrides)]);
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

describe("Transformer-XL", () => {
  it("transfo-xl-wt103: parameters by hand (adaptive embedding, 18 layers, adaptive softmax with tied tails)", () => {
    const sizes = [20000, 20000, 160000, 67735];
    const widths = [1024, 256, 64, 16];
    const d = 1024;
    const emb = sizes.reduce((s, n, i) => s + n * widths[i]!, 0) + widths.reduce((s, w) => s + d * w, 0);
    const layer = 3 * d * d + d * d + d * d + 2 * d + 2 * 16 * 64 + (d * 4096 + 4096 + 4096 * d + d) + 2 * d;
    // Head: cluster rows and biases, every out_layer bias; weights tied to the embeddings, projections 1..3 tied.
    const crit = 3 * d + 3 + sizes.reduce((s, n) => s + n, 0) + d * d;
    const ref = preset("transfo-xl-wt103");
    expect(computeStats(modelFor(ref.arch, ref.preset)).params).toBe(emb + 18 * layer + crit);
  });

  it("relative_scores equals the reference's pad-and-reshape shift of q·r over descending positions", () => {
    const [H, D, T, S] = [2, 3, 4, 7];
    const q = randomTensor([1, H, T, D], 41);
    const r = randomTensor([S, H * D], 42);
    const got = ops.relativeScores(q, r);
    for (let h = 0; h < H; h++) {
      // raw[i][j] = q_i · r_k[j], r_k[j] the embedding of position S−1−j (pos_seq = S−1 … 0).
      const raw: number[][] = [];
      for (let i = 0; i < T; i++) {
        raw.push([]);
        for (let j = 0; j < S; j++) {
          let a = 0;
          for (let c = 0; c < D; c++) a += q.data[(h * T + i) * D + c]! * r.data[(S - 1 - j) * H * D + h * D + c]!;
          raw[i]!.push(a);
        }
      }
      // _rel_shift: prepend a zero column, view [S+1, T], drop the first row, view [T, S].
      const padded = raw.flatMap((row) => [0, ...row]);
      const shifted = padded.slice(T);
      for (let i = 0; i < T; i++) {
        for (let j = 0; j <= S - T + i; j++) expect(got.data[(h * T + i) * S + j]).toBeCloseTo(shifted[i * S + j]!, 5);
      }
    }
  });

  it("relative sinusoid rows by hand (and clamped distances)", () => {
    const t = ops.relativeSinusoid(5, 4, 3);
    // f = [1, 10000^(-1/2) = 0.01]
    expect(Array.from(t.data.subarray(0, 4))).toEqual([0, 0, 1, 1]);
    expect(t.data[4 + 0]).toBeCloseTo(Math.sin(1), 6);
    expect(t.data[4 + 1]).toBeCloseTo(Math.sin(0.01), 6);
    expect(t.data[4 + 3]).toBeCloseTo(Math.cos(0.01), 6);
    expect(Array.from(t.data.subarray(16, 20))).toEqual(Array.from(t.data.subarray(12, 16)));
  });

  it("adaptive embedding and log-softmax by hand; log-probabilities sum to 1", () => {
    // Clusters [0, 2) and [2, 5); widths 2 and 1; projections to d = 2.
    const tables = [Tensor.from([1, 2, 3, 4], [2, 2]), Tensor.from([5, 6, 7], [3, 1])];
    const projs = [Tensor.from([1, 0, 0, 1], [2, 2]), Tensor.from([2, -1], [2, 1])];
    const lookup = (i: number, local: IntTensor) => ops.embedding(local, tables[i]!);
    const e = ops.adaptiveEmbedding(new IntTensor(Int32Array.from([1, 3]), [1, 2]), [2], lookup, projs, 2);
    // id 1 → [3, 4]·I·2; id 3 → 6·[2, −1]·2
    expect(Array.from(e.data)).toEqual([6, 8, 24, -12]);
    const h = randomTensor([3, 2], 5);
    const layers = [Tensor.from([1, 0, 0, 1], [2, 2]), Tensor.from([1, 2, 3], [3, 1])];
    const lp = ops.adaptiveLogSoftmax(h, [2], (i, x) => ops.linear(x, layers[i]!), projs, Tensor.from([0.5, -0.5], [1, 2]), Tensor.from([0.1]));
    expect(lp.shape).toEqual([3, 5]);
    for (let r = 0; r < 3; r++) {
      const row = Array.from(lp.data.subarray(r * 5, r * 5 + 5));
      expect(row.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 5);
      // Head: softmax over [h·p0·W0ᵀ (2 words), h·p0·cᵀ + 0.1 (the tail cluster)].
      const x = [h.data[r * 2]!, h.data[r * 2 + 1]!];
      const head = [x[0]!, x[1]!, 0.5 * x[0]! - 0.5 * x[1]! + 0.1];
      const z = Math.log(head.reduce((s, v) => s + Math.exp(v), 0));
      expect(row[0]).toBeCloseTo(head[0]! - z, 5);
      const u = 2 * x[0]! - x[1]!;
      const tail = [u, 2 * u, 3 * u];
      const zt = Math.log(tail.reduce((s, v) => s + Math.exp(v), 0));
      expect(row[4]).toBeCloseTo(head[2]! - z + tail[2]! - zt, 5);
    }
  });

  it("a memory of length 0 is a plain forward: the next segment sees nothing of the previous one", async () => {
    const s = await tinySession("TransfoXL", { mem_len: 0, same_length: false });
    const ids = randomIds(2, 8, Number(s.cfg.vocab), 51);
    const ctx = s.newContext(true);
    s.forward({ input_ids: idsOf(ids, 0, 5) }, ctx);
    const second = s.forward({ input_ids: idsOf(ids, 5, 8) }, ctx).output;
    const alone = s.forward({ input_ids: idsOf(ids, 5, 8) }).output;
    expect(Array.from(second.data)).toEqual(Array.from(alone.data));
  });

  it("segment by segment through the memory equals one call over the whole text (same_length attention)", async () => {
    const s = await tinySession("TransfoXL");
    const mem = Number(s.cfg.mem_len);
    const total = mem + 5; // longer than the memory: early tokens fall out of it
    const ids = randomIds(2, total, Number(s.cfg.vocab), 52);
    const full = s.forward({ input_ids: idsOf(ids) }).output;
    const ctx = s.newContext(true);
    const cuts = [0, 4, 7, 8, total - 1, total];
    const parts = cuts.slice(1).map((to, k) => s.forward({ input_ids: idsOf(ids, cuts[k]!, to) }, ctx).output);
    expectClose(ops.concat(parts, 1), full, 1e-5);
  });

  it("the first call attends to mem_len zero slots, as transformers initialises the memory", async () => {
    // The output depends on the memory length even before any memory exists.
    const a = await tinySession("TransfoXL", { mem_len: 6 });
    const b = await tinySession("TransfoXL", { mem_len: 3 });
    const ids = idsOf(randomIds(1, 3, Number(a.cfg.vocab), 53));
    const ya = a.forward({ input_ids: ids }).output;
    const yb = b.forward({ input_ids: ids }).output;
    expect(Array.from(ya.data)).not.toEqual(Array.from(yb.data));
  });
});

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
