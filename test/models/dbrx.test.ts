// DBRX against independent truth: the published size of dbrx-instruct (132B parameters, 36B
// active), PyTorch's printed module tree written out by hand from modeling_dbrx.py's classes,
// the parameters transformers counted for the conformance checkpoint, `archc import` of nested
// config keys, and a float64 reference forward written here from modeling_dbrx.py's formulas on
// configurations the fixture does not cover (no clip_qkv, 2 kv heads, top-1 and top-3 routing,
// 2-norm and raw gates, tied head). Decoding with the KV cache equals the full pass.
import { describe, expect, it } from "vitest";
import { configValues } from "../../src/cli/checkpoint.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { allWeights } from "../../src/compiler/elaborate/instance.js";
import { mapHfConfig } from "../../src/compiler/hf/config-map.js";
import { configFor, modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { mapSource, ModelSession, randomTensor, type Tensor } from "../../src/runtime/index.js";
import { arch, ids, itBindsConformanceParams, model, preset, ws } from "./zoo-helpers.js";

// Per block: Wqkv d·(d + 2·kv·hd), out_proj d², two bias-free LayerNorms 2d, router d·E,
// experts 3·E·ffn·d. Plus wte V·d, norm_f d, and the head V·d unless tied.
function byHand(o: { vocab: number; d: number; layers: number; heads: number; kv: number; ffn: number; experts: number; tied?: boolean }): number {
  const hd = o.d / o.heads;
  const block = o.d * (o.d + 2 * o.kv * hd) + o.d * o.d + 2 * o.d + o.d * o.experts + 3 * o.experts * o.ffn * o.d;
  return o.vocab * o.d + o.layers * block + o.d + (o.tied ? 0 : o.vocab * o.d);
}

describe("DBRX parameter counts", () => {
  const instruct = { vocab: 100352, d: 6144, layers: 40, heads: 48, kv: 8, ffn: 10752, experts: 16 };
  it("dbrx-instruct: 131,596,523,520, the published 132B", () => {
    expect(byHand(instruct)).toBe(131_596_523_520);
    expect(computeStats(model("dbrx-instruct")).params).toBe(131_596_523_520);
    expect(computeStats(model("dbrx-base")).params).toBe(131_596_523_520);
  });

  it("the published 36B active: what one token passes through with 4 of 16 experts", () => {
    // Everything but the 12 experts a token skips in each layer.
    const active = byHand(instruct) - 40 * 3 * 12 * 10752 * 6144;
    expect(Math.round(active / 1e9)).toBe(36);
  });

  itBindsConformanceParams(["dbrx-tiny"]);
});

describe("DBRX prints as PyTorch prints DbrxForCausalLM", () => {
  it("dbrx-instruct", () => {
    const ref = preset("dbrx-instruct");
    const ln = "LayerNorm((6144,), eps=1e-05, elementwise_affine=True)";
    expect(printModuleTree(modelFor(ref.arch, ref.preset).root)).toBe(
      [
        "DbrxForCausalLM(",
        "  (transformer): DbrxModel(",
        "    (wte): Embedding(100352, 6144)",
        "    (blocks): ModuleList(",
        "      (0-39): 40 x DbrxBlock(",
        "        (norm_attn_norm): DbrxNormAttentionNorm(",
        `          (norm_1): ${ln}`,
        "          (attn): DbrxAttention(",
        "            (Wqkv): Linear(in_features=6144, out_features=8192, bias=False)",
        "            (out_proj): Linear(in_features=6144, out_features=6144, bias=False)",
        "            (rotary_emb): DbrxRotaryEmbedding()",
        "          )",
        `          (norm_2): ${ln}`,
        "        )",
        "        (ffn): DbrxFFN(",
        "          (router): DbrxRouter(",
        "            (layer): Linear(in_features=6144, out_features=16, bias=False)",
        "          )",
        "          (experts): DbrxExperts(",
        "            (mlp): DbrxExpertGLU(",
        "              (activation_fn): SiLU()",
        "            )",
        "          )",
        "        )",
        "      )",
        "    )",
        `    (norm_f): ${ln}`,
        "  )",
        "  (lm_head): Linear(in_features=6144, out_features=100352, bias=False)",
        ")",
      ].join("\n"),
    );
  });

  it("fused expert weights are stored [n_experts * ffn, d] under experts.mlp", () => {
    const w = new Map(allWeights(model("dbrx-instruct").root).map((x) => [x.name, x.shape]));
    for (const n of ["w1", "v1", "w2"]) expect(w.get(`transformer.blocks.7.ffn.experts.mlp.${n}`)).toEqual([16 * 10752, 6144]);
    expect(w.get("transformer.blocks.7.norm_attn_norm.norm_1.bias")).toBeUndefined();
  });
});

const tinyConfig = (extra: { attn?: Record<string, unknown>; ffn?: Record<string, unknown>; top?: Record<string, unknown> } = {}) => ({
  architectures: ["DbrxForCausalLM"],
  model_type: "dbrx",
  vocab_size: 48,
  d_model: 32,
  n_heads: 4,
  n_layers: 2,
  max_seq_len: 64,
  attn_config: { model_type: "", rope_theta: 500000.0, ...extra.attn },
  ffn_config: { model_type: "", ffn_hidden_size: 24, moe_num_experts: 3, moe_top_k: 2, ...extra.ffn },
  ...extra.top,
});

describe("DBRX config.json: nested keys", () => {
  it("reads attn_config.* and ffn_config.* (two levels deep for ffn_act_fn.name); an explicit null gate norm means raw gates", () => {
    const cfg = tinyConfig({ attn: { kv_n_heads: 2, clip_qkv: null }, ffn: { ffn_act_fn: { name: "gelu" }, moe_normalize_expert_weights: null } });
    const mapped = mapHfConfig(arch("Dbrx"), cfg);
    expect(mapped.diagnostics).toEqual([]);
    expect(mapped.values).toMatchObject({ kv_heads: 2, clip_qkv: null, act: "gelu", gate_norm: null, ffn: 24, n_experts: 3, top_k: 2, theta: 500000 });
  });

  it("databricks/dbrx-instruct's config.json gives the dbrx-instruct preset", () => {
    const published = {"architectures": ["DbrxForCausalLM"], "attn_config": {"clip_qkv": 8, "kv_n_heads": 8, "model_type": "", "rope_theta": 500000}, "d_model": 6144, "emb_pdrop": 0.0, "ffn_config": {"ffn_hidden_size": 10752, "model_type": "", "moe_jitter_eps": 0.01, "moe_loss_weight": 0.05, "moe_num_experts": 16, "moe_top_k": 4}, "initializer_range": 0.02, "max_seq_len": 32768, "model_type": "dbrx", "n_heads": 48, "n_layers": 40, "output_router_logits": false, "resid_pdrop": 0.0, "router_aux_loss_coef": 0.05, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.40.0.dev0", "use_cache": true, "vocab_size": 100352};
    const mapped = mapHfConfig(arch("Dbrx"), published);
    expect(mapped.diagnostics).toEqual([]);
    const fromConfig = configFor(arch("Dbrx"), undefined, mapped.values).values;
    const fromPreset = configFor(arch("Dbrx"), "dbrx-instruct").values;
    for (const k of ["vocab", "d", "n_layers", "heads", "kv_heads", "clip_qkv", "theta", "ffn", "n_experts", "top_k", "gate_norm", "act", "tie_embeddings"]) {
      expect(fromConfig.get(k), k).toEqual(fromPreset.get(k));
    }
  });

  it("an unknown nested key is an error naming its full path", () => {
    const mapped = mapHfConfig(arch("Dbrx"), tinyConfig({ ffn: { ffn_act_fn: { name: "silu", alpha: 1 } } }));
    expect(mapped.diagnostics.map((d) => d.message).join("\n")).toContain("ffn_config.ffn_act_fn.alpha");
  });
});

// ---- a float64 reference forward (modeling_dbrx.py, eager attention), batch of one

type W = Map<string, Tensor>;
const at = (w: W, name: string): Float32Array => {
  const t = w.get(name);
  if (!t) throw new Error(`no weight ${name}`);
  return t.data;
};
function linear(x: number[][], w: Float32Array, out: number): number[][] {
  return x.map((row) => Array.from({ length: out }, (_, o) => row.reduce((s, v, i) => s + v * w[o * row.length + i]!, 0)));
}
const layerNorm = (x: number[][], w: Float32Array) =>
  x.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w[i]!);
  });
const silu = (v: number) => v / (1 + Math.exp(-v));

interface DbrxCfg { vocab: number; d: number; heads: number; kv: number; ffn: number; experts: number; topK: number; clip: number | null; p: number | null; theta: number; tied: boolean }

function rope(v: number[], pos: number, theta: number): number[] {
  const h = v.length / 2;
  return v.map((x, i) => {
    const j = i % h;
    const a = pos * theta ** (-(2 * j) / v.length);
    return i < h ? x * Math.cos(a) - v[i + h]! * Math.sin(a) : x * Math.cos(a) + v[i - h]! * Math.sin(a);
  });
}

function dbrxReference(w: W, c: DbrxCfg, tokens: number[], layers: number): number[][] {
  const hd = c.d / c.heads;
  const wte = at(w, "transformer.wte.weight");
  let h = tokens.map((t) => Array.from(wte.subarray(t * c.d, (t + 1) * c.d)));
  const T = tokens.length;
  for (let l = 0; l < layers; l++) {
    const p = `transformer.blocks.${l}.`;
    let qkv = linear(layerNorm(h, at(w, `${p}norm_attn_norm.norm_1.weight`)), at(w, `${p}norm_attn_norm.attn.Wqkv.weight`), c.d + 2 * c.kv * hd);
    if (c.clip !== null) qkv = qkv.map((r) => r.map((v) => Math.min(Math.max(v, -c.clip!), c.clip!)));
    const head = (t: number, off: number, i: number) => qkv[t]!.slice(off + i * hd, off + (i + 1) * hd);
    const attn = h.map((_, t) => {
      const out: number[] = [];
      for (let i = 0; i < c.heads; i++) {
        const g = Math.floor(i / (c.heads / c.kv));
        const q = rope(head(t, 0, i), t, c.theta);
        const scores = Array.from({ length: t + 1 }, (_, s) => rope(head(s, c.d, g), s, c.theta).reduce((a, k, j) => a + k * q[j]!, 0) / Math.sqrt(hd));
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < hd; j++) out.push(e.reduce((a, ps, s) => a + (ps / z) * head(s, c.d + c.kv * hd, g)[j]!, 0));
      }
      return out;
    });
    const o = linear(attn, at(w, `${p}norm_attn_norm.attn.out_proj.weight`), c.d);
    h = h.map((r, t) => r.map((v, j) => v + o[t]![j]!));
    const x = layerNorm(h, at(w, `${p}norm_attn_norm.norm_2.weight`));
    const logits = linear(x, at(w, `${p}ffn.router.layer.weight`), c.experts);
    const [w1, v1, w2] = ["w1", "v1", "w2"].map((n) => at(w, `${p}ffn.experts.mlp.${n}`));
    const moe = x.map((row, t) => {
      const m = Math.max(...logits[t]!);
      const e = logits[t]!.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      const probs = e.map((v, i) => ({ v: v / z, i })).sort((a, b) => b.v - a.v).slice(0, c.topK);
      const norm = c.p === null ? 1 : probs.reduce((a, g) => a + Math.abs(g.v) ** c.p!, 0) ** (1 / c.p);
      const y = new Array<number>(c.d).fill(0);
      for (const g of probs) {
        const r0 = g.i * c.ffn;
        for (let f = 0; f < c.ffn; f++) {
          let a = 0;
          let b = 0;
          for (let j = 0; j < c.d; j++) {
            a += row[j]! * w1![(r0 + f) * c.d + j]!;
            b += row[j]! * v1![(r0 + f) * c.d + j]!;
          }
          const hidden = silu(a) * b;
          for (let j = 0; j < c.d; j++) y[j] += (g.v / norm) * hidden * w2![(r0 + f) * c.d + j]!;
        }
      }
      return y;
    });
    h = h.map((r, t) => r.map((v, j) => v + moe[t]![j]!));
  }
  void T;
  h = layerNorm(h, at(w, "transformer.norm_f.weight"));
  return linear(h, at(w, c.tied ? "transformer.wte.weight" : "lm_head.weight"), c.vocab);
}

async function build(config: Record<string, unknown>, seed = 3) {
  const { arch: a, root, values } = configValues(ws, config, "config.json");
  const m = modelFor(a, undefined, values, root);
  const tied = new Set(m.ties.map((t) => t.target));
  const weights: W = new Map();
  allWeights(m.root).forEach((wt, i) => {
    if (!tied.has(wt.name)) weights.set(wt.name, randomTensor(wt.shape, seed * 1000 + i, 0.3, wt.name.includes("norm") ? 1 : 0));
  });
  return { session: new ModelSession(await loadArch(a), values, mapSource("test", weights), root), weights };
}

const prompt = [5, 17, 33, 2, 41, 40, 9, 28, 3, 11];

describe("DBRX configurations beyond the fixture, against a float64 reference", () => {
  const cases: [string, Parameters<typeof tinyConfig>[0], Partial<DbrxCfg>][] = [
    ["no clip_qkv, 2 kv heads, top-1, untied", { attn: { kv_n_heads: 2 }, ffn: { moe_top_k: 1 } }, { kv: 2, topK: 1, clip: null }],
    ["clip_qkv 0.5, gates divided by their 2-norm, top-3 of 3, tied", { attn: { clip_qkv: 0.5 }, ffn: { moe_top_k: 3, moe_normalize_expert_weights: 2.0 }, top: { tie_word_embeddings: true } }, { topK: 3, clip: 0.5, p: 2, tied: true }],
    ["raw gates (moe_normalize_expert_weights null), 4 kv heads, 4 experts", { attn: { kv_n_heads: 4, clip_qkv: 1.0 }, ffn: { moe_num_experts: 4, moe_normalize_expert_weights: null } }, { kv: 4, experts: 4, clip: 1, p: null }],
  ];
  for (const [what, extra, over] of cases) {
    it(what, async () => {
      const { session, weights } = await build(tinyConfig(extra));
      const c: DbrxCfg = { vocab: 48, d: 32, heads: 4, kv: 1, ffn: 24, experts: 3, topK: 2, clip: null, p: 1, theta: 500000, tied: false, ...over };
      expect(session.parameterCount).toBe(byHand({ vocab: 48, d: 32, layers: 2, heads: 4, kv: c.kv, ffn: 24, experts: c.experts, tied: c.tied }));
      const got = session.forward({ input_ids: ids(prompt) }).output;
      const want = dbrxReference(weights, c, prompt, 2).flat();
      let worst = 0;
      want.forEach((v, i) => (worst = Math.max(worst, Math.abs(got.data[i]! - v))));
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it("decoding with the KV cache equals the full pass", async () => {
    const { session } = await build(tinyConfig({ attn: { kv_n_heads: 2, clip_qkv: 2.0 } }), 9);
    const full = session.forward({ input_ids: ids(prompt) }).output;
    const ctx = session.newContext(true);
    const steps = [session.forward({ input_ids: ids(prompt.slice(0, 4)) }, ctx).output];
    for (let t = 4; t < prompt.length; t++) steps.push(session.forward({ input_ids: ids([prompt[t]!]) }, ctx).output);
    const stepped = steps.flatMap((s) => Array.from(s.data));
    let worst = 0;
    stepped.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - full.data[i]!))));
    expect(stepped.length).toBe(full.data.length);
    // float32 sums in another order (one query against cached keys); logits reach ~10 here.
    expect(worst).toBeLessThan(1e-4);
  });
});
