// `archc diff A B --explain`: the dataflow explanation in words (summary, each differing aspect
// of the layer per model, the hyperparameters by meaning), the same content as the report.
import { describe, expect, it } from "vitest";
import { archc } from "../cli/capture.js";

describe("archc diff --explain", () => {
  it("prints the summary, the layers' aspects per model and the hyperparameters by meaning", async () => {
    const r = await archc("diff", "--preset", "falcon-7b", "--preset", "Llama-2-7b-hf", "--explain");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    // Falcon-7B: parallel attention + MLP from one LayerNorm, fused multi-query qkv, GELU MLP,
    // tied head; Llama-2-7B: sequential pre-norm with RMSNorms, separate q/k/v with 32 kv
    // heads, gated SiLU MLP, untied head.
    expect(lines[0]).toBe(
      "Llama-2-7b-hf (Llama) vs falcon-7b (Falcon): sequential residual instead of parallel; RMSNorm instead of LayerNorm; separate q, k, v projections instead of fused qkv projection; gated SiLU MLP instead of GELU; 32 kv heads instead of 1; untied head instead of tied",
    );
    const at = lines.indexOf("- residual");
    expect(lines.slice(at, at + 3)).toEqual([
      "- residual",
      "    falcon-7b (Falcon): attention and MLP in parallel from one LayerNorm; one residual add",
      "    Llama-2-7b-hf (Llama): attention, then MLP, each after its own RMSNorm; two residual adds",
    ]);
    expect(lines).toContain("- kv ~ kv_heads: 1 → 32 (config key derived → num_key_value_heads; meaning: kv heads)");
    // No per-module rows: the explanation is the words, not the tables.
    expect(r.out).not.toMatch(/^structure|^shapes|^statistics/m);
  });

  it("says when there is nothing to explain", async () => {
    const r = await archc("diff", "--preset", "gpt2", "--preset", "gpt2", "--explain");
    expect(r.out.trim()).toBe("gpt2 (GPT2) vs gpt2 (GPT2): no differences");
  });

  it("is one output format: with --md it is a command-line error (exit 2)", async () => {
    const r = await archc("diff", "--preset", "gpt2", "--preset", "gpt2", "--explain", "--md");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--md and --explain/);
  });
});
