// The semantic diff: pinned reports for real pairs of checkpoints (the differences their
// published configs actually have), and the properties every diff must satisfy.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadWorkspace, findPreset, allPresets } from "../../src/compiler/workspace.js";
import { modelFor } from "../../src/compiler/pipeline.js";
import { diffModels, isEmpty, mirror, type DiffReport } from "../../src/compiler/diff/index.js";

const ws = loadWorkspace([]);

function diffPresets(a: string, b: string): DiffReport {
  const ra = findPreset(ws, a);
  const rb = findPreset(ws, b);
  if (!ra || !rb) throw new Error(`missing preset ${!ra ? a : b}`);
  return diffModels(modelFor(ra.arch, ra.preset), modelFor(rb.arch, rb.preset), [a, b]);
}

const hyper = (r: DiffReport) => Object.fromEntries(r.hyperparameters.map((h) => [h.key, [h.a, h.b]]));
const has = (name: string) => findPreset(ws, name) !== undefined;

describe("diff of real checkpoints", () => {
  it("Llama-2-7b vs Llama-2-70b: sizes and grouped-query attention", () => {
    const r = diffPresets("Llama-2-7b-hf", "Llama-2-70b-hf");
    expect(hyper(r)).toEqual({
      hidden_size: ["4096", "8192"],
      intermediate_size: ["11008", "28672"],
      num_attention_heads: ["32", "64"],
      num_hidden_layers: ["32", "80"],
      num_key_value_heads: ["32", "8"],
    });
    const kind = r.attributes.find((a) => a.op === "attention" && a.attr === "kind");
    expect([kind?.a, kind?.b]).toEqual(["MHA", "GQA(8)"]);
  });

  it.runIf(has("Mistral-7B-v0.1"))("Llama-2-7b vs Mistral-7B: exactly the real differences", () => {
    const r = diffPresets("Llama-2-7b-hf", "Mistral-7B-v0.1");
    // Mistral-7B-v0.1's config: 8 kv heads, MLP 14336, sliding window 4096, 32768 positions, rope_theta 10000.
    expect(hyper(r)).toEqual({
      num_key_value_heads: ["32", "8"],
      intermediate_size: ["11008", "14336"],
      sliding_window: ["none", "4096"],
      max_position_embeddings: ["4096", "32768"],
    });
    const attrs = r.attributes.filter((a) => a.op === "attention").map((a) => `${a.attr}: ${a.a} → ${a.b}`).sort();
    expect(attrs).toEqual(["kind: MHA → GQA(8)", "kv_heads: 32 → 8", "window: none → 4096"]);
    // Printed class names (LlamaAttention vs MistralAttention) are not a difference.
    expect(r.structure.filter((s) => s.change !== "changed" || !/Linear|Embedding|RMSNorm/.test(s.a ?? ""))).toEqual([]);
  });

  it.runIf(has("gemma-2b"))("Llama vs Gemma: norm offset, embedding scale, activation, head_dim, tying", () => {
    const r = diffPresets("Llama-2-7b-hf", "gemma-2b");
    const text = JSON.stringify(r);
    expect(text).toMatch(/offset 1/); // the 1 + w RMSNorm
    expect(text).toMatch(/gelu/);
    expect(text).toMatch(/tied/);
    expect(r.attributes.some((a) => a.attr === "head_dim" && a.b === "256")).toBe(true);
    expect(r.attributes.some((a) => a.op === "mul" || a.attr === "scale") || /embed/.test(text)).toBe(true);
  });

  it.runIf(has("Mixtral-8x7B-v0.1") && has("Qwen1.5-MoE-A2.7B"))("Mixtral vs Qwen2-MoE: renormalisation and shared experts", () => {
    const r = diffPresets("Mixtral-8x7B-v0.1", "Qwen1.5-MoE-A2.7B");
    const moe = r.attributes.filter((a) => a.op === "moe");
    expect(moe.find((a) => a.attr === "normalize")).toMatchObject({ a: "true", b: "false" });
    expect(moe.find((a) => a.attr === "experts")).toMatchObject({ a: "8", b: "60" });
    expect(r.structure.some((s) => s.change === "added" && /shared_expert/.test(s.path + (s.b ?? "")))).toBe(true);
  });
});

describe("diff properties", () => {
  const presets = allPresets(ws).filter((p) => p !== "tiny");

  it("a model diffed with itself is empty", () => {
    fc.assert(
      fc.property(fc.constantFrom(...presets), (p) => {
        expect(isEmpty(diffPresets(p, p))).toBe(true);
      }),
      { seed: 42, numRuns: Math.min(40, presets.length * 2) },
    );
  });

  it("diff(B, A) is the mirror image of diff(A, B)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...presets), fc.constantFrom(...presets), (a, b) => {
        expect(diffPresets(b, a)).toEqual(mirror(diffPresets(a, b)));
      }),
      { seed: 7, numRuns: 40 },
    );
  });
});
