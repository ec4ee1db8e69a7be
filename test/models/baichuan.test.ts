// Baichuan 2 (remote code): parameter counts of the real checkpoints against published figures
// (each also derived by hand from the published config.json), the published config.json files
// as `archc import` reads them (rotary for 7B, ALiBi for 13B), and ALiBi with head counts that
// are not powers of two, which the conformance fixtures do not reach.
import { describe, expect, it } from "vitest";
import { configFor } from "../../src/compiler/pipeline.js";
import { ops, randomSource } from "../../src/runtime/index.js";
import { expectCachedDecodingMatches, expectListClose as expectClose, params, tinySessionWith as session, expectImportsAsPreset } from "./zoo-helpers.js";

describe("parameter counts of the published checkpoints", () => {
  it("Baichuan2-7B-Base: 7,505,973,248 and Baichuan2-13B-Base: 13,896,668,160", () => {
    const count = (h: number, layers: number, ffn: number) => 2 * 125696 * h + layers * (4 * h * h + 3 * ffn * h + 2 * h) + h;
    expect(count(4096, 32, 11008)).toBe(7_505_973_248);
    expect(count(5120, 40, 13696)).toBe(13_896_668_160);
    expect(params("Baichuan2-7B-Base")).toBe(7_505_973_248);
    expect(params("Baichuan2-13B-Base")).toBe(13_896_668_160);
  });
});

// The config.json files of the published checkpoints (auto_map left out), as `archc import` and
// `archc run` read them: model_type/architectures pick the .arch, every key is understood.
describe("published config.json files", () => {

  const baichuan = {
    _from_model_config: true, architectures: ["BaichuanForCausalLM"], tokenizer_class: "BaichuanTokenizer", bos_token_id: 1,
    eos_token_id: 2, hidden_act: "silu", initializer_range: 0.02, model_max_length: 4096, model_type: "baichuan", pad_token_id: 0,
    rms_norm_eps: 1e-6, tie_word_embeddings: false, torch_dtype: "bfloat16", transformers_version: "4.29.2", use_cache: true,
    vocab_size: 125696, z_loss_weight: 0,
  };

  it("baichuan-inc/Baichuan2-7B-Base: max_position_embeddings present, so rotary positions", () => {
    const r = expectImportsAsPreset({ ...baichuan, hidden_size: 4096, intermediate_size: 11008, max_position_embeddings: 4096, num_attention_heads: 32, num_hidden_layers: 32 }, "Baichuan2-7B-Base");
    expect(configFor(r.arch, undefined, r.values).values.get("alibi")).toBe(false);
  });

  it("baichuan-inc/Baichuan2-13B-Base: no max_position_embeddings, so ALiBi", () => {
    const r = expectImportsAsPreset({ ...baichuan, gradient_checkpointing: false, hidden_size: 5120, intermediate_size: 13696, num_attention_heads: 40, num_hidden_layers: 40 }, "Baichuan2-13B-Base");
    expect(configFor(r.arch, undefined, r.values).values.get("alibi")).toBe(true);
  });
});

// ---- running other configurations (random weights)

const tokens = [5, 17, 3, 33, 8, 41, 29, 12, 60, 2, 71, 44, 9, 90];

describe("Baichuan ALiBi for any head count", () => {
  // modeling_baichuan.py _get_interleave: powers of two get start·ratio^i with
  // start = ratio = 2^(-2^-(log2 n - 3)); otherwise the closest lower power of two c, then the
  // even-indexed slopes of 2c, n - c of them.
  const interleave = (n: number): number[] => {
    const pow2 = (m: number) => {
      const start = 2 ** -(2 ** -(Math.log2(m) - 3));
      return Array.from({ length: m }, (_, i) => start * start ** i);
    };
    if (Number.isInteger(Math.log2(n))) return pow2(n);
    const c = 2 ** Math.floor(Math.log2(n));
    return [...pow2(c), ...interleave(2 * c).filter((_, i) => i % 2 === 0).slice(0, n - c)];
  };

  it("slopes for 4, 6, 40 heads", () => {
    for (const n of [4, 6, 40]) {
      const got = Array.from(ops.alibiSlopes(n));
      expectClose(got, interleave(n).map(Math.fround), 1e-9);
    }
    expect(Array.from(ops.alibiSlopes(6))).toEqual([0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125]);
  });

  it("a 6-head ALiBi model and a rotary (7B-style) model decode with a cache like the full pass", async () => {
    expectCachedDecodingMatches(await session("Baichuan2", { heads: 6, d: 48 }, randomSource(5)), tokens, 6);
    expectCachedDecodingMatches(await session("Baichuan2", { rope_context: 64 }, randomSource(6)), tokens, 6);
  });
});
