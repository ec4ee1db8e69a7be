// The Llama lineage (Llama presets, Mistral, Mixtral, Qwen2, Qwen2-MoE, Gemma, Gemma 2) against
// independent truth: PyTorch's printed module trees (shared/seed/trees), parameter counts
// published for the checkpoints and re-derived by hand from their config.json files, the
// parameter counts transformers reported for the conformance checkpoints, and properties that
// follow from the definitions (what a sliding window may see, identities of RoPE scaling and
// of top-k renormalisation, HF's rule for which Qwen2-MoE layers are sparse).
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { walkInstances } from "../../src/compiler/elaborate/instance.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { configValues } from "../../src/cli/checkpoint.js";
import { ForwardContext, IntTensor, lang, ModelSession, ops, randomSource, Tensor } from "../../src/runtime/index.js";
import { expectClose } from "../runtime/close.js";
import { ids, itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees, preset, ws } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["Mistral-7B-v0.1", "mistral.txt"],
    ["Qwen1.5-0.5B", "qwen2.txt"],
    ["Qwen1.5-MoE-A2.7B", "qwen2-moe.txt"],
    ["gemma-2b", "gemma.txt"],
  ]);
});

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Each total is the size the model card or
  // release publishes (7B, 67B, 6.7B, 6B, 34B, 13B, 7.24B, 46.7B, 141B, 0.5B, 0.5B, 7B,
  // 14.3B, 2B, 7B/8.5B, 9B), pinned to the exact value its published config.json gives by
  // hand. With V vocab, d hidden, L layers, h·hd query and k·hd key/value widths, f ffn:
  //   Llama-style, untied:  2·V·d + L·(2·d·h·hd + 2·d·k·hd + 3·d·f + 2·d) + d
  //     deepseek-llm-7b-base     V 102400, d 4096, L 30, h = k = 32 × 128, f 11008
  //     deepseek-llm-67b-base    V 102400, d 8192, L 95, h 64, k 8 × 128, f 22016
  //     deepseek-coder-6.7b-base V 32256,  d 4096, L 32, h = k = 32 × 128, f 11008
  //     Yi-6B                    V 64000,  d 4096, L 32, h 32, k 4 × 128, f 11008
  //     Yi-34B                   V 64000,  d 7168, L 60, h 56, k 8 × 128, f 20480
  //     Skywork-13B-base         V 65519,  d 4608, L 52, h = k = 36 × 128, f 12288
  //     Mistral-7B-v0.1          V 32000,  d 4096, L 32, h 32, k 8 × 128, f 14336
  //     Qwen2-7B (+ q/k/v biases h·hd + 2·k·hd per layer) V 152064, d 3584, L 28, h 28, k 4 × 128, f 18944
  //   Mixtral: the MLP is E experts of 3·d·f plus a d·E router; 8x7B as Mistral-7B with E 8,
  //     8x22B: V 32000, d 6144, L 56, h 48, k 8 × 128, f 16384, E 8
  //   tied (one V·d): Qwen1.5-0.5B (V 151936, d 1024, L 24, h = k = 16 × 64, f 2816, q/k/v biases),
  //     Qwen2-0.5B (V 151936, d 896, L 24, h 14, k 2 × 64, f 4864, q/k/v biases),
  //     gemma-2b (V 256000, d 2048, L 18, h 8, k 1 × 256, f 16384),
  //     gemma-7b (V 256000, d 3072, L 28, h = k = 16 × 256, f 24576),
  //     gemma-2-9b (V 256000, d 3584, L 42, h 16, k 8 × 256, f 14336, four norms per layer)
  //   Qwen1.5-MoE-A2.7B: untied V 151936, d 2048, L 24, h = k = 16 × 128 with q/k/v biases,
  //     60 experts of 3·d·1408, a shared expert of 3·d·5632, router d·60, shared gate d·1
  const published: [string, number][] = [
    ["deepseek-llm-7b-base", 6_910_365_696],
    ["deepseek-llm-67b-base", 67_425_001_472],
    ["deepseek-coder-6.7b-base", 6_740_512_768],
    ["Yi-6B", 6_061_035_520],
    ["Yi-34B", 34_388_917_248],
    ["Skywork-13B-base", 13_854_113_280],
    ["Mistral-7B-v0.1", 7_241_732_096],
    ["Mixtral-8x7B-v0.1", 46_702_792_704],
    ["Mixtral-8x22B-v0.1", 140_620_634_112],
    ["Qwen1.5-0.5B", 463_987_712],
    ["Qwen2-0.5B", 494_032_768],
    ["Qwen2-7B", 7_615_616_512],
    ["Qwen1.5-MoE-A2.7B", 14_315_784_192],
    ["gemma-2b", 2_506_172_416],
    ["gemma-7b", 8_537_680_896],
    ["gemma-2-9b", 9_241_705_984],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["mistral-tiny", "mixtral-tiny", "qwen2-tiny", "qwen2_moe-tiny", "gemma-tiny", "gemma2-tiny"]);
});

describe("MoE FLOPs per token count only the top-k experts", () => {
  // 2 × (every matrix a token passes through): attention, the router, k of the E experts
  // (and Qwen's shared expert and its gate), and the LM head; plus, for the token at position
  // 1000, its attention over 1000 keys: 2 · heads · 1000 · (head_dim for q·k + head_dim for p·v).
  const at = { context: 1000 };
  it("Mixtral-8x7B-v0.1: 2 experts of 8", () => {
    const [V, d, L, kv, f] = [32000, 4096, 32, 1024, 14336];
    const perLayer = 2 * d * d + 2 * d * kv + d * 8 + 2 * 3 * d * f;
    const ref = preset("Mixtral-8x7B-v0.1");
    expect(computeStats(modelFor(ref.arch, ref.preset), at).flopsPerToken).toBe(2 * (L * perLayer + V * d) + L * 2 * 32 * 1000 * (128 + 128));
  });
  it("Qwen1.5-MoE-A2.7B: 4 experts of 60 plus the shared expert", () => {
    const [V, d, L] = [151936, 2048, 24];
    const perLayer = 4 * d * d + d * 60 + 4 * 3 * d * 1408 + 3 * d * 5632 + d;
    const ref = preset("Qwen1.5-MoE-A2.7B");
    expect(computeStats(modelFor(ref.arch, ref.preset), at).flopsPerToken).toBe(2 * (L * perLayer + V * d) + L * 2 * 16 * 1000 * (128 + 128));
  });
});

// ---- runnable tiny models with random weights, configured from config.json dictionaries

async function session(config: Record<string, unknown>, seed = 7): Promise<ModelSession> {
  const { arch, root, values } = configValues(ws, config, "config.json");
  return new ModelSession(await loadArch(arch), values, randomSource(seed), root);
}

/** Logits of the last position after a full pass over `xs`. */
function lastLogits(s: ModelSession, xs: number[]): Float32Array {
  const { output } = s.forward({ input_ids: ids(xs) });
  const v = output.shape[2]!;
  return output.data.slice((xs.length - 1) * v, xs.length * v);
}

// The sizes of every tiny config.json below: 64 tokens, width 32, 4 query heads over 2 KV heads.
const tinySizes = {
  vocab_size: 64,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 1,
  num_attention_heads: 4,
  num_key_value_heads: 2,
};

const tinyMistral = (extra: Record<string, unknown>) => ({
  architectures: ["MistralForCausalLM"],
  model_type: "mistral",
  ...tinySizes,
  max_position_embeddings: 64,
  ...extra,
});

const prompt = [5, 17, 33, 2, 61, 40, 9, 28, 50, 13, 44, 7];
const swap = (xs: number[], i: number) => xs.map((x, j) => (j === i ? (x + 11) % 64 : x));

describe("sliding-window attention", () => {
  it("a query sees only the last `sliding_window` keys (itself included) in the full pass", async () => {
    // One layer: the last position depends on tokens n-3, n-2, n-1 and on nothing before.
    const s = await session(tinyMistral({ sliding_window: 3 }));
    const n = prompt.length;
    const base = lastLogits(s, prompt);
    for (let i = 0; i < n - 3; i++) expect(lastLogits(s, swap(prompt, i))).toEqual(base);
    for (let i = n - 3; i < n; i++) expect(lastLogits(s, swap(prompt, i))).not.toEqual(base);
  });

  it("decoding from the KV cache past the window gives the full pass's logits", async () => {
    const s = await session(tinyMistral({ sliding_window: 3, num_hidden_layers: 2 }));
    const ctx = s.newContext(true);
    s.forward({ input_ids: ids(prompt.slice(0, 4)) }, ctx);
    for (let t = 4; t < prompt.length; t++) {
      const { output } = s.forward({ input_ids: ids([prompt[t]!]) }, ctx);
      expectClose(output.data, lastLogits(s, prompt.slice(0, t + 1)), 1e-5, 1e-5);
    }
    // Long enough for the cache to drop positions no query can see any more.
    const long = Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 64);
    const c2 = s.newContext(true);
    s.forward({ input_ids: ids(long.slice(0, 4)) }, c2);
    for (let t = 4; t < long.length; t++) {
      const { output } = s.forward({ input_ids: ids([long[t]!]) }, c2);
      if (t === 150 || t === long.length - 1) expectClose(output.data, lastLogits(s, long.slice(0, t + 1)), 1e-5, 1e-5);
    }
    expect([...c2.kv.values()].every((e) => (e as unknown as { start: number }).start > 0)).toBe(true);
    // Past the window, a token that left it no longer matters to a one-layer model.
    const one = await session(tinyMistral({ sliding_window: 3 }));
    const cached = (xs: number[]) => {
      const c = one.newContext(true);
      one.forward({ input_ids: ids(xs.slice(0, 5)) }, c);
      let out = new Float32Array();
      for (let t = 5; t < xs.length; t++) out = one.forward({ input_ids: ids([xs[t]!]) }, c).output.data;
      return out;
    };
    expect(cached(swap(prompt, 2))).toEqual(cached(prompt));
  });

  it("sliding_window: null in config.json means full causal attention", async () => {
    const { values } = configValues(ws, tinyMistral({ sliding_window: null }), "config.json");
    expect(values.window).toBeNull();
    const s = await session(tinyMistral({ sliding_window: null }));
    expect(lastLogits(s, swap(prompt, 0))).not.toEqual(lastLogits(s, prompt));
  });

  it("Qwen2 slides only with use_sliding_window, on layers from max_window_layers on", async () => {
    const qwen = (extra: Record<string, unknown>) => ({
      ...tinyMistral({ sliding_window: 3 }),
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      ...extra,
    });
    const windowed = await session(qwen({ use_sliding_window: true, max_window_layers: 0 }));
    expect(lastLogits(windowed, swap(prompt, 0))).toEqual(lastLogits(windowed, prompt));
    for (const full of [qwen({ use_sliding_window: true, max_window_layers: 1 }), qwen({ use_sliding_window: false, max_window_layers: 0 })]) {
      const s = await session(full);
      expect(lastLogits(s, swap(prompt, 0))).not.toEqual(lastLogits(s, prompt));
    }
  });
});

describe("Gemma 2", () => {
  const tinyGemma2 = (extra: Record<string, unknown>) => ({
    architectures: ["Gemma2ForCausalLM"],
    model_type: "gemma2",
    ...tinySizes,
    head_dim: 8,
    query_pre_attn_scalar: 12,
    sliding_window: 3,
    final_logit_softcapping: 2.5,
    attn_logit_softcapping: 20.0,
    max_position_embeddings: 64,
    ...extra,
  });

  it("a local layer's window is causal: no future token and nothing older than the window is seen", async () => {
    // (transformers' own mask at the fixtures' commit un-masked future keys on these layers.)
    const s = await session(tinyGemma2({ layer_types: ["sliding_attention"] }));
    const n = prompt.length;
    const at = (xs: number[], i: number) => s.forward({ input_ids: ids(xs) }).output.data.slice(i * 64, (i + 1) * 64);
    const i = 6;
    const base = at(prompt, i);
    for (let j = 0; j < n; j++) {
      const seen = j > i - 3 && j <= i;
      if (seen) expect(at(swap(prompt, j), i)).not.toEqual(base);
      else expect(at(swap(prompt, j), i)).toEqual(base);
    }
  });

  it("a global layer sees the whole prefix; by default layer 0 is global and layer 1 local", async () => {
    const s = await session(tinyGemma2({ layer_types: ["full_attention"] }));
    expect(lastLogits(s, swap(prompt, 0))).not.toEqual(lastLogits(s, prompt));
    const { values } = configValues(ws, tinyGemma2({ num_hidden_layers: 2 }), "config.json");
    const m = modelFor(ws.archs.get("Gemma2")!, undefined, values);
    expect(m.config.values.get("layer_types")).toEqual(["full_attention", "sliding_attention"]);
  });

  it("final logits are soft-capped to (-cap, cap)", async () => {
    const s = await session(tinyGemma2({}));
    const { output } = s.forward({ input_ids: ids(prompt) });
    for (const v of output.data) expect(Math.abs(v)).toBeLessThan(2.5);
  });
});

describe("Gemma", () => {
  it("hidden_act is ignored: a null or absent hidden_activation means the tanh GELU", () => {
    const cfg = { architectures: ["GemmaForCausalLM"], model_type: "gemma", hidden_act: "gelu", head_dim: 8, hidden_size: 32, num_attention_heads: 4 };
    const act = (extra: Record<string, unknown>) => {
      const { values } = configValues(ws, { ...cfg, ...extra }, "config.json");
      return modelFor(ws.archs.get("Gemma")!, undefined, values).config.values.get("act");
    };
    expect(act({})).toBe("gelu_pytorch_tanh");
    expect(act({ hidden_activation: null })).toBe("gelu_pytorch_tanh");
    expect(act({ hidden_activation: "gelu" })).toBe("gelu");
  });

  it("scales embeddings by sqrt(hidden_size) rounded to float32", () => {
    const m = modelFor(ws.archs.get("Gemma")!, "gemma-2b");
    expect(m.config.values.get("embed_scale")).toBe(Math.fround(Math.sqrt(2048)));
  });
});

describe("Qwen2-MoE", () => {
  const tinyMoe = (extra: Record<string, unknown>) => ({
    architectures: ["Qwen2MoeForCausalLM"],
    model_type: "qwen2_moe",
    ...tinySizes,
    moe_intermediate_size: 16,
    shared_expert_intermediate_size: 40,
    num_experts: 4,
    num_experts_per_tok: 2,
    num_hidden_layers: 2,
    ...extra,
  });

  it("a layer is sparse iff it is not in mlp_only_layers and (layer + 1) % decoder_sparse_step == 0", () => {
    const { values } = configValues(ws, tinyMoe({ num_hidden_layers: 6, decoder_sparse_step: 2, mlp_only_layers: [3] }), "config.json");
    const m = modelFor(ws.archs.get("Qwen2Moe")!, undefined, values);
    const mlp = new Map([...walkInstances(m.root)].filter((x) => /^model\.layers\.\d+\.mlp$/.test(x.path)).map((x) => [x.path, x.className]));
    expect([0, 1, 2, 3, 4, 5].map((i) => mlp.get(`model.layers.${i}.mlp`))).toEqual([
      "Qwen2MoeMLP", "Qwen2MoeSparseMoeBlock", "Qwen2MoeMLP", "Qwen2MoeMLP", "Qwen2MoeMLP", "Qwen2MoeSparseMoeBlock",
    ]);
  });

  // shared/conformance/README.md names them router_logits.<layer>: numbered by layer, not by occurrence.
  it("emits router logits [B*T, E] for the sparse layers only, named by their layer", async () => {
    const routerNames = async (extra: Record<string, unknown>) => {
      const s = await session(tinyMoe(extra));
      const { emitted } = s.forward({ input_ids: new IntTensor(Int32Array.from([...prompt, ...prompt]), [2, prompt.length]) });
      for (const [k, t] of emitted) if (k.startsWith("router_logits.")) expect(t.shape).toEqual([2 * prompt.length, 4]);
      return [...emitted.keys()].filter((k) => k.startsWith("router_logits.")).sort();
    };
    // Layer 1 dense (mlp_only_layers): sparse layers 0 and 2.
    expect(await routerNames({ num_hidden_layers: 3, mlp_only_layers: [1] })).toEqual(["router_logits.0", "router_logits.2"]);
    // decoder_sparse_step 2 over 5 layers: (i + 1) % 2 == 0 at layers 1 and 3.
    expect(await routerNames({ num_hidden_layers: 5, decoder_sparse_step: 2 })).toEqual(["router_logits.1", "router_logits.3"]);
  });

  it("norm_topk_prob renormalises the top-k gates: a no-op when k = E, a change when k < E", async () => {
    const run = async (k: number, norm: boolean) => lastLogits(await session(tinyMoe({ num_experts_per_tok: k, norm_topk_prob: norm })), prompt);
    expectClose(await run(4, true), await run(4, false), 1e-5, 1e-5);
    expect(await run(1, true)).not.toEqual(await run(1, false));
  });
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
