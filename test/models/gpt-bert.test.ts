// The GPT lineage (GPT-1, GPT-2, GPT-Neo, GPT-3) and BERT against independent truth:
// PyTorch's printed module trees (shared/seed/trees), published parameter counts, the
// parameter counts transformers reported for the conformance checkpoints, and the layer
// patterns their configs spell out.
import { describe, expect, it } from "vitest";
import { configFor, modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { IntTensor, ModelSession, randomSource } from "../../src/runtime/index.js";
import { arch, itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees, preset } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["gpt2", "gpt2.txt"],
    ["bert-base-cased", "bert.txt"],
    ["openai-gpt", "openai-gpt.txt"],
  ]);
});

describe("parameter counts", () => {
  // Published counts (unique tensors, a tied matrix once); the GPT-2 family also follows from
  // V*d + P*d + L*(12d^2 + 13d) + 2d.
  const published: [string, number][] = [
    ["gpt2", 124_439_808],
    ["gpt2-medium", 354_823_168],
    ["gpt2-large", 774_030_080],
    ["gpt2-xl", 1_557_611_200],
    ["bert-base-cased", 108_310_272],
    ["openai-gpt", 116_534_784],
    ["gpt-neo-125m", 125_198_592],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["gpt2-tiny", "openai-gpt-tiny", "gpt_neo-tiny", "bert-tiny"]);
});

describe("per-layer attention patterns", () => {
  it("GPT-Neo expands attention_types like transformers when attention_layers is absent", async () => {
    const given = { n_layers: 5, attention_types: [[["global", "local"], 2], [["local"], 1]] };
    const expected = ["global", "local", "global", "local", "local"];
    const c = configFor(arch("GPTNeo"), undefined, given);
    expect(c.diagnostics).toEqual([]);
    expect(c.values.get("layer_kinds")).toEqual(expected);
    expect(c.values.get("attn_windows")).toEqual([null, 256, null, 256, 256]);
    // The generated configure agrees with the compiler's evaluator.
    const mod = await loadArch(arch("GPTNeo"));
    expect(mod.configure(given).layer_kinds).toEqual(expected);
  });

  it("GPT-Neo rejects a layer list that does not cover every layer", () => {
    const c = configFor(arch("GPTNeo"), undefined, { n_layers: 3, attention_layers: ["global", "local"] });
    expect(c.diagnostics.map((d) => d.message).join("\n")).toMatch(/one attention type per layer|len\(layer_kinds\)/);
  });

  it("GPT-3 alternates dense and banded layers, dense first by default", () => {
    const c = configFor(arch("GPT3"), "gpt3-175b");
    const w = c.values.get("attn_windows") as (number | null)[];
    expect(w).toHaveLength(96);
    expect(w.slice(0, 4)).toEqual([null, 256, null, 256]);
    expect(configFor(arch("GPT3"), "gpt3-175b", { band_parity: 0 }).values.get("attn_windows")).toEqual(
      Array.from({ length: 96 }, (_, i) => (i % 2 === 0 ? 256 : null)),
    );
  });

  it("GPT-3 175B has the paper's 175B parameters", () => {
    const ref = preset("gpt3-175b");
    const n = computeStats(modelFor(ref.arch, ref.preset)).params;
    expect(n).toBeGreaterThan(174e9);
    expect(n).toBeLessThan(176e9);
  });
});

describe("GPT-3's banded layers", () => {
  // Same parameter names as GPT-2, so a name-seeded random source gives both the same weights.
  const run = async (name: string, given: Record<string, unknown>) => {
    const a = arch(name);
    const values = { ...Object.fromEntries(configFor(a, "tiny").values), ...given };
    const session = new ModelSession(await loadArch(a), values, randomSource(7));
    const ids = new IntTensor(Int32Array.from({ length: 14 }, (_, i) => (i * 37) % 96), [2, 7]);
    return Array.from(session.forward({ input_ids: ids }).output.data);
  };
  const base = { vocab: 96, d: 32, n_layers: 3, heads: 4, context: 64 };

  it("a band covering the whole sequence is dense attention: GPT-2 exactly", async () => {
    expect(await run("GPT3", { ...base, band: 64 })).toEqual(await run("GPT2", base));
  });

  it("a narrow band changes the output", async () => {
    expect(await run("GPT3", { ...base, band: 2 })).not.toEqual(await run("GPT2", base));
  });
});

describe("optional forward inputs", () => {
  it("BERT's token_type_ids default to zeros", async () => {
    const a = arch("Bert");
    const mod = await loadArch(a);
    const values = Object.fromEntries(configFor(a, "tiny").values);
    const session = new ModelSession(mod, values, randomSource(3), "Model");
    const ids = new IntTensor(Int32Array.from([5, 9, 2, 7, 1, 3]), [2, 3]);
    const implicit = session.forward({ input_ids: ids }).output;
    const explicit = session.forward({ input_ids: ids, token_type_ids: IntTensor.zeros([2, 3]) }).output;
    const ones = session.forward({ input_ids: ids, token_type_ids: new IntTensor(new Int32Array(6).fill(1), [2, 3]) }).output;
    expect(Array.from(implicit.data)).toEqual(Array.from(explicit.data));
    expect(Array.from(implicit.data)).not.toEqual(Array.from(ones.data));
  });
});
