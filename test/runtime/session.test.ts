// Decoding with the KV cache must compute what a full forward pass over the whole prefix
// computes, at every step: the cache is an optimisation, never a different model. Checked on
// Llama's tiny preset with random weights, for one and two sequences and several prefills.
import { describe, expect, it } from "vitest";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { IntTensor, ModelSession, mulberry32, randomSource, type Tensor } from "../../src/runtime/index.js";

const ws = loadWorkspace([], { includeZoo: true });
const llama = ws.archs.get("Llama")!;

async function tinyLlama(seed: number): Promise<ModelSession> {
  const values = Object.fromEntries(configFor(llama, "tiny").values);
  return new ModelSession(await loadArch(llama), values, randomSource(seed), "ForCausalLM");
}

function tokens(rows: number, len: number, vocab: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: rows }, () => Array.from({ length: len }, () => Math.floor(rand() * vocab)));
}

const ids = (rows: number[][]) => new IntTensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length]);

/** Rows [from, to) of the token axis of [B, T, V] logits, as [B, to - from, V]. */
function positions(t: Tensor, from: number, to: number): number[] {
  const [b, len, v] = t.shape as [number, number, number];
  const out: number[] = [];
  for (let i = 0; i < b; i++) out.push(...t.data.subarray((i * len + from) * v, (i * len + to) * v));
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  // float32 accumulation in a different order (one query against cached keys vs. all at once).
  expect(worst, `${what}: max abs difference`).toBeLessThan(1e-5);
}

describe("KV-cache decoding equals full recomputation", () => {
  for (const [rows, prefill] of [[1, 1], [1, 4], [2, 3]] as const) {
    it(`${rows} sequence(s), prefill ${prefill}, then one token per step`, async () => {
      const session = await tinyLlama(7);
      const vocab = Number(session.cfg.vocab);
      const seq = tokens(rows, 10, vocab, 11 + rows + prefill);
      const ctx = session.newContext(true);

      const first = session.forward({ input_ids: ids(seq.map((r) => r.slice(0, prefill))) }, ctx).output;
      const fullPrefix = session.forward({ input_ids: ids(seq.map((r) => r.slice(0, prefill))) }).output;
      expectClose(first.data, fullPrefix.data, "prefill");
      expect(ctx.offset).toBe(prefill);

      for (let t = prefill; t < seq[0]!.length; t++) {
        const step = session.forward({ input_ids: ids(seq.map((r) => [r[t]!])) }, ctx).output;
        expect(step.shape).toEqual([rows, 1, vocab]);
        // The whole prefix 0..t recomputed from scratch, without any cache.
        const full = session.forward({ input_ids: ids(seq.map((r) => r.slice(0, t + 1))) }).output;
        expectClose(step.data, positions(full, t, t + 1), `step ${t}`);
      }
      expect(ctx.offset).toBe(seq[0]!.length);
    });
  }

  it("a reset context starts over", async () => {
    const session = await tinyLlama(3);
    const seq = tokens(1, 6, Number(session.cfg.vocab), 5);
    const ctx = session.newContext(true);
    const a = session.forward({ input_ids: ids(seq) }, ctx).output;
    ctx.reset();
    const b = session.forward({ input_ids: ids(seq) }, ctx).output;
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it("the cache changes the result when it is used: positions continue after it", async () => {
    const session = await tinyLlama(3);
    const seq = tokens(1, 4, Number(session.cfg.vocab), 9);
    const ctx = session.newContext(true);
    session.forward({ input_ids: ids(seq) }, ctx);
    const cached = session.forward({ input_ids: ids([[seq[0]![0]!]]) }, ctx).output;
    const fresh = session.forward({ input_ids: ids([[seq[0]![0]!]]) }).output;
    let diff = 0;
    for (let i = 0; i < fresh.data.length; i++) diff = Math.max(diff, Math.abs(cached.data[i]! - fresh.data[i]!));
    expect(diff).toBeGreaterThan(1e-3);
  });
});
