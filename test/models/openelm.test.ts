// OpenELM (remote code): the module tree PyTorch printed for the real checkpoint (the seed
// survey), its published parameter count, and its layer-wise scaling of heads and FFN widths.
import { describe, expect, it } from "vitest";
import { configFor } from "../../src/compiler/pipeline.js";
import { params, preset, printed, seedTree } from "./zoo-helpers.js";

describe("print trees of the seed survey", () => {
  it("OpenELM-270M: per-layer heads and FFN widths, tab in the rotary repr", () => {
    expect(printed("OpenELM-270M")).toBe(seedTree("openelm.txt"));
  });
});

describe("parameter counts", () => {
  it("OpenELM-270M: the published count", () => {
    expect(params("OpenELM-270M")).toBe(271_527_168);
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
