// ChatGLM2/3 (remote code): the module tree PyTorch printed (the seed survey), the parameter
// count of the real checkpoints (derived by hand from the published config.json), the published
// config.json as `archc import` reads it, and the configurations the conformance fixtures do not
// reach: without multi-query groups or qkv bias, with LayerNorm and residuals after the norms.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { allWeights } from "../../src/compiler/elaborate/instance.js";
import { mapSource, randomSource, type Tensor, type WeightSource } from "../../src/runtime/index.js";
import { expectCachedDecodingMatches, expectListClose as expectClose, ids, model, params, seedTree, tinySessionWith as session, ws, expectImportsAsPreset } from "./zoo-helpers.js";

describe("ChatGLM2-6B print tree of the seed survey", () => {
  it("fused qkv 4096→4608, fused SwiGLU 4096→27392, RMSNorm() without size, output_layer inside the transformer", () => {
    expect(printModuleTree(model("chatglm2-6b").root)).toBe(seedTree("chatglm2.txt"));
  });
});

describe("parameter counts of the published checkpoints", () => {
  it("chatglm2-6b and chatglm3-6b: 6,243,584,000 (the stored rotary inv_freq buffer is not a parameter)", () => {
    // padded vocab 65024, hidden 4096, 28 layers, 32 heads of 128, 2 groups, ffn 13696, untied output
    const h = 4096;
    const perLayer = (h + 2 * 2 * 128) * (h + 1) + h * h + 2 * 13696 * h + 13696 * h + 2 * h;
    expect(2 * 65024 * h + 28 * perLayer + h).toBe(6_243_584_000);
    expect(params("chatglm2-6b")).toBe(6_243_584_000);
    expect(params("chatglm3-6b")).toBe(6_243_584_000);
  });
});

// The config.json files of the published checkpoints (auto_map left out), as `archc import` and
// `archc run` read them: model_type/architectures pick the .arch, every key is understood.
describe("published config.json files", () => {

  it("THUDM/chatglm2-6b: architectures ChatGLMModel loads ChatGLMForConditionalGeneration", () => {
    const r = expectImportsAsPreset(
      {
        _name_or_path: "THUDM/chatglm2-6b", model_type: "chatglm", architectures: ["ChatGLMModel"],
        add_bias_linear: false, add_qkv_bias: true, apply_query_key_layer_scaling: true, apply_residual_connection_post_layernorm: false,
        attention_dropout: 0.0, attention_softmax_in_fp32: true, bias_dropout_fusion: true, ffn_hidden_size: 13696,
        fp32_residual_connection: false, hidden_dropout: 0.0, hidden_size: 4096, kv_channels: 128, layernorm_epsilon: 1e-5,
        multi_query_attention: true, multi_query_group_num: 2, num_attention_heads: 32, num_layers: 28, original_rope: true,
        padded_vocab_size: 65024, post_layer_norm: true, rmsnorm: true, seq_length: 32768, use_cache: true, torch_dtype: "float16",
        transformers_version: "4.27.1", tie_word_embeddings: false, eos_token_id: 2, pad_token_id: 0,
      },
      "chatglm2-6b",
    );
    expect(r.root).toBe("ForConditionalGeneration");
  });
});

// ---- running other configurations (random weights)

function recordingSource(seed: number): { source: WeightSource; made: Map<string, Tensor> } {
  const base = randomSource(seed);
  const made = new Map<string, Tensor>();
  return { made, source: { ...base, make: (n, s) => { const t = base.make!(n, s); made.set(n, t); return t; } } };
}

const tokens = [5, 17, 3, 33, 8, 41, 29, 12, 60, 2, 71, 44, 9, 90];

describe("ChatGLM without multi-query attention", () => {
  it("query_key_value holds [q, k, v] per head: the same model as multi-query with one group per head and [Q | K | V] rows", async () => {
    // modeling_chatglm.py without multi_query_attention views the projection as [heads, 3 * head_dim]
    // and splits each head's slice into q, k, v; with it, rows are [Q (heads) | K (groups) | V (groups)].
    const { source, made } = recordingSource(11);
    const perHead = await session("ChatGLM", { mqa: false }, source);
    const a = perHead.forward({ input_ids: ids(tokens) }).output;
    const heads = 4;
    const hd = 8;
    const regroup = (t: Tensor, width: number): Tensor => {
      // per-head row block h·3hd + part·hd + r → part·heads·hd + h·hd + r
      const out = new Float32Array(t.data.length);
      for (let h = 0; h < heads; h++)
        for (let part = 0; part < 3; part++)
          for (let r = 0; r < hd; r++) {
            const from = (h * 3 * hd + part * hd + r) * width;
            out.set(t.data.subarray(from, from + width), (part * heads * hd + h * hd + r) * width);
          }
      return new (t.constructor as typeof Tensor)(out, [...t.shape]);
    };
    const blocked = new Map(
      [...made].map(([n, t]) => [n, n.endsWith("query_key_value.weight") ? regroup(t, t.shape[1]!) : n.endsWith("query_key_value.bias") ? regroup(t, 1) : t]),
    );
    const grouped = await session("ChatGLM", { mqa: true, groups: heads }, mapSource("regrouped", blocked));
    const b = grouped.forward({ input_ids: ids(tokens) }).output;
    expectClose(Array.from(a.data), Array.from(b.data), 1e-5);
  });

  it("without qkv bias, with LayerNorm, residuals after the norms and no final norm: builds, runs and decodes with a cache", async () => {
    const values = { qkv_bias: false, rmsnorm: false, residual_after_norm: true, post_norm: false };
    const m = modelFor(ws.archs.get("ChatGLM")!, "tiny", values);
    expect([...m.config.diagnostics, ...m.diagnostics]).toEqual([]);
    const weights = allWeights(m.root).map((w) => w.name);
    expect(weights).not.toContain("transformer.encoder.layers.0.self_attention.query_key_value.bias");
    expect(weights).toContain("transformer.encoder.layers.0.input_layernorm.bias");
    expect(weights.some((n) => n.includes("final_layernorm"))).toBe(false);
    expect(printModuleTree(m.root)).toContain("(input_layernorm): LayerNorm((32,), eps=1e-05, elementwise_affine=True)");
    const s = await session("ChatGLM", values, randomSource(3));
    expectCachedDecodingMatches(s, tokens, 9);
  });
});
