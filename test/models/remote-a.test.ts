// Remote-code families ChatGLM2/3, InternLM2, Qwen (v1) and Baichuan 2: the ChatGLM2 module
// tree PyTorch printed (the seed survey), parameter counts of the real checkpoints against
// published figures (each also derived by hand from the published config.json), the
// published config.json files as `archc import` reads them, and the configurations the
// conformance fixtures do not reach: ChatGLM without multi-query groups or qkv bias,
// Baichuan ALiBi with head counts that are not powers of two, Qwen past its trained length.
import { describe, expect, it } from "vitest";
import { configFor, modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { allWeights } from "../../src/compiler/elaborate/instance.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { configValues } from "../../src/cli/checkpoint.js";
import type { Value } from "../../src/compiler/ir/model.js";
import { ModelSession, mapSource, ops, randomSource, type Tensor, type WeightSource } from "../../src/runtime/index.js";
import { ids, model, params, preset, seedTree, ws } from "./zoo-helpers.js";

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

  it("internlm2-7b: 7,737,708,544", () => {
    // vocab 92544, hidden 4096, 32 layers, 32 heads / 8 KV heads of 128, ffn 14336, untied output
    const h = 4096;
    const perLayer = (32 + 2 * 8) * 128 * h + h * h + 3 * 14336 * h + 2 * h;
    expect(2 * 92544 * h + 32 * perLayer + h).toBe(7_737_708_544);
    expect(params("internlm2-7b")).toBe(7_737_708_544);
  });

  it("Qwen-7B: 7,721,324,544", () => {
    // vocab 151936, hidden 4096, 32 layers, c_attn with bias, intermediate_size 22016 = 2 x 11008
    const h = 4096;
    const perLayer = 3 * h * (h + 1) + h * h + 3 * 11008 * h + 2 * h;
    expect(2 * 151936 * h + 32 * perLayer + h).toBe(7_721_324_544);
    expect(params("Qwen-7B")).toBe(7_721_324_544);
  });

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
  const imported = (json: Record<string, unknown>) => configValues(ws, json, "config.json");
  const presetValues = (name: string) => configFor(preset(name).arch, name).values;
  const sameAsPreset = (json: Record<string, unknown>, name: string) => {
    const r = imported(json);
    expect(r.arch.name).toBe(preset(name).arch.name);
    const got = configFor(r.arch, undefined, r.values).values;
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(presetValues(name)));
    return r;
  };

  it("THUDM/chatglm2-6b: architectures ChatGLMModel loads ChatGLMForConditionalGeneration", () => {
    const r = sameAsPreset(
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

  it("internlm/internlm2-7b", () => {
    sameAsPreset(
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

  it("Qwen/Qwen-7B (Dec 2023 revision)", () => {
    sameAsPreset(
      {
        architectures: ["QWenLMHeadModel"], attn_dropout_prob: 0.0, bf16: false, emb_dropout_prob: 0.0, fp16: false, fp32: false,
        hidden_size: 4096, intermediate_size: 22016, initializer_range: 0.02, kv_channels: 128, layer_norm_epsilon: 1e-6,
        max_position_embeddings: 8192, model_type: "qwen", no_bias: true, num_attention_heads: 32, num_hidden_layers: 32,
        onnx_safe: null, rotary_emb_base: 10000, rotary_pct: 1.0, scale_attn_weights: true, seq_length: 8192,
        tie_word_embeddings: false, tokenizer_class: "QWenTokenizer", transformers_version: "4.32.0", use_cache: true,
        use_dynamic_ntk: true, use_flash_attn: "auto", use_logn_attn: true, vocab_size: 151936,
      },
      "Qwen-7B",
    );
  });

  const baichuan = {
    _from_model_config: true, architectures: ["BaichuanForCausalLM"], tokenizer_class: "BaichuanTokenizer", bos_token_id: 1,
    eos_token_id: 2, hidden_act: "silu", initializer_range: 0.02, model_max_length: 4096, model_type: "baichuan", pad_token_id: 0,
    rms_norm_eps: 1e-6, tie_word_embeddings: false, torch_dtype: "bfloat16", transformers_version: "4.29.2", use_cache: true,
    vocab_size: 125696, z_loss_weight: 0,
  };

  it("baichuan-inc/Baichuan2-7B-Base: max_position_embeddings present, so rotary positions", () => {
    const r = sameAsPreset({ ...baichuan, hidden_size: 4096, intermediate_size: 11008, max_position_embeddings: 4096, num_attention_heads: 32, num_hidden_layers: 32 }, "Baichuan2-7B-Base");
    expect(configFor(r.arch, undefined, r.values).values.get("alibi")).toBe(false);
  });

  it("baichuan-inc/Baichuan2-13B-Base: no max_position_embeddings, so ALiBi", () => {
    const r = sameAsPreset({ ...baichuan, gradient_checkpointing: false, hidden_size: 5120, intermediate_size: 13696, num_attention_heads: 40, num_hidden_layers: 40 }, "Baichuan2-13B-Base");
    expect(configFor(r.arch, undefined, r.values).values.get("alibi")).toBe(true);
  });
});

// ---- running other configurations (random weights)

async function session(archName: string, values: Record<string, Value>, source: WeightSource): Promise<ModelSession> {
  const arch = ws.archs.get(archName)!;
  const resolved = configFor(arch, "tiny", values);
  expect(resolved.diagnostics).toEqual([]);
  return new ModelSession(await loadArch(arch), Object.fromEntries(resolved.values) as Record<string, Value>, source);
}

/** Random weights, remembering every tensor handed out. */
function recordingSource(seed: number): { source: WeightSource; made: Map<string, Tensor> } {
  const base = randomSource(seed);
  const made = new Map<string, Tensor>();
  return { made, source: { ...base, make: (n, s) => { const t = base.make!(n, s); made.set(n, t); return t; } } };
}

function rows(t: Tensor, from: number, to: number): number[] {
  const v = t.shape[2]!;
  return Array.from(t.data.subarray(from * v, to * v));
}

function expectClose(a: number[], b: number[], tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b[i]!))));
  expect(worst).toBeLessThan(tol);
}

/** Prefill `split` tokens, then one token per call; every row must equal the full pass. */
function expectCachedDecodingMatches(s: ModelSession, tokens: number[], split: number): void {
  const full = s.forward({ input_ids: ids(tokens) }).output;
  const ctx = s.newContext(true);
  const pre = s.forward({ input_ids: ids(tokens.slice(0, split)) }, ctx).output;
  expectClose(rows(pre, 0, split), rows(full, 0, split));
  for (let i = split; i < tokens.length; i++) {
    const step = s.forward({ input_ids: ids([tokens[i]!]) }, ctx).output;
    expectClose(rows(step, 0, 1), rows(full, i, i + 1));
  }
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

describe("Qwen past its trained length (seq_length)", () => {
  it("NTK alpha = max(2^ceil(log2(L / n) + 1) - 1, 1) and the logn factor log(p) / log(n)", () => {
    expect([8, 9, 16, 17, 32, 33, 4].map((l) => ops.ntkAlpha(l, 8))).toEqual([1, 3, 3, 7, 7, 15, 1]);
    expect(ops.lognFactor(8, 8)).toBe(1);
    expect(ops.lognFactor(9, 8)).toBe(Math.fround(Math.log(9) / Math.log(8)));
  });

  const tiny = { context: 8 };
  const run = async (values: Record<string, Value>, xs: number[]) => (await session("Qwen", { ...tiny, ...values }, randomSource(9))).forward({ input_ids: ids(xs) }).output;

  it("within seq_length both tricks are inactive; past it logn changes only the later positions, NTK every position", async () => {
    const short = tokens.slice(0, 8);
    expectClose(Array.from((await run({}, short)).data), Array.from((await run({ dynamic_ntk: false, logn_attn: false }, short)).data), 1e-6);
    const plain = await run({ dynamic_ntk: false, logn_attn: false }, tokens);
    const logn = await run({ dynamic_ntk: false }, tokens);
    const both = await run({}, tokens);
    expectClose(rows(logn, 0, 8), rows(plain, 0, 8), 1e-6);
    expect(Math.max(...rows(logn, 8, 14).map((x, i) => Math.abs(x - rows(plain, 8, 14)[i]!)))).toBeGreaterThan(1e-3);
    expect(Math.max(...rows(both, 0, 8).map((x, i) => Math.abs(x - rows(logn, 0, 8)[i]!)))).toBeGreaterThan(1e-3);
  });

  it("decoding keeps the alpha of the prompt: equal to the full pass while alpha does not change", async () => {
    // 10 and 14 tokens at n = 8 both give alpha 3
    expectCachedDecodingMatches(await session("Qwen", tiny, randomSource(9)), tokens, 10);
  });

  it("decoding keeps the alpha of the prompt: a prompt within seq_length keeps plain RoPE while logn turns on", async () => {
    const s = await session("Qwen", tiny, randomSource(9));
    const ctx = s.newContext(true);
    s.forward({ input_ids: ids(tokens.slice(0, 8)) }, ctx);
    const noNtk = await run({ dynamic_ntk: false }, tokens);
    for (let i = 8; i < tokens.length; i++) {
      const step = s.forward({ input_ids: ids([tokens[i]!]) }, ctx).output;
      expectClose(rows(step, 0, 1), rows(noNtk, i, i + 1));
    }
  });
});

describe("InternLM2 packed wqkv", () => {
  it("decodes with a cache like the full pass (4 query heads over 2 KV groups)", async () => {
    expectCachedDecodingMatches(await session("InternLM2", {}, randomSource(4)), tokens, 5);
  });
});
