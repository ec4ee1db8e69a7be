// The diff across families: modules aligned by role, hyperparameters by meaning, the layers
// compared in words and a plain summary. Expectations are written from the published
// architectures (the HF modelling code of each family), not from the diff's output.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadWorkspace, findPreset } from "../../src/compiler/workspace.js";
import { modelFor } from "../../src/compiler/pipeline.js";
import { anatomyOf, diffModels, layerDrawing, renderHtml, renderJson, renderMarkdown, renderText, type DiffReport } from "../../src/compiler/diff/index.js";

const ws = loadWorkspace([]);
const cache = new Map<string, DiffReport>();

function diffPresets(a: string, b: string): DiffReport {
  const key = `${a}|${b}`;
  if (!cache.has(key)) {
    const ra = findPreset(ws, a);
    const rb = findPreset(ws, b);
    if (!ra || !rb) throw new Error(`missing preset ${!ra ? a : b}`);
    cache.set(key, diffModels(modelFor(ra.arch, ra.preset), modelFor(rb.arch, rb.preset), [a, b]));
  }
  return cache.get(key)!;
}

const layer = (r: DiffReport) => Object.fromEntries(r.layer.map((l) => [l.aspect, [l.shortA, l.shortB]]));
const names = (r: DiffReport) => Object.fromEntries(r.names.map((n) => [n.role, [n.a, n.b]]));

describe("Falcon-7B → Llama-2-7B", () => {
  const r = () => diffPresets("falcon-7b", "Llama-2-7b-hf");

  it("names the real differences and nothing else besides sizes", () => {
    // Falcon-7B: attention and MLP in parallel from input_layernorm (LayerNorm), a fused
    // multi-query query_key_value, a GELU MLP, the head tied to the embeddings. Llama-2:
    // sequential pre-norm with two RMSNorms, separate q/k/v with 32 kv heads, a gated SiLU
    // MLP, an untied head.
    expect(layer(r())).toEqual({
      residual: ["parallel residual", "sequential residual"],
      norm: ["LayerNorm", "RMSNorm"],
      "qkv projection": ["fused qkv projection", "separate q, k, v projections"],
      mlp: ["GELU MLP", "gated SiLU MLP"],
    });
    expect(r().summary).toEqual([
      "sequential residual instead of parallel",
      "RMSNorm instead of LayerNorm",
      "separate q, k, v projections instead of fused qkv projection",
      "gated SiLU MLP instead of GELU",
      "32 kv heads instead of 1",
      "untied head instead of tied",
    ]);
    // Sizes: 4544 = 71 · 64 wide, 18176 = 4 · 4544 MLP, 2048 positions, 65024 tokens; one
    // key/value head (multi_query) against num_key_value_heads 32; FalconConfig's activation
    // "gelu" against Llama's hidden_act "silu".
    expect(Object.fromEntries(r().hyperparameters.map((h) => [h.key, [h.a, h.b]]))).toEqual({
      activation: ["gelu", "silu"],
      num_key_value_heads: ["1", "32"],
      hidden_size: ["4544", "4096"],
      intermediate_size: ["18176", "11008"],
      head_dim: ["64", "128"],
      max_position_embeddings: ["2048", "4096"],
      num_attention_heads: ["71", "32"],
      vocab_size: ["65024", "32000"],
      tie_word_embeddings: ["true", "false"],
    });
    // The attention op: only head counts and the kind they make.
    expect(r().attributes.map((a) => `${a.op}.${a.attr}: ${a.a} → ${a.b}`).sort()).toEqual([
      "attention.head_dim: 64 → 128",
      "attention.heads: 71 → 32",
      "attention.kind: MQA → MHA",
      "attention.kv_heads: 1 → 32",
    ]);
    // Structure: the tying, and the bias the final LayerNorm has and an RMSNorm does not.
    expect(r().structure.map((s) => `${s.change} ${s.path}`).sort()).toEqual(["changed (weights)", "removed transformer.ln_f.bias"]);
  });

  it("aligns the modules by role and shows both names once", () => {
    expect(names(r())).toMatchObject({
      backbone: ["transformer", "model"],
      layers: ["transformer.h", "model.layers"],
      "layers.*.attention": ["self_attention", "self_attn"],
      token_embedding: ["transformer.word_embeddings", "model.embed_tokens"],
    });
  });

  it("describes the layers' dataflow and the fused rows", () => {
    const byAspect = Object.fromEntries(r().layer.map((l) => [l.aspect, l]));
    expect(byAspect.residual!.a).toBe("attention and MLP in parallel from one LayerNorm; one residual add");
    expect(byAspect.residual!.b).toBe("attention, then MLP, each after its own RMSNorm; two residual adds");
    // One kv group: 71 query heads of 64 rows, then one key head and one value head.
    expect(byAspect["qkv projection"]!.a).toBe("fused query_key_value: rows q 0–4544, k 4544–4608, v 4608–4672");
    expect(byAspect["qkv projection"]!.b).toBe("separate q_proj, k_proj, v_proj");
  });
});

describe("BERT → GPT-2", () => {
  const r = () => diffPresets("bert-base-uncased", "gpt2");

  it("names bidirectional → causal and post-norm → pre-norm", () => {
    expect(r().summary).toContain("causal attention instead of bidirectional");
    expect(r().summary).toContain("pre-norm instead of post-norm");
    expect(r().attributes.find((a) => a.attr === "causal")).toMatchObject({ a: "false", b: "true" });
    // Both run attention then MLP; only where the norms sit differs.
    expect(layer(r())["norm placement"]).toEqual(["post-norm", "pre-norm"]);
    expect(layer(r()).residual).toBeUndefined();
  });

  it("hyperparameters by meaning: one row per concept, renamed keys noted, equal values hidden", () => {
    const h = Object.fromEntries(r().hyperparameters.map((x) => [x.name, x]));
    // d, heads and n_layers are equal (768, 12, 12) under different keys: no rows.
    expect(h.d).toBeUndefined();
    expect(h.heads).toBeUndefined();
    expect(h.n_layers).toBeUndefined();
    expect(h.context).toMatchObject({ a: "512", b: "1024", keys: { a: "max_position_embeddings", b: "n_positions" } });
    expect(h.eps).toMatchObject({ a: "1e-12", b: "1e-05" });
  });
});

describe("Llama-2-7B → Phi-3-mini (fused gate/up)", () => {
  const r = () => diffPresets("Llama-2-7b-hf", "Phi-3-mini-4k-instruct");

  it("names Phi-3's gate_up_proj as one matrix split into gate and up rows", () => {
    // Phi-3-mini: intermediate_size 8192, gate_up_proj is Linear(3072, 2 · 8192) chunked in two.
    expect(r().layer.find((l) => l.aspect === "mlp projection")).toMatchObject({ a: "separate gate_proj, up_proj", b: "fused gate_up_proj: rows gate 0–8192, up 8192–16384" });
    expect(r().summary).toContain("fused gate/up projection instead of separate gate and up projections");
    // Described by the layer row, not as a gate projection of another shape.
    expect(r().structure.map((x) => x.path).filter((p) => /gate/.test(p))).toEqual([]);
  });

  it("says nothing of gate/up layout against a plain MLP (Falcon's GELU MLP): the mlp row says it", () => {
    expect(Object.keys(layer(diffPresets("Llama-2-7b-hf", "falcon-7b")))).not.toContain("mlp projection");
  });
});

describe("Mixtral → DBRX (fused experts)", () => {
  const r = () => diffPresets("Mixtral-8x7B-v0.1", "dbrx-instruct");

  it("reads DBRX's fused expert block as 16 gated SiLU experts, as Mixtral's 8: no MLP row", () => {
    // DBRX's ExpertGLU computes silu(x w1ᵀ) · (x v1ᵀ) then w2 for one expert: a gated SiLU MLP.
    expect(layer(r()).mlp).toBeUndefined();
    expect(r().summary).toEqual(expect.arrayContaining(["16 experts instead of 8", "top-4 instead of top-2", "fused qkv projection instead of separate q, k, v projections"]));
  });

  it("normalize = 1 (an L1 norm of softmax gates) renormalises as Mixtral's does: no row, no clause", () => {
    expect(r().attributes.filter((a) => a.attr === "normalize")).toEqual([]);
    expect(r().summary.join("; ")).not.toMatch(/top-k weights/);
  });
});

describe("Mixtral → Qwen1.5-MoE", () => {
  const r = () => diffPresets("Mixtral-8x7B-v0.1", "Qwen1.5-MoE-A2.7B");

  it("names the shared expert with its sigmoid gate, top-k 2 → 4, renormalised → raw weights", () => {
    expect(r().summary).toEqual(expect.arrayContaining(["shared expert with sigmoid gate", "top-4 instead of top-2", "raw top-k weights instead of renormalised"]));
    expect(layer(r())["shared expert"]).toEqual(["no shared expert", "shared expert with sigmoid gate"]);
    // Both route to gated SiLU experts from two pre-norms: the layers are otherwise alike.
    expect(Object.keys(layer(r()))).toEqual(["shared expert"]);
  });

  it("aligns the MoE blocks and the experts' projections by role", () => {
    expect(names(r())).toEqual({
      "layers.*.mlp": ["block_sparse_moe", "mlp"],
      "layers.*.mlp.experts.*.gate": ["w1", "gate_proj"],
      "layers.*.mlp.experts.*.up": ["w3", "up_proj"],
      "layers.*.mlp.experts.*.down": ["w2", "down_proj"],
    });
  });
});

describe("hyperparameters by where they flow in the checked model", () => {
  const rows = (r: DiffReport) => r.hyperparameters;
  const row = (r: DiffReport, name: string) => rows(r).find((h) => h.name === name || h.name.split(" ~ ").includes(name));

  it("Falcon's derived kv and Llama's kv_heads both size attention's key/value heads: one row 1 → 32", () => {
    // falcon-7b: multi_query, so kv = 1; Llama-2-7b: num_key_value_heads = 32.
    const r = diffPresets("falcon-7b", "Llama-2-7b-hf");
    const kv = rows(r).filter((h) => h.a === "1" || /kv/.test(h.name));
    expect(kv).toEqual([{ key: "num_key_value_heads", name: "kv ~ kv_heads", a: "1", b: "32", keys: { a: "derived", b: "num_key_value_heads" }, meaning: "kv heads" }]);
    // Falcon's own num_kv_heads (null here) only feeds kv: it is no row of its own.
    expect(rows(r).some((h) => h.a === "none" || h.b === "none")).toBe(false);
  });

  it("GPT-2 medium → Llama-2-7b: one row per concept, the config key rename noted, equal values hidden", () => {
    // GPT-2 medium: n_embd 1024, n_layer 24, n_head 16, eps 1e-5, head_dim = 1024 / 16 = 64 (a let).
    // Llama-2-7b: hidden_size 4096, num_hidden_layers 32, num_attention_heads 32, rms_norm_eps 1e-5, head_dim 128.
    const r = diffPresets("gpt2-medium", "Llama-2-7b-hf");
    expect(row(r, "heads")).toMatchObject({ a: "16", b: "32", keys: { a: "n_head", b: "num_attention_heads" }, meaning: "attention heads" });
    expect(row(r, "d")).toMatchObject({ a: "1024", b: "4096", keys: { a: "n_embd", b: "hidden_size" } });
    expect(row(r, "n_layers")).toMatchObject({ a: "24", b: "32", keys: { a: "n_layer", b: "num_hidden_layers" }, meaning: "layers.count" });
    expect(row(r, "head_dim")).toMatchObject({ a: "64", b: "128", keys: { a: "derived", b: "head_dim" } });
    expect(row(r, "eps")).toBeUndefined();
    const names = rows(r).flatMap((h) => h.name.split(" ~ "));
    expect(new Set(names).size).toBe(names.length);
    for (const h of rows(r)) expect([h.a, h.b], h.name).not.toContain("absent");
  });

  it("a bias flag pairs by the projections it switches (falcon-rw-1b's bias, Llama's attention_bias)", () => {
    // falcon-rw-1b: bias = true on every Linear; Llama-2: attention_bias = false.
    expect(row(diffPresets("falcon-rw-1b", "Llama-2-7b-hf"), "attn_bias")).toMatchObject({ name: "bias ~ attn_bias", a: "true", b: "false", keys: { a: "bias", b: "attention_bias" } });
  });

  it("BERT's and GPT-2's eps pair as the norms' eps", () => {
    expect(row(diffPresets("bert-base-uncased", "gpt2"), "eps")).toMatchObject({ a: "1e-12", b: "1e-05", meaning: "norm.eps" });
  });

  it("RWKV-5's derived head count pairs with T5's num_heads through the token-mixing op", () => {
    // rwkv-5-world-3b: heads = attention_hidden_size / head_size = 2560 / 64 = 40; t5-small: num_heads 8.
    expect(row(diffPresets("rwkv-5-world-3b", "t5-small"), "heads")).toMatchObject({ a: "40", b: "8", keys: { a: "derived", b: "num_heads" }, meaning: "attention heads" });
  });

  it("the same name with different meanings is no row (T5's inner is attention's width, GPT-2's n_inner the MLP's)", () => {
    expect(row(diffPresets("t5-small", "gpt2"), "inner")).toBeUndefined();
  });
});

describe("T5's sublayer lists align by role", () => {
  // HF T5Block.layer: [T5LayerSelfAttention, T5LayerFF] in the encoder and [T5LayerSelfAttention,
  // T5LayerCrossAttention, T5LayerFF] in the decoder, each item a norm, its sublayer and a residual add.
  const roles = () => {
    const r = findPreset(ws, "t5-small")!;
    return anatomyOf(modelFor(r.arch, r.preset)).roles;
  };

  it("gives each item of T5's layer list a role path of its own, in both stacks", () => {
    expect(Object.fromEntries([...roles()].filter(([k]) => /\.layer\.\d(\.(SelfAttention|EncDecAttention|DenseReluDense|layer_norm))?$/.test(k)))).toEqual({
      "encoder.block.*.layer.0": "layers.*.attention_sublayer",
      "encoder.block.*.layer.0.SelfAttention": "layers.*.attention",
      "encoder.block.*.layer.0.layer_norm": "layers.*.attention_norm",
      "encoder.block.*.layer.1": "layers.*.mlp_sublayer",
      "encoder.block.*.layer.1.DenseReluDense": "layers.*.mlp",
      "encoder.block.*.layer.1.layer_norm": "layers.*.mlp_norm",
      "decoder.block.*.layer.0": "decoder_layers.*.attention_sublayer",
      "decoder.block.*.layer.0.SelfAttention": "decoder_layers.*.attention",
      "decoder.block.*.layer.0.layer_norm": "decoder_layers.*.attention_norm",
      "decoder.block.*.layer.1": "decoder_layers.*.cross_attention_sublayer",
      "decoder.block.*.layer.1.EncDecAttention": "decoder_layers.*.cross_attention",
      "decoder.block.*.layer.1.layer_norm": "decoder_layers.*.cross_attention_norm",
      "decoder.block.*.layer.2": "decoder_layers.*.mlp_sublayer",
      "decoder.block.*.layer.2.DenseReluDense": "decoder_layers.*.mlp",
      "decoder.block.*.layer.2.layer_norm": "decoder_layers.*.mlp_norm",
    });
  });

  it("T5 → GPT-2: attention, MLP and both norms pair with GPT-2's, no per-item rows", () => {
    const r = diffPresets("t5-small", "gpt2");
    expect(names(r)).toMatchObject({
      "layers.*.attention": ["layer.0.SelfAttention", "attn"],
      "layers.*.attention_norm": ["layer.0.layer_norm", "ln_1"],
      "layers.*.mlp": ["layer.1.DenseReluDense", "mlp"],
      "layers.*.mlp_norm": ["layer.1.layer_norm", "ln_2"],
    });
    expect(r.structure.filter((s) => s.path.startsWith("encoder.block"))).toEqual([
      // GPT-2 has no relative-position table: T5's first layer's, whose bias every layer uses.
      { path: "encoder.block.*.layer.0.SelfAttention.relative_attention_bias", change: "removed", a: "Embedding" },
    ]);
  });

  it("T5 → GPT-2: both heads tied to the token embedding, so no tying clause in the summary", () => {
    // T5 (v1.0) ties lm_head, encoder and decoder embed_tokens to `shared`; GPT-2 ties lm_head to wte.
    const r = diffPresets("t5-small", "gpt2");
    expect(r.summary.filter((c) => /tied/.test(c))).toEqual([]);
    expect(r.structure.some((s) => s.path === "(weights)")).toBe(true);
  });

  it("T5 → T5 v1.1: the gated MLP's up projection is wi_1 in both stacks, and only the head is untied", () => {
    const r = diffPresets("t5-small", "t5-v1_1-small");
    expect(names(r)).toEqual({ "layers.*.mlp.up": ["wi", "wi_1"], "decoder_layers.*.mlp.up": ["wi", "wi_1"] });
    expect(r.summary).toEqual(["gated GELU (tanh) MLP instead of ReLU", "untied head instead of tied"]);
  });
});

describe("an encoder-decoder's second stack", () => {
  // HF T5ForConditionalGeneration: shared → encoder (embed_tokens, block[N], final_layer_norm) and
  // decoder (embed_tokens, block[N] with T5LayerCrossAttention's EncDecAttention q/k/v/o,
  // final_layer_norm) → lm_head. Only block[0] of each stack holds relative_attention_bias.
  const roles = () => {
    const r = findPreset(ws, "t5-small")!;
    return anatomyOf(modelFor(r.arch, r.preset)).roles;
  };

  it("gives cross-attention's projections, the decoder's embedding and final norm roles", () => {
    expect(Object.fromEntries([...roles()].filter(([k]) => /EncDecAttention\.|^decoder\.(embed_tokens|final_layer_norm)$|^encoder\.final_layer_norm$|^decoder$/.test(k)))).toEqual({
      "decoder.block.*.layer.1.EncDecAttention.q": "decoder_layers.*.cross_attention.q",
      "decoder.block.*.layer.1.EncDecAttention.k": "decoder_layers.*.cross_attention.k",
      "decoder.block.*.layer.1.EncDecAttention.v": "decoder_layers.*.cross_attention.v",
      "decoder.block.*.layer.1.EncDecAttention.o": "decoder_layers.*.cross_attention.o",
      decoder: "decoder",
      "decoder.embed_tokens": "decoder_token_embedding",
      "encoder.final_layer_norm": "final_norm",
      "decoder.final_layer_norm": "decoder_final_norm",
    });
  });

  it("T5 → BERT: one stack instead of two, stated once, the decoder one row", () => {
    const r = diffPresets("t5-small", "bert-base-uncased");
    expect(layer(r).stacks).toEqual(["encoder and decoder stacks", "one stack"]);
    expect(r.summary[0]).toBe("one stack instead of encoder and decoder stacks");
    expect(r.structure.filter((s) => s.path.startsWith("decoder"))).toEqual([{ path: "decoder", change: "removed", a: "T5Stack" }]);
    // No decoder rows of any aspect: BERT has no decoder to compare with.
    expect(r.layer.filter((l) => l.aspect.startsWith("decoder "))).toEqual([]);
  });

  it("T5 → T5 v1.1: the decoder's MLP change is the encoder's, so stated once; no per-block rows", () => {
    const r = diffPresets("t5-small", "t5-v1_1-small");
    expect(layer(r)).toEqual({ mlp: ["ReLU MLP", "gated GELU (tanh) MLP"] });
    // Blocks 1.. lack block 0's relative_attention_bias only: no row names a concrete block.
    const text = JSON.stringify(r);
    expect(text).not.toMatch(/block\.[1-9]/);
    // The decoder's activation is compared as the layer's mlp aspect, like the encoder's.
    expect(r.structure.map((s) => s.path)).toEqual(["(root)", "(weights)"]);
  });

  it("states which modules only the first layer holds once per stack", () => {
    const r = findPreset(ws, "t5-small")!;
    const a = anatomyOf(modelFor(r.arch, r.preset)).aspects;
    expect(a.get("layer variation")?.short).toBe("layer.0.SelfAttention.relative_attention_bias (Embedding) in the first layer only");
    expect(a.get("decoder layer variation")?.short).toBe("layer.0.SelfAttention.relative_attention_bias (Embedding) in the first layer only");
    expect(a.get("decoder cross-attention qkv projection")?.short).toBe("separate q, k, v projections");
  });
});

describe("fused expert tensors size the MLP", () => {
  // DBRX (HF DbrxExperts): w1, v1, w2 each [moe_num_experts * ffn_hidden_size, d_model], so each
  // expert's MLP is ffn_hidden_size wide. Falcon-7B's MLP is 4 * hidden_size = 4 * 4544 = 18176
  // (dense_h_to_4h); dbrx-instruct's ffn_hidden_size is 10752 and moe_num_experts 16; Mixtral's
  // intermediate_size 14336 with 8 experts.
  it("Falcon-7B → DBRX: the derived ffn pairs with DBRX's ffn_hidden_size by meaning", () => {
    const r = diffPresets("falcon-7b", "dbrx-instruct");
    expect(r.hyperparameters.find((h) => h.b === "10752")).toEqual({ key: "ffn_config.ffn_hidden_size", name: "ffn", a: "18176", b: "10752", keys: { a: "derived", b: "ffn_config.ffn_hidden_size" }, meaning: "MLP hidden size" });
  });

  it("names d by its most telling place: the hidden size", () => {
    // Falcon-7B hidden_size 4544, DBRX d_model 6144: both the residual width their final norm normalises.
    expect(diffPresets("falcon-7b", "dbrx-instruct").hyperparameters.find((h) => h.name === "d")).toMatchObject({ a: "4544", b: "6144", meaning: "hidden size" });
    // T5's d_model 512, BERT's hidden_size 768; BERT has no final norm and is post-norm, so its hidden size is its token embedding's width.
    expect(diffPresets("t5-small", "bert-base-uncased").hyperparameters.find((h) => h.name === "d")).toMatchObject({ a: "512", b: "768", meaning: "hidden size" });
  });

  it("Mixtral → DBRX: each expert's width and the expert count pair by meaning", () => {
    const r = diffPresets("Mixtral-8x7B-v0.1", "dbrx-instruct");
    expect(r.hyperparameters.find((h) => h.name === "ffn")).toMatchObject({ a: "14336", b: "10752", meaning: "MLP hidden size" });
    expect(r.hyperparameters.find((h) => h.name === "n_experts")).toMatchObject({ a: "8", b: "16", meaning: "experts" });
  });
});

describe("recurrent mixers", () => {
  // HF MambaMixer: in_proj → conv1d → act → x_proj (dt, B, C) → dt_proj → selective scan → gated
  // by act(z) → out_proj. RWKV-4's RwkvSelfAttention ends in `output`; its blocks[0] alone holds pre_ln.
  it("Mamba → RWKV-4: the output projection is Mamba's out_proj (after the scan), not x_proj", () => {
    const r = diffPresets("mamba-130m-hf", "rwkv-4-169m-pile");
    expect(names(r)["layers.*.attention.o"]).toEqual(["out_proj", "output"]);
    // RWKV-4's attention multiplies by a rescale that is 1 in this preset: no op row for it.
    expect(r.structure.filter((s) => /op scale/.test(`${s.a ?? ""}${s.b ?? ""}`))).toEqual([]);
    expect(layer(r)["layer variation"]).toEqual(["every layer holds the same modules", "pre_ln (LayerNorm) in the first layer only"]);
  });
});

describe("what is not a difference", () => {
  it("ChatGLM2's silu op in its swiglu is Llama's act_fn: the gated SiLU MLP both, no op row", () => {
    // ChatGLM2 (HF GLMMLP): dense_h_to_4h → swiglu(x) = silu(x0) * x1 → dense_4h_to_h; Llama's
    // LlamaMLP: down(act_fn(gate(x)) * up(x)). The same gated SiLU MLP.
    const r = diffPresets("chatglm2-6b", "Llama-2-7b-hf");
    expect(layer(r).mlp).toBeUndefined();
    expect(r.structure.filter((s) => /op silu/.test(`${s.a ?? ""}${s.b ?? ""}`))).toEqual([]);
  });

  it("split_heads' head counts follow attention's: Gemma-2B → Llama-2 lists the attention op's only", () => {
    // Gemma-2B: 8 query heads, 1 kv head (MQA), head_dim 256; Llama-2-7B: 32 and 32 (MHA), 4096 / 32 = 128.
    const r = diffPresets("gemma-2b", "Llama-2-7b-hf");
    expect(r.attributes.map((a) => `${a.op}.${a.attr}: ${a.a} → ${a.b}`)).toEqual(["attention.head_dim: 256 → 128", "attention.heads: 8 → 32", "attention.kind: MQA → MHA", "attention.kv_heads: 1 → 32"]);
  });

  it("rope on one side is the positions row, not op rows (Falcon-7B → GPT-2)", () => {
    // Falcon-7B rotates q and k (RoPE); GPT-2 adds learned position embeddings (wpe) to the tokens.
    const r = diffPresets("falcon-7b", "gpt2");
    expect(layer(r).positions).toEqual(["RoPE(rotate_half) positions", "learned positions"]);
    expect(r.structure.filter((s) => /^op /.test(s.a ?? s.b ?? ""))).toEqual([]);
  });

  it("a rotary width written as the head size equals the default (Qwen-7B → Llama-2)", () => {
    // Qwen-7B: rotary_pct 1.0 of kv_channels 128 = 128; Llama-2-7B rotates the whole head, 4096 / 32 = 128.
    const r = diffPresets("Qwen-7B", "Llama-2-7b-hf");
    expect(r.attributes.filter((x) => x.attr === "dim")).toEqual([]);
  });

  it("longrope's factors without rope scaling are no difference (Phi-3-mini-4k → Llama-2)", () => {
    // Phi-3-mini-4k-instruct has rope_scaling null: its short/long factors and attention factor are unused.
    const r = diffPresets("Phi-3-mini-4k-instruct", "Llama-2-7b-hf");
    expect(r.attributes.filter((x) => x.op === "rope")).toEqual([]);
  });

  it("a Conv1D weight is a Linear's transposed: GPT-2 → BERT lists only the embeddings' sizes", () => {
    // GPT-2's c_fc is Conv1D(nx=768, nf=3072), weight [768, 3072]; BERT's intermediate.dense is
    // Linear(768, 3072), weight [3072, 768]: the same sizes. GPT-2: 1024 positions, 50257 tokens;
    // BERT-base: 512 positions, 30522 tokens.
    expect(diffPresets("gpt2", "bert-base-uncased").shapes).toEqual([
      { tensor: "position_embedding.weight", a: "[1024, 768]", b: "[512, 768]" },
      { tensor: "token_embedding.weight", a: "[50257, 768]", b: "[30522, 768]" },
    ]);
  });

  it("ops from branches the preset does not take are not listed (falcon-rw-1b uses ALiBi, no rope)", () => {
    const r = diffPresets("falcon-rw-1b", "gpt2");
    expect(JSON.stringify(r.structure)).not.toMatch(/op rope/);
    expect(r.attributes.some((a) => a.op === "rope")).toBe(false);
  });

  it("a scale spelled out as 1/sqrt(head_dim) equals the default", () => {
    // GPT-2 passes scale = 1/sqrt(64) explicitly; Llama leaves it to the default.
    const r = diffPresets("gpt2", "Llama-2-7b-hf");
    expect(r.attributes.some((a) => a.attr === "scale")).toBe(false);
  });

  it("a derived value compares with the parameter of the same meaning", () => {
    // Falcon derives head_dim = d / heads = 64 and ffn = 4d; Llama reads both from its config.
    const r = diffPresets("falcon-7b", "Llama-2-7b-hf");
    expect(r.hyperparameters.find((h) => h.name === "head_dim")).toMatchObject({ a: "64", b: "128", keys: { a: "derived", b: "head_dim" } });
  });
});

describe("the four outputs say the same things", () => {
  it.each([
    ["falcon-7b", "Llama-2-7b-hf"],
    ["bert-base-uncased", "gpt2"],
    ["Mixtral-8x7B-v0.1", "Qwen1.5-MoE-A2.7B"],
  ])("%s → %s", (a, b) => {
    const r = diffPresets(a, b);
    const outputs = { text: renderText(r), md: renderMarkdown(r), json: renderJson(r), html: renderHtml(r) };
    const unescape = (s: string) => s.replace(/&#39;/g, "'").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"');
    const things = [...r.summary, ...r.layer.flatMap((l) => [l.a, l.b]), ...r.names.flatMap((n) => [n.a, n.b]), ...r.hyperparameters.map((h) => h.b)];
    for (const [kind, out] of Object.entries(outputs)) for (const t of things) expect(unescape(out), `${kind} says ${t}`).toContain(t);
    // JSON: the schema name is kept and the new fields are additions.
    const j = JSON.parse(outputs.json);
    expect(j.schema).toBe("archc-diff/1");
    expect(Object.keys(j)).toEqual(expect.arrayContaining(["hyperparameters", "attributes", "structure", "shapes", "stats", "identical", "names", "layer", "summary"]));
    // The text ends with the summary line, B vs A.
    expect(outputs.text.trimEnd().split("\n").pop()).toBe(`  ${b} (${r.b.arch}) vs ${a} (${r.a.arch}): ${r.summary.join("; ")}`);
  });
});

describe("every diff's rows are differences", () => {
  const presets = ["falcon-7b", "falcon-rw-1b", "Llama-2-7b-hf", "gpt2", "bert-base-uncased", "t5-small", "gemma-2-9b", "Mixtral-8x7B-v0.1", "Qwen1.5-MoE-A2.7B", "rwkv-4-169m-pile", "chatglm2-6b", "Phi-3-mini-4k-instruct"].filter((p) => findPreset(ws, p));

  it("no row shows equal values, and the same diff twice is the same text", () => {
    fc.assert(
      fc.property(fc.constantFrom(...presets), fc.constantFrom(...presets), (a, b) => {
        const r = diffPresets(a, b);
        for (const h of r.hyperparameters) expect(h.a, h.name).not.toBe(h.b);
        for (const l of r.layer) expect(l.shortA, l.aspect).not.toBe(l.shortB);
        for (const n of r.names) expect(n.a, n.role).not.toBe(n.b);
        for (const x of r.attributes) expect(x.a, `${x.op}.${x.attr}`).not.toBe(x.b);
        cache.delete(`${a}|${b}`);
        expect(renderJson(diffPresets(a, b))).toBe(renderJson(r));
      }),
      { seed: 13, numRuns: 12 },
    );
  });
});

describe("diff --html draws both layers", () => {
  it("marks the nodes without a counterpart (Falcon's fused projection, Llama's separate ones), not the shared attention", () => {
    const [fa, fb] = ["falcon-7b", "Llama-2-7b-hf"].map((p) => {
      const r = findPreset(ws, p)!;
      return anatomyOf(modelFor(r.arch, r.preset));
    });
    const html = layerDrawing(fa!, fb!, ["falcon-7b", "Llama-2-7b-hf"]);
    const svgs = html.split("<svg").slice(1);
    expect(svgs).toHaveLength(2);
    const marked = (svg: string, label: string) => new RegExp(`class="node [a-z]+ changed"[^>]*/>\\s*<text class="label"[^>]*>${label}<`).test(svg);
    const drawn = (svg: string, label: string) => svg.includes(`>${label}<`);
    expect(drawn(svgs[0]!, "query_key_value: Linear") && marked(svgs[0]!, "query_key_value: Linear")).toBe(true);
    expect(drawn(svgs[1]!, "q_proj: Linear") && marked(svgs[1]!, "q_proj: Linear")).toBe(true);
    expect(drawn(svgs[0]!, "attention") && !marked(svgs[0]!, "attention")).toBe(true);
    expect(drawn(svgs[1]!, "o_proj: Linear") && !marked(svgs[1]!, "o_proj: Linear")).toBe(true);
  });
});
