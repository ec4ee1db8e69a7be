// GPT-3 against independent truth: the paper's parameter count, the alternating dense and
// banded layers its description spells out, and banded attention compared with GPT-2's dense
// attention on the same weights.
import { describe, expect, it } from "vitest";
import { configFor, modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { IntTensor, ModelSession, randomSource } from "../../src/runtime/index.js";
import { arch, preset } from "./zoo-helpers.js";

describe("per-layer attention patterns", () => {
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
