// Remote-code families OpenELM, Yuan 2.0 and Grok-1: the module trees PyTorch printed for the
// real checkpoints (the seed survey), parameter counts against published figures or counts
// derived by hand from the published configs, and decoding with a cache that must reproduce
// the full pass (Yuan's localized-filtering state and document mask).
import { describe, expect, it } from "vitest";
import { configFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import type { Value } from "../../src/compiler/ir/model.js";
import { IntTensor, ModelSession, randomSource, type Tensor } from "../../src/runtime/index.js";
import { model, params, preset, seedTree, ws } from "./zoo-helpers.js";

const printed = (name: string) => printModuleTree(model(name).root);

describe("print trees of the seed survey", () => {
  it("OpenELM-270M: per-layer heads and FFN widths, tab in the rotary repr", () => {
    expect(printed("OpenELM-270M")).toBe(seedTree("openelm.txt"));
  });

  it("Yuan2-2B-hf: localized filtering convolutions and YuanRMSNorm()", () => {
    expect(printed("Yuan2-2B-hf")).toBe(seedTree("yuan2.txt"));
  });

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
  it("OpenELM-270M: the published count", () => {
    expect(params("OpenELM-270M")).toBe(271_527_168);
  });

  it("Yuan2-2B-hf: ~2.1B, derived from its config.json by hand", () => {
    // hidden 2048, 24 layers, intermediate 8192, vocab 135040, tied lm_head
    const h = 2048;
    const perLayer =
      4 * h * h + // q, k, v, o
      (h / 2) * h * 2 + h / 2 + // conv1 [1024, 2048, 2, 1] + bias
      h * (h / 2) * 2 + h + // conv2 [2048, 1024, 2, 1] + bias
      h + // lf_gate.output_layernorm
      3 * h * 8192 + // up, gate, down
      2 * h; // input / post-attention norms
    const expected = 135040 * h + 24 * perLayer + h;
    expect(expected).toBe(2_088_724_480);
    expect(params("Yuan2-2B-hf")).toBe(expected);
  });

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

describe("OpenELM layer-wise scaling", () => {
  it("270M heads and FFN widths as listed in its config.json", () => {
    const cfg = configFor(preset("OpenELM-270M").arch, "OpenELM-270M").values;
    expect(cfg.get("query_heads")).toEqual([12, 12, 12, 12, 12, 16, 16, 16, 16, 16, 16, 16, 20, 20, 20, 20]);
    expect(cfg.get("kv_heads")).toEqual([3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5]);
    expect(cfg.get("ffn_dims")).toEqual([768, 1024, 1280, 1536, 1792, 2048, 2560, 2816, 3072, 3328, 3584, 3840, 4352, 4608, 4864, 5120]);
  });
});

// Decoding one token at a time must give the rows of the full pass: the convolutions'
// previous inputs and the document segments live in the forward context.
describe("Yuan2 decoding with a cache equals the full pass", () => {
  it("across an end-of-document token", async () => {
    const arch = ws.archs.get("Yuan2")!;
    const values = Object.fromEntries(configFor(arch, "tiny").values) as Record<string, Value>;
    const eod = values.eod as number;
    const session = new ModelSession(await loadArch(arch), values, randomSource(7));
    const ids = [5, 17, eod, 33, 8, 41, eod, 12, 60];
    const full = session.forward({ input_ids: new IntTensor(Int32Array.from(ids), [1, ids.length]) }).output;
    const vocab = full.shape[2]!;
    const ctx = session.newContext(true);
    // a two-token prefill, then single tokens
    const steps = [ids.slice(0, 2), ...ids.slice(2).map((t) => [t])];
    let row = 0;
    for (const s of steps) {
      const out: Tensor = session.forward({ input_ids: new IntTensor(Int32Array.from(s), [1, s.length]) }, ctx).output;
      for (let j = 0; j < s.length; j++, row++) {
        const got = Array.from(out.data.subarray(j * vocab, (j + 1) * vocab));
        const want = Array.from(full.data.subarray(row * vocab, (row + 1) * vocab));
        got.forEach((g, c) => expect(Math.abs(g - want[c]!)).toBeLessThan(1e-4));
      }
    }
    expect(row).toBe(ids.length);
  });
});
