// RWKV-5.2 "Eagle" against independent truth: the published size of Eagle 7B, parameter counts
// and tensor shapes derived by hand from the remote code (modeling_rwkv5.py), the published
// config.json as `archc import` reads it, a float64 reference forward written in this file from
// the formulas (ChatRWKV's form: ln_x eps 1e-5·8² on the undivided heads' output), and the
// defining property of the recurrent state: decoding token by token computes the whole sequence.
import { describe, expect, it } from "vitest";
import { configFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { allWeights } from "../../src/compiler/elaborate/instance.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { configValues } from "../../src/cli/checkpoint.js";
import { model, preset, ws } from "./zoo-helpers.js";
import { IntTensor, ModelSession, mapSource, mulberry32, ops, randomSource, Tensor } from "../../src/runtime/index.js";


// Per block: receptance/key/value/gate/output 5·d², channel mixing d² + 2·d·ffn; vectors:
// time_decay + time_faaaa (2d), four time_mix (4d), ln_x (2d), two FFN mixes (2d), ln1 + ln2 (4d).
const byHand = (vocab: number, d: number, layers: number) => {
  const ffn = Math.floor((d * 3.5) / 32) * 32;
  return 2 * vocab * d + layers * (6 * d * d + 2 * d * ffn + 14 * d) + 2 * d + 2 * d;
};

describe("RWKV-5 parameter counts", () => {
  it("v5-Eagle-7B-HF: 7.52B parameters, as published (blog.rwkv.com, 'Eagle 7B is a 7.52B parameter model')", () => {
    const n = computeStats(model("v5-Eagle-7B-HF")).params;
    expect(n).toBe(byHand(65536, 4096, 32));
    expect((n / 1e9).toFixed(2)).toBe("7.52");
  });

  it("rwkv-5-world-1b5 and rwkv-5-world-3b: counted by hand from the remote code's shapes", () => {
    expect(byHand(65536, 2048, 24)).toBe(1_577_754_624);
    expect(computeStats(model("rwkv-5-world-1b5")).params).toBe(1_577_754_624);
    expect(byHand(65536, 2560, 32)).toBe(3_062_999_040);
    expect(computeStats(model("rwkv-5-world-3b")).params).toBe(3_062_999_040);
  });
});

describe("RWKV-5 shapes and names (modeling_rwkv5.py, convert_rwkv5_checkpoint_to_hf.py)", () => {
  const shapes = (preset: string) => new Map(allWeights(model(preset).root).map((w) => [w.name, w.shape]));

  it("rwkv-5-world-1b5: 32 heads of 64, FFN int(3.5·2048) = 7168, per-head decay and bonus", () => {
    const w = shapes("rwkv-5-world-1b5");
    const at = "rwkv.blocks.5.attention.";
    expect(w.get(`${at}time_decay`)).toEqual([32, 64]);
    expect(w.get(`${at}time_faaaa`)).toEqual([32, 64]);
    for (const m of ["gate", "key", "value", "receptance"]) expect(w.get(`${at}time_mix_${m}`)).toEqual([1, 1, 2048]);
    for (const l of ["key", "value", "receptance", "gate", "output"]) expect(w.get(`${at}${l}.weight`)).toEqual([2048, 2048]);
    expect(w.get(`${at}ln_x.weight`)).toEqual([2048]);
    expect(w.get("rwkv.blocks.5.feed_forward.key.weight")).toEqual([7168, 2048]);
    expect(w.get("rwkv.blocks.5.feed_forward.value.weight")).toEqual([2048, 7168]);
    expect(w.get("rwkv.blocks.5.feed_forward.time_mix_receptance")).toEqual([1, 1, 2048]);
    expect(w.get("rwkv.blocks.0.pre_ln.weight")).toEqual([2048]);
    expect(w.has("rwkv.blocks.1.pre_ln.weight")).toBe(false);
    expect(w.get("head.weight")).toEqual([65536, 2048]);
    // No v6 adapters, no v4 time_first.
    expect([...w.keys()].some((n) => /time_maa|time_first|decay_w/.test(n))).toBe(false);
  });

  it("rwkv-5-world-3b: 40 heads, FFN 8960; v5-Eagle-7B-HF: 64 heads, FFN 14336", () => {
    const w3 = shapes("rwkv-5-world-3b");
    expect(w3.get("rwkv.blocks.0.attention.time_faaaa")).toEqual([40, 64]);
    expect(w3.get("rwkv.blocks.31.feed_forward.key.weight")).toEqual([8960, 2560]);
    const w7 = shapes("v5-Eagle-7B-HF");
    expect(w7.get("rwkv.blocks.0.attention.time_decay")).toEqual([64, 64]);
    expect(w7.get("rwkv.blocks.31.feed_forward.value.weight")).toEqual([4096, 14336]);
  });

  it("prints the remote code's modules: GroupNorm with its default eps (the forward divides by head_size_divisor)", () => {
    const tree = printModuleTree(model("rwkv-5-world-1b5").root);
    expect(tree).toContain("(ln_x): GroupNorm(32, 2048, eps=1e-05, affine=True)");
    expect(tree).toContain("(attention): Rwkv5SelfAttention(");
    expect(tree).toContain("(feed_forward): Rwkv5FeedForward(");
    expect(tree).toContain("(1-23): 23 x Rwkv5Block(");
  });
});

describe("RWKV-5 config.json", () => {
  // RWKV/rwkv-5-world-1b5 as written by convert_rwkv5_checkpoint_to_hf.py (Rwkv5Config), with its auto_map.
  const published = {
    architectures: ["Rwkv5ForCausalLM"],
    auto_map: { AutoConfig: "configuration_rwkv5.Rwkv5Config", AutoModelForCausalLM: "modeling_rwkv5.Rwkv5ForCausalLM" },
    attention_hidden_size: 2048, bos_token_id: 0, context_length: 4096, eos_token_id: 0, head_size: 64, hidden_size: 2048,
    intermediate_size: null, layer_norm_epsilon: 1e-5, model_type: "rwkv5", num_hidden_layers: 24, rescale_every: 6,
    tie_word_embeddings: false, transformers_version: "4.33.1", use_cache: true, vocab_size: 65536,
  };
  const asPreset = (json: Record<string, unknown>, name: string) => {
    const r = configValues(ws, json, "config.json");
    expect(r.arch.name).toBe("Rwkv5");
    expect(r.root).toBe("ForCausalLM");
    const ref = preset(name);
    expect(Object.fromEntries(configFor(r.arch, undefined, r.values).values)).toEqual(Object.fromEntries(configFor(ref.arch, name).values));
  };

  it("rwkv-5-world-1b5's config.json is the preset", () => asPreset(published, "rwkv-5-world-1b5"));

  it("keys of other Rwkv5Config revisions: num_attention_heads (unused), head_size_divisor", () => {
    asPreset({ ...published, num_attention_heads: 64, head_size_divisor: 8 }, "rwkv-5-world-1b5");
    asPreset({ ...published, hidden_size: 2560, attention_hidden_size: 2560, num_hidden_layers: 32 }, "rwkv-5-world-3b");
  });

  it("rejects a v5.0 config (intermediate_size 4·d: ungated, another FFN width)", () => {
    expect(() => configValues(ws, { ...published, intermediate_size: 8192 }, "config.json")).toThrow(/intermediate_size/);
  });
});

// ---- an independent float64 forward, from the formulas
type Weights = Map<string, Float64Array>;

const V = 96;
const D = 64;
const HS = 16;
const L = 2;
const F = Math.floor((D * 3.5) / 32) * 32;

function handWeights(seed: number): { f64: Weights; tensors: Map<string, Tensor> } {
  const r = mulberry32(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  const f64: Weights = new Map();
  const tensors = new Map<string, Tensor>();
  const put = (name: string, shape: number[], gen: () => number) => {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, gen);
    tensors.set(name, new Tensor(data, shape));
    f64.set(name, Float64Array.from(data));
  };
  const mat = (name: string, out: number, inp: number) => put(name, [out, inp], () => u(-1, 1) * Math.sqrt(3 / inp));
  const norm = (name: string) => {
    put(`${name}.weight`, [D], () => u(0.8, 1.2));
    put(`${name}.bias`, [D], () => u(-0.1, 0.1));
  };
  put("rwkv.embeddings.weight", [V, D], () => u(-1, 1));
  norm("rwkv.blocks.0.pre_ln");
  for (let i = 0; i < L; i++) {
    const b = `rwkv.blocks.${i}`;
    norm(`${b}.ln1`);
    norm(`${b}.ln2`);
    put(`${b}.attention.time_decay`, [D / HS, HS], () => u(-2.5, 0.5));
    put(`${b}.attention.time_faaaa`, [D / HS, HS], () => u(-0.5, 0.5));
    for (const m of ["gate", "key", "value", "receptance"]) put(`${b}.attention.time_mix_${m}`, [1, 1, D], () => u(0, 1));
    for (const m of ["key", "value", "receptance", "gate", "output"]) mat(`${b}.attention.${m}.weight`, D, D);
    put(`${b}.attention.ln_x.weight`, [D], () => u(0.8, 1.2));
    put(`${b}.attention.ln_x.bias`, [D], () => u(-0.1, 0.1));
    put(`${b}.feed_forward.time_mix_key`, [1, 1, D], () => u(0, 1));
    put(`${b}.feed_forward.time_mix_receptance`, [1, 1, D], () => u(0, 1));
    mat(`${b}.feed_forward.key.weight`, F, D);
    mat(`${b}.feed_forward.receptance.weight`, D, D);
    mat(`${b}.feed_forward.value.weight`, D, F);
  }
  norm("rwkv.ln_out");
  mat("head.weight", V, D);
  return { f64, tensors };
}

const matvec = (w: Float64Array, x: number[], out: number) => {
  const inp = x.length;
  return Array.from({ length: out }, (_, o) => x.reduce((s, xi, i) => s + w[o * inp + i]! * xi, 0));
};

function normed(x: number[], w: Float64Array, b: Float64Array, eps: number, lo = 0, n = x.length): number[] {
  const part = x.slice(lo, lo + n);
  const mean = part.reduce((s, v) => s + v, 0) / n;
  const variance = part.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  return part.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w[lo + i]! + b[lo + i]!);
}

/** Logits [T][V] of one row of tokens. */
function reference(w: Weights, ids: number[]): number[][] {
  const g = (n: string) => w.get(n)!;
  const ln = (x: number[], n: string) => normed(x, g(`${n}.weight`), g(`${n}.bias`), 1e-5);
  // x·m + previous·(1 − m), the previous token zero before the first
  const mix = (xs: number[][], t: number, m: Float64Array) => xs[t]!.map((v, c) => v * m[c]! + (t > 0 ? xs[t - 1]![c]! : 0) * (1 - m[c]!));
  const H = D / HS;
  let h = ids.map((id) => Array.from(g("rwkv.embeddings.weight").subarray(id * D, (id + 1) * D)));
  for (let i = 0; i < L; i++) {
    const b = `rwkv.blocks.${i}`;
    if (i === 0) h = h.map((x) => ln(x, `${b}.pre_ln`));
    const a = h.map((x) => ln(x, `${b}.ln1`));
    const S = Array.from({ length: H }, () => Array.from({ length: HS }, () => new Array<number>(HS).fill(0)));
    const decay = Array.from(g(`${b}.attention.time_decay`), (x) => Math.exp(-Math.exp(x)));
    const bonus = g(`${b}.attention.time_faaaa`);
    h = h.map((x, t) => {
      const lin = (m: string) => matvec(g(`${b}.attention.${m}.weight`), mix(a, t, g(`${b}.attention.time_mix_${m}`)), D);
      const [k, v, r] = [lin("key"), lin("value"), lin("receptance")];
      const gate = lin("gate").map((z) => z / (1 + Math.exp(-z)));
      const y = new Array<number>(D).fill(0);
      for (let hd = 0; hd < H; hd++) {
        for (let j = 0; j < HS; j++) {
          for (let c = 0; c < HS; c++) {
            const ch = hd * HS + c;
            y[hd * HS + j] += r[ch]! * (S[hd]![c]![j]! + bonus[ch]! * k[ch]! * v[hd * HS + j]!);
          }
        }
        for (let c = 0; c < HS; c++) {
          const ch = hd * HS + c;
          for (let j = 0; j < HS; j++) S[hd]![c]![j] = decay[ch]! * S[hd]![c]![j]! + k[ch]! * v[hd * HS + j]!;
        }
      }
      const gn = Array.from({ length: H }, (_, hd) => normed(y, g(`${b}.attention.ln_x.weight`), g(`${b}.attention.ln_x.bias`), 1e-5 * 8 ** 2, hd * HS, HS)).flat();
      const out = matvec(g(`${b}.attention.output.weight`), gn.map((z, c) => z * gate[c]!), D);
      return x.map((z, c) => z + out[c]!);
    });
    const f = h.map((x) => ln(x, `${b}.ln2`));
    h = h.map((x, t) => {
      const k = matvec(g(`${b}.feed_forward.key.weight`), mix(f, t, g(`${b}.feed_forward.time_mix_key`)), F).map((z) => Math.max(z, 0) ** 2);
      const r = matvec(g(`${b}.feed_forward.receptance.weight`), mix(f, t, g(`${b}.feed_forward.time_mix_receptance`)), D);
      const v = matvec(g(`${b}.feed_forward.value.weight`), k, D);
      return x.map((z, c) => z + v[c]! / (1 + Math.exp(-r[c]!)));
    });
  }
  return h.map((x) => matvec(g("head.weight"), ln(x, "rwkv.ln_out"), V));
}

describe("RWKV-5 forward", () => {
  const rows = [
    [3, 17, 17, 90, 0, 41, 8],
    [55, 2, 71, 71, 12, 33, 95],
  ];
  const idsOf = (from: number, to: number) => new IntTensor(Int32Array.from(rows.flatMap((r) => r.slice(from, to))), [rows.length, to - from]);

  async function session(source = randomSource(5)) {
    const mod = await loadArch(ws.archs.get("Rwkv5")!);
    return new ModelSession(mod, { vocab: V, d: D, head_size: HS, n_layers: L }, source);
  }

  it("equals a float64 reference written from the formulas (hand-named checkpoint tensors)", async () => {
    const { f64, tensors } = handWeights(11);
    const s = await session(mapSource("hand-made", tensors));
    const out = s.forward({ input_ids: idsOf(0, 7) }).output;
    expect(out.shape).toEqual([2, 7, V]);
    const expected = rows.flatMap((r) => reference(f64, r).flat());
    const scale = Math.max(...expected.map(Math.abs));
    let worst = 0;
    expected.forEach((e, i) => (worst = Math.max(worst, Math.abs(out.data[i]! - e))));
    expect(worst).toBeLessThanOrEqual(1e-4 * scale);
  });

  it("step by step with the recurrent state equals the whole sequence", async () => {
    const s = await session();
    const full = s.forward({ input_ids: idsOf(0, 7) });
    expect([...full.emitted.keys()].filter((k) => k.startsWith("hidden_states.")).length).toBe(L + 1);
    const ctx = s.newContext(true);
    const parts = [s.forward({ input_ids: idsOf(0, 3) }, ctx).output];
    for (let t = 3; t < 7; t++) parts.push(s.forward({ input_ids: idsOf(t, t + 1) }, ctx).output);
    const stepped = ops.concat(parts, 1);
    expect(stepped.shape).toEqual(full.output.shape);
    let worst = 0;
    full.output.data.forEach((e, i) => (worst = Math.max(worst, Math.abs(stepped.data[i]! - e))));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});
