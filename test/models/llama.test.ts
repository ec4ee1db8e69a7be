// Llama-architecture checkpoints (DeepSeek LLM and Coder, Yi, Skywork) against independent
// truth: parameter counts published for the checkpoints and re-derived by hand from their
// config.json files, and identities of RoPE scaling (linear and dynamic NTK).
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { configValues } from "../../src/cli/checkpoint.js";
import { ForwardContext, lang, ops, Tensor } from "../../src/runtime/index.js";
import { expectClose } from "../runtime/close.js";
import { configJsonSession as session, ids, itCountsPublishedParams, prompt, tinySizes, ws } from "./zoo-helpers.js";

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Each total is the size the model card or
  // release publishes (7B, 67B, 6.7B, 6B, 34B, 13B), pinned to the exact value its published config.json gives by
  // hand. With V vocab, d hidden, L layers, h·hd query and k·hd key/value widths, f ffn:
  //   Llama-style, untied:  2·V·d + L·(2·d·h·hd + 2·d·k·hd + 3·d·f + 2·d) + d
  //     deepseek-llm-7b-base     V 102400, d 4096, L 30, h = k = 32 × 128, f 11008
  //     deepseek-llm-67b-base    V 102400, d 8192, L 95, h 64, k 8 × 128, f 22016
  //     deepseek-coder-6.7b-base V 32256,  d 4096, L 32, h = k = 32 × 128, f 11008
  //     Yi-6B                    V 64000,  d 4096, L 32, h 32, k 4 × 128, f 11008
  //     Yi-34B                   V 64000,  d 7168, L 60, h 56, k 8 × 128, f 20480
  //     Skywork-13B-base         V 65519,  d 4608, L 52, h = k = 36 × 128, f 12288
  const published: [string, number][] = [
    ["deepseek-llm-7b-base", 6_910_365_696],
    ["deepseek-llm-67b-base", 67_425_001_472],
    ["deepseek-coder-6.7b-base", 6_740_512_768],
    ["Yi-6B", 6_061_035_520],
    ["Yi-34B", 34_388_917_248],
    ["Skywork-13B-base", 13_854_113_280],
  ];
  itCountsPublishedParams(published);
});

describe("RoPE scaling on Llama-family checkpoints", () => {
  const tinyLlama = (extra: Record<string, unknown>) => ({
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    ...tinySizes,
    num_hidden_layers: 2,
    max_position_embeddings: 8,
    rope_theta: 10000.0,
    ...extra,
  });

  it("reads rope_scaling.type (older configs) and rope_scaling.rope_type", () => {
    const v = (rs: unknown) => configValues(ws, tinyLlama({ rope_scaling: rs }), "config.json").values;
    expect(v({ type: "linear", factor: 4.0 })).toMatchObject({ rope_scaling: "linear", rope_factor: 4 });
    expect(v({ rope_type: "dynamic", factor: 2.0 })).toMatchObject({ rope_scaling: "dynamic", rope_factor: 2 });
    const coder = modelFor(ws.archs.get("Llama")!, "deepseek-coder-6.7b-base").config.values;
    expect([coder.get("rope_scaling"), coder.get("rope_factor"), coder.get("theta")]).toEqual(["linear", 4, 100000]);
  });

  it("linear: position p is rotated as position p / factor", () => {
    const ctx = new ForwardContext();
    ctx.begin(1, 8);
    const x = new Tensor(Float32Array.from({ length: 2 * 8 * 16 }, (_, i) => Math.sin(i * 0.37)), [1, 2, 8, 16]);
    const scaled = lang.rope(ctx, x, { theta: 10000, scaling: "linear", factor: 2 });
    for (let p = 0; p < 8; p += 2) {
      const row = ops.slice(x, 2, p, p + 1);
      const plain = ops.rope(row, Int32Array.of(p / 2), { theta: 10000, style: "rotate_half" });
      expectClose(ops.slice(scaled, 2, p, p + 1).data, plain.data, 1e-6);
    }
  });

  it("dynamic: unchanged up to max_position_embeddings, then θ·(f·L/max − (f − 1))^(D/(D−2))", async () => {
    const dynamic = await session(tinyLlama({ rope_scaling: { type: "dynamic", factor: 2.0 } }));
    const plain = await session(tinyLlama({}));
    const short = prompt.slice(0, 8);
    expect(dynamic.forward({ input_ids: ids(short) }).output.data).toEqual(plain.forward({ input_ids: ids(short) }).output.data);
    const L = prompt.length;
    const D = 8;
    const base = 10000 * Math.pow((2 * L) / 8 - 1, D / (D - 2));
    const rebased = await session(tinyLlama({ rope_theta: base }));
    const long = dynamic.forward({ input_ids: ids(prompt) }).output.data;
    expectClose(long, rebased.forward({ input_ids: ids(prompt) }).output.data, 1e-4, 1e-4);
    expect(long).not.toEqual(plain.forward({ input_ids: ids(prompt) }).output.data);
  });
});
