// Mamba against independent truth: parameter counts worked out by hand from modeling_mamba.py's
// shapes (and the published sizes of the checkpoints), PyTorch's printed module tree written out
// by hand from the HF classes, the parameters transformers counted for the conformance
// checkpoint, a float64 reference forward written here from the slow path's formulas on
// configurations the fixture does not cover (conv_kernel 4, time_step_rank "auto", biases,
// untied head), and the defining property of the recurrent state: decoding one token at a time
// computes what the whole sequence does.
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

// Per block: in_proj d·2I (+2I), conv1d I·K + I, x_proj I·(R + 2N), dt_proj R·I + I, A_log I·N,
// D I, out_proj I·d (+d), norm d. Plus embeddings V·d, norm_f d, and an untied head V·d.
function byHand(o: { vocab: number; d: number; layers: number; n?: number; k?: number; expand?: number; rank?: number; bias?: boolean; tied?: boolean }): number {
  const { vocab, d, layers, n = 16, k = 4, expand = 2, bias = false, tied = true } = o;
  const I = expand * d;
  const R = o.rank ?? Math.ceil(d / 16);
  const block = d * 2 * I + (bias ? 2 * I : 0) + I * k + I + I * (R + 2 * n) + R * I + I + I * n + I + I * d + (bias ? d : 0) + d;
  return vocab * d + layers * block + d + (tied ? 0 : vocab * d);
}

describe("Mamba parameter counts", () => {
  it("mamba-130m-hf: 129,135,360 (the hub's 129M), mamba-2.8b-hf: 2,768,345,600 (2.77B)", () => {
    expect(byHand({ vocab: 50280, d: 768, layers: 24 })).toBe(129_135_360);
    expect(computeStats(model("mamba-130m-hf")).params).toBe(129_135_360);
    expect(byHand({ vocab: 50280, d: 2560, layers: 64 })).toBe(2_768_345_600);
    expect(computeStats(model("mamba-2.8b-hf")).params).toBe(2_768_345_600);
  });

  it("mamba-370m-hf, -790m-hf, -1.4b-hf: counted by hand (the hub's 372M, 793M, 1.37B)", () => {
    for (const [p, d, layers, published] of [["mamba-370m-hf", 1024, 48, "372"], ["mamba-790m-hf", 1536, 48, "793"], ["mamba-1.4b-hf", 2048, 48, "1372"]] as const) {
      const n = computeStats(model(p)).params;
      expect(n).toBe(byHand({ vocab: 50280, d, layers }));
      expect(Math.round(n / 1e6).toString()).toBe(published);
    }
  });

  itBindsConformanceParams(["mamba-tiny"]);
});

describe("Mamba prints as PyTorch prints MambaForCausalLM", () => {
  it("mamba-130m-hf", () => {
    const ref = preset("mamba-130m-hf");
    expect(printModuleTree(modelFor(ref.arch, ref.preset).root)).toBe(
      [
        "MambaForCausalLM(",
        "  (backbone): MambaModel(",
        "    (embeddings): Embedding(50280, 768)",
        "    (layers): ModuleList(",
        "      (0-23): 24 x MambaBlock(",
        "        (norm): MambaRMSNorm()",
        "        (mixer): MambaMixer(",
        "          (conv1d): Conv1d(1536, 1536, kernel_size=(4,), stride=(1,), padding=(3,), groups=1536)",
        "          (act): SiLU()",
        "          (in_proj): Linear(in_features=768, out_features=3072, bias=False)",
        "          (x_proj): Linear(in_features=1536, out_features=80, bias=False)",
        "          (dt_proj): Linear(in_features=48, out_features=1536, bias=True)",
        "          (out_proj): Linear(in_features=1536, out_features=768, bias=False)",
        "        )",
        "      )",
        "    )",
        "    (norm_f): MambaRMSNorm()",
        "  )",
        "  (lm_head): Linear(in_features=768, out_features=50280, bias=False)",
        ")",
      ].join("\n"),
    );
  });

  it("a conv without bias prints bias=False", () => {
    const m = modelFor(ws.archs.get("Mamba")!, "tiny", { use_conv_bias: false });
    expect(printModuleTree(m.root)).toContain("(conv1d): Conv1d(64, 64, kernel_size=(3,), stride=(1,), padding=(2,), groups=64, bias=False)");
  });
});

// ---- a float64 reference forward (transformers' slow path), batch of one

type W = Map<string, Tensor>;
const at = (w: W, name: string): Float32Array => {
  const t = w.get(name);
  if (!t) throw new Error(`no weight ${name}`);
  return t.data;
};

/** y[t] = W x[t] (+ b), W [out, in] row-major. */
function linear(x: number[][], w: Float32Array, out: number, b?: Float32Array): number[][] {
  return x.map((row) => Array.from({ length: out }, (_, o) => row.reduce((s, v, i) => s + v * w[o * row.length + i]!, b ? b[o]! : 0)));
}
const rmsNorm = (x: number[][], w: Float32Array, eps: number) =>
  x.map((row) => {
    const r = 1 / Math.sqrt(row.reduce((s, v) => s + v * v, 0) / row.length + eps);
    return row.map((v, i) => v * r * w[i]!);
  });
const silu = (v: number) => v / (1 + Math.exp(-v));
const softplus = (v: number) => (v > 20 ? v : Math.log1p(Math.exp(v)));

interface MambaCfg { vocab: number; d: number; layers: number; I: number; N: number; K: number; R: number; bias: boolean; tied: boolean; eps: number }

function mambaReference(w: W, c: MambaCfg, tokens: number[]): number[][] {
  const emb = at(w, "backbone.embeddings.weight");
  let h = tokens.map((t) => Array.from(emb.subarray(t * c.d, (t + 1) * c.d)));
  for (let l = 0; l < c.layers; l++) {
    const p = `backbone.layers.${l}.mixer.`;
    const opt = (n: string) => (c.bias ? at(w, n) : undefined);
    const proj = linear(rmsNorm(h, at(w, `backbone.layers.${l}.norm.weight`), c.eps), at(w, `${p}in_proj.weight`), 2 * c.I, opt(`${p}in_proj.bias`));
    const xs = proj.map((r) => r.slice(0, c.I));
    const gate = proj.map((r) => r.slice(c.I));
    const cw = at(w, `${p}conv1d.weight`);
    const cb = at(w, `${p}conv1d.bias`);
    // PyTorch's Conv1d with padding K-1, first T outputs: tap k meets input t - (K-1) + k.
    const u = xs.map((_, t) =>
      Array.from({ length: c.I }, (_, i) => {
        let s = cb[i]!;
        for (let k = 0; k < c.K; k++) {
          const src = t - (c.K - 1) + k;
          if (src >= 0) s += cw[i * c.K + k]! * xs[src]![i]!;
        }
        return silu(s);
      }),
    );
    const sp = linear(u, at(w, `${p}x_proj.weight`), c.R + 2 * c.N);
    const dt = linear(sp.map((r) => r.slice(0, c.R)), at(w, `${p}dt_proj.weight`), c.I, at(w, `${p}dt_proj.bias`)).map((r) => r.map(softplus));
    const aLog = at(w, `${p}A_log`);
    const D = at(w, `${p}D`);
    const state = Array.from({ length: c.I }, () => new Array<number>(c.N).fill(0));
    const y = u.map((ut, t) => {
      const B = sp[t]!.slice(c.R, c.R + c.N);
      const C = sp[t]!.slice(c.R + c.N);
      return ut.map((xv, i) => {
        let out = D[i]! * xv;
        for (let n = 0; n < c.N; n++) {
          state[i]![n] = Math.exp(-Math.exp(aLog[i * c.N + n]!) * dt[t]![i]!) * state[i]![n]! + dt[t]![i]! * B[n]! * xv;
          out += C[n]! * state[i]![n]!;
        }
        return out * silu(gate[t]![i]!);
      });
    });
    const o = linear(y, at(w, `${p}out_proj.weight`), c.d, opt(`${p}out_proj.bias`));
    h = h.map((r, t) => r.map((v, j) => v + o[t]![j]!));
  }
  h = rmsNorm(h, at(w, "backbone.norm_f.weight"), c.eps);
  return linear(h, at(w, c.tied ? "backbone.embeddings.weight" : "lm_head.weight"), c.vocab);
}

const variant = (extra: Record<string, unknown>) => ({
  architectures: ["MambaForCausalLM"],
  model_type: "mamba",
  vocab_size: 48,
  hidden_size: 32,
  state_size: 4,
  num_hidden_layers: 2,
  expand: 2,
  intermediate_size: 64,
  layer_norm_epsilon: 1e-5,
  ...extra,
});

/** A session with weights drawn here (so the reference reads the same ones), and those weights. */
async function build(config: Record<string, unknown>, seed = 3) {
  const { arch, root, values } = configValues(ws, config, "config.json");
  const weights: W = new Map();
  const m = modelFor(arch, undefined, values, root);
  const tied = new Set(m.ties.map((t) => t.target));
  allWeights(m.root).forEach((wt, i) => {
    if (tied.has(wt.name)) return;
    // A_log ~ N(0, 1) as in the fixture, so that the decays differ; everything else small.
    weights.set(wt.name, randomTensor(wt.shape, seed * 1000 + i, wt.name.endsWith("A_log") ? 1 : 0.3));
  });
  const session = new ModelSession(await loadArch(arch), values, mapSource("test", weights), root);
  return { session, weights, values };
}

const prompt = [5, 17, 33, 2, 41, 40, 9, 28, 3];

describe("Mamba configurations beyond the fixture, against a float64 reference", () => {
  const cases: [string, Record<string, unknown>, Omit<MambaCfg, "vocab" | "d" | "layers" | "I" | "N" | "eps">][] = [
    ["conv_kernel 4, time_step_rank \"auto\" (ceil(32/16) = 2), untied", { conv_kernel: 4, time_step_rank: "auto", tie_word_embeddings: false }, { K: 4, R: 2, bias: false, tied: false }],
    ["use_bias true, time_step_rank 3, conv_kernel 2, tied", { conv_kernel: 2, time_step_rank: 3, use_bias: true }, { K: 2, R: 3, bias: true, tied: true }],
  ];
  for (const [what, extra, c] of cases) {
    it(what, async () => {
      const { session, weights } = await build(variant(extra));
      const cfg: MambaCfg = { vocab: 48, d: 32, layers: 2, I: 64, N: 4, eps: 1e-5, ...c };
      expect(session.parameterCount).toBe(byHand({ vocab: 48, d: 32, layers: 2, n: 4, k: c.K, rank: c.R, bias: c.bias, tied: c.tied }));
      expect(weights.get("backbone.layers.1.mixer.conv1d.weight")!.shape).toEqual([64, 1, c.K]);
      const got = session.forward({ input_ids: ids(prompt) }).output;
      const want = mambaReference(weights, cfg, prompt).flat();
      let worst = 0;
      want.forEach((v, i) => (worst = Math.max(worst, Math.abs(got.data[i]! - v))));
      expect(worst).toBeLessThan(1e-4);
    });
  }
});

describe("Mamba decoding one token at a time equals the full pass", () => {
  it("prefill 3 then single tokens: the conv and scan states carry over", async () => {
    const { session } = await build(variant({ conv_kernel: 4 }), 5);
    const full = session.forward({ input_ids: ids(prompt) }).output;
    const v = full.shape[2]!;
    const ctx = session.newContext(true);
    const steps = [session.forward({ input_ids: ids(prompt.slice(0, 3)) }, ctx).output];
    for (let t = 3; t < prompt.length; t++) steps.push(session.forward({ input_ids: ids([prompt[t]!]) }, ctx).output);
    const stepped = steps.flatMap((s) => Array.from(s.data));
    expect(stepped.length).toBe(prompt.length * v);
    let worst = 0;
    stepped.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - full.data[i]!))));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe("Mamba config.json", () => {
  // state-spaces/mamba-130m-hf as converted: MambaConfig's keys plus the original mamba_ssm ones.
  const published = {"architectures": ["MambaForCausalLM"], "bos_token_id": 0, "conv_kernel": 4, "eos_token_id": 0, "expand": 2, "fused_add_norm": true, "hidden_act": "silu", "hidden_size": 768, "initializer_range": 0.1, "intermediate_size": 1536, "layer_norm_epsilon": 1e-05, "model_type": "mamba", "n_layer": 24, "num_hidden_layers": 24, "pad_token_id": 0, "pad_vocab_size_multiple": 8, "rescale_prenorm_residual": false, "residual_in_fp32": true, "rms_norm": true, "state_size": 16, "time_step_floor": 0.0001, "time_step_init_scheme": "random", "time_step_max": 0.1, "time_step_min": 0.001, "time_step_rank": 48, "time_step_scale": 1.0, "torch_dtype": "float32", "transformers_version": "4.39.0.dev0", "use_bias": false, "use_cache": true, "use_conv_bias": true, "vocab_size": 50280, "d_model": 768, "d_inner": 1536, "ssm_cfg": {}};
  it("the published mamba-130m-hf config gives the mamba-130m-hf preset", () => {
    const mapped = mapHfConfig(arch("Mamba"), published);
    expect(mapped.diagnostics).toEqual([]);
    const fromConfig = configFor(arch("Mamba"), undefined, mapped.values).values;
    const fromPreset = configFor(arch("Mamba"), "mamba-130m-hf").values;
    for (const k of ["vocab", "d", "n_layers", "n_state", "inner", "conv_kernel", "dt_rank", "use_bias", "use_conv_bias", "tie_embeddings"]) {
      expect(fromConfig.get(k), k).toEqual(fromPreset.get(k));
    }
    expect(fromConfig.get("dt_rank")).toBe(48);
  });
});
