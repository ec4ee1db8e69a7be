// Yuan 2.0 (remote code): the module tree PyTorch printed for the real checkpoint (the seed
// survey), its parameter count derived by hand from the published config, and decoding with a
// cache that must reproduce the full pass (the localized-filtering state and document mask).
import { describe, expect, it } from "vitest";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import type { Value } from "../../src/compiler/ir/model.js";
import { IntTensor, ModelSession, randomSource, type Tensor } from "../../src/runtime/index.js";
import { params, printed, seedTree, ws } from "./zoo-helpers.js";

describe("print trees of the seed survey", () => {
  it("Yuan2-2B-hf: localized filtering convolutions and YuanRMSNorm()", () => {
    expect(printed("Yuan2-2B-hf")).toBe(seedTree("yuan2.txt"));
  });
});

describe("parameter counts", () => {
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
