// GPT-Neo against independent truth: the published parameter count, the parameter count
// transformers reported for the conformance checkpoint, and the layer pattern its config spells
// out (attention_types expanded as transformers expands it).
import { describe, expect, it } from "vitest";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { arch, itBindsConformanceParams, itCountsPublishedParams } from "./zoo-helpers.js";

describe("parameter counts", () => {
  // Published counts (unique tensors, a tied matrix once).
  const published: [string, number][] = [
    ["gpt-neo-125m", 125_198_592],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["gpt_neo-tiny"]);
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
});
