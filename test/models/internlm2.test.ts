// InternLM2 (remote code): the parameter count of the real checkpoint (derived by hand from the
// published config.json), the published config.json as `archc import` reads it, and decoding
// with a cache through the packed wqkv projection.
import { describe, expect, it } from "vitest";
import { randomSource } from "../../src/runtime/index.js";
import { expectCachedDecodingMatches, params, tinySessionWith as session, expectImportsAsPreset } from "./zoo-helpers.js";

describe("parameter counts of the published checkpoints", () => {
  it("internlm2-7b: 7,737,708,544", () => {
    // vocab 92544, hidden 4096, 32 layers, 32 heads / 8 KV heads of 128, ffn 14336, untied output
    const h = 4096;
    const perLayer = (32 + 2 * 8) * 128 * h + h * h + 3 * 14336 * h + 2 * h;
    expect(2 * 92544 * h + 32 * perLayer + h).toBe(7_737_708_544);
    expect(params("internlm2-7b")).toBe(7_737_708_544);
  });
});

// The config.json files of the published checkpoints (auto_map left out), as `archc import` and
// `archc run` read them: model_type/architectures pick the .arch, every key is understood.
describe("published config.json files", () => {

  it("internlm/internlm2-7b", () => {
    expectImportsAsPreset(
      {
        architectures: ["InternLM2ForCausalLM"], attn_implementation: "eager", bias: false, bos_token_id: 1, eos_token_id: 2,
        hidden_act: "silu", hidden_size: 4096, initializer_range: 0.02, intermediate_size: 14336, max_position_embeddings: 32768,
        model_type: "internlm2", num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, pad_token_id: 2,
        rms_norm_eps: 1e-5, rope_scaling: { type: "dynamic", factor: 2.0 }, rope_theta: 1000000, tie_word_embeddings: false,
        torch_dtype: "bfloat16", transformers_version: "4.33.2", use_cache: true, vocab_size: 92544,
      },
      "internlm2-7b",
    );
  });
});

// ---- running other configurations (random weights)

const tokens = [5, 17, 3, 33, 8, 41, 29, 12, 60, 2, 71, 44, 9, 90];

describe("InternLM2 packed wqkv", () => {
  it("decodes with a cache like the full pass (4 query heads over 2 KV groups)", async () => {
    expectCachedDecodingMatches(await session("InternLM2", {}, randomSource(4)), tokens, 5);
  });
});
