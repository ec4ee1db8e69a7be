// Grok-1: the module tree PyTorch printed for the released checkpoint (the seed survey) and its
// parameter count derived by hand from run.py's configuration.
import { describe, expect, it } from "vitest";
import { params, printed, seedTree } from "./zoo-helpers.js";

describe("print trees of the seed survey", () => {
  it("grok-1: identical except k_proj/v_proj, which follow the checkpoint's 8 KV heads", () => {
    const ours = printed("grok-1").split("\n");
    const seed = seedTree("grok-1.txt").split("\n");
    expect(ours.length).toBe(seed.length);
    const differing = ours.flatMap((l, i) => (l === seed[i] ? [] : [i]));
    expect(differing.map((i) => seed[i]!.trim())).toEqual([
      "(k_proj): Linear(in_features=6144, out_features=6144, bias=False)",
      "(v_proj): Linear(in_features=6144, out_features=6144, bias=False)",
    ]);
    // 8 KV heads x head_dim 128 (6144 / 48 query heads)
    expect(differing.map((i) => ours[i]!.trim())).toEqual([
      "(k_proj): Linear(in_features=6144, out_features=1024, bias=False)",
      "(v_proj): Linear(in_features=6144, out_features=1024, bias=False)",
    ]);
  });
});

describe("parameter counts", () => {
  it("grok-1: ~314B (the published figure counts the experts; the tied embedding adds 0.8B)", () => {
    // run.py: vocab 131072, emb 6144, 64 layers, 48 query / 8 KV heads of 128, 8 experts of width 32768
    const e = 6144;
    const attention = e * 48 * 128 + 2 * e * 8 * 128 + 48 * 128 * e;
    const experts = 8 * 3 * e * 32768;
    const perLayer = attention + e * 8 + experts + 4 * e; // + router + four RMSNorms
    const nonEmbedding = 64 * perLayer + e;
    expect(nonEmbedding).toBe(314_879_514_624);
    expect(params("grok-1")).toBe(nonEmbedding + 131072 * e);
  });
});
