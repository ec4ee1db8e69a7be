// Qwen (v1, remote code): the parameter count of the real checkpoint (derived by hand from the
// published config.json), the published config.json as `archc import` reads it, and running
// past its trained length (dynamic NTK and logn attention), which the fixtures do not reach.
import { describe, expect, it } from "vitest";
import type { Value } from "../../src/compiler/ir/model.js";
import { ops, randomSource } from "../../src/runtime/index.js";
import {
  expectCachedDecodingMatches,
  expectListClose as expectClose,
  ids,
  params,
  rows,
  tinySessionWith as session,
  expectImportsAsPreset,
} from "./zoo-helpers.js";

describe("parameter counts of the published checkpoints", () => {
  it("Qwen-7B: 7,721,324,544", () => {
    // vocab 151936, hidden 4096, 32 layers, c_attn with bias, intermediate_size 22016 = 2 x 11008
    const h = 4096;
    const perLayer = 3 * h * (h + 1) + h * h + 3 * 11008 * h + 2 * h;
    expect(2 * 151936 * h + 32 * perLayer + h).toBe(7_721_324_544);
    expect(params("Qwen-7B")).toBe(7_721_324_544);
  });
});

// The config.json files of the published checkpoints (auto_map left out), as `archc import` and
// `archc run` read them: model_type/architectures pick the .arch, every key is understood.
describe("published config.json files", () => {

  it("Qwen/Qwen-7B (Dec 2023 revision)", () => {
    expectImportsAsPreset(
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
});

// ---- running other configurations (random weights)

const tokens = [5, 17, 3, 33, 8, 41, 29, 12, 60, 2, 71, 44, 9, 90];

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
