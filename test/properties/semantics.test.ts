// Semantic invariants over random configurations and inputs (src/testing): properties any
// correct implementation has, whatever its weights — causality, sliding windows that do not
// bite, grouped-query attention as repeated heads, KV-cache decoding as full recomputation,
// a one-expert MoE as its dense MLP, permutation equivariance without positions, and
// padding that real tokens never see. Seeded (ARCHC_SEED); fast-check shrinks a failure to
// a minimal configuration and input and prints the seed.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { checkWorkspace } from "../../src/compiler/pipeline.js";
import { archFromText, archFromZoo, arbConfig, arbInputs, sessionFor, vocabOf, type ArchUnderTest, type Config } from "../../src/testing/properties.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { IntTensor, ModelSession, Tensor, mapSource, ops, randomSource, type WeightSource } from "../../src/runtime/index.js";
import { expectClose } from "../runtime/close.js";

const seed = Number(process.env.ARCHC_SEED ?? 20261129);
const ws = loadWorkspace([]);
const broken = new Set(checkWorkspace(ws).filter((d) => d.severity === "error").map((d) => d.span?.file));
const families = [...ws.archs.values()].filter((a) => a.presets.has("tiny") && !broken.has(a.file)).map((a) => a.name);
// Families whose every output position may read every input position. Every other family
// in models/ is an autoregressive decoder (a new family that is an encoder belongs here).
const encoders = new Set(["Bert"]);
const decoders = families.filter((n) => !encoders.has(n));

const ids = (rows: number[][]) => new IntTensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length]);

/** Output rows [b, t] of a [B, T, …] tensor. */
function row(out: Tensor, b: number, t: number): Float32Array {
  const [, T] = out.shape as [number, number];
  const inner = out.shape.slice(2).reduce((p, q) => p * q, 1);
  return out.data.subarray((b * T + t) * inner, (b * T + t + 1) * inner);
}

/** The longest sequence a config allows (learned position tables), by its config.json key. */
function maxPositions(a: ArchUnderTest, config: Config): number {
  let n = Infinity;
  for (const p of a.arch.params.values()) {
    if (p.hfKeys.some((k) => /^(max_position_embeddings|n_positions|n_ctx|seq_length)$/.test(k[0]!)) && typeof config[p.name] === "number") n = Math.min(n, config[p.name] as number);
  }
  return n;
}

/** The token-id inputs a decoder reads once (an encoder's) and the one it generates. */
function streams(s: ModelSession): { stream: string; context: string[] } {
  return { stream: s.streamInput ?? "input_ids", context: s.contextInputs };
}

describe("causal models: changing token t never changes outputs before t", () => {
  describe.each(decoders)("%s", (name) => {
    const a = archFromZoo(name);
    it("holds for random configs, inputs and edits", async () => {
      await fc.assert(
        fc.asyncProperty(
          arbConfig(a).chain((config) =>
            fc.record({
              config: fc.constant(config),
              inputs: arbInputs(a, config, { length: [2, 7] }),
              at: fc.nat(),
              token: fc.nat({ max: vocabOf(a, config) - 1 }),
            }),
          ),
          async ({ config, inputs, at, token }) => {
            const s = await sessionFor(a, config);
            const { stream } = streams(s);
            const x = inputs[stream]!;
            const [B, T] = x.shape as [number, number];
            const t = 1 + (at % (T - 1));
            const edited = new IntTensor(Int32Array.from(x.data), [B, T]);
            for (let b = 0; b < B; b++) edited.data[b * T + t] = token;
            const before = s.forward(inputs).output;
            const after = s.forward({ ...inputs, [stream]: edited }).output;
            for (let b = 0; b < B; b++) for (let p = 0; p < t; p++) expectClose(row(after, b, p), row(before, b, p), 1e-5, 1e-5);
          },
        ),
        { seed, numRuns: 3, endOnFailure: true },
      );
    });
  });
});

describe("KV-cache decoding equals full recomputation at every step", () => {
  // Prefill a prompt, then feed one token per call with the cache (generate's loop), and
  // compare each step's last logits with an uncached pass over the whole prefix. 12–20
  // positions run past every tiny sliding window (2–16) and through recurrent state.
  describe.each(decoders)("%s", (name) => {
    const a = archFromZoo(name);
    it("for random configs, prompts and continuations", async () => {
      await fc.assert(
        fc.asyncProperty(
          arbConfig(a).filter((c) => maxPositions(a, c) >= 20).chain((config) => {
            const vocab = vocabOf(a, config);
            return fc.record({
              config: fc.constant(config),
              prompt: fc.array(fc.nat({ max: vocab - 1 }), { minLength: 1, maxLength: 6 }),
              next: fc.array(fc.nat({ max: vocab - 1 }), { minLength: 12, maxLength: 14 }),
              context: fc.array(fc.nat({ max: vocab - 1 }), { minLength: 1, maxLength: 5 }),
            });
          }),
          async ({ config, prompt, next, context }) => {
            const s = await sessionFor(a, config);
            const { stream, context: ctxInputs } = streams(s);
            const fixed = Object.fromEntries(ctxInputs.map((n) => [n, ids([context])]));
            const ctx = s.newContext(true);
            const seq = [...prompt];
            let out = s.forward({ ...fixed, [stream]: ids([seq]) }, ctx, undefined, { lastPosition: true }).output;
            for (const token of next) {
              const V = out.shape[out.shape.length - 1]!;
              const full = s.forward({ ...fixed, [stream]: ids([seq]) }).output;
              expectClose(out.data.subarray(out.data.length - V), full.data.subarray(full.data.length - V), 1e-4, 1e-4);
              seq.push(token);
              out = s.forward({ ...fixed, [stream]: ids([[token]]) }, ctx, undefined, { lastPosition: true }).output;
            }
          },
        ),
        { seed, numRuns: 2, endOnFailure: true },
      );
    });
  });
});

/** Runs `a` at `config` and at `config` with `changes`, on the same (named) random weights. */
async function sameWeightsOutputs(a: ArchUnderTest, config: Config, changes: Config, inputs: Record<string, IntTensor>) {
  const one = (await sessionFor(a, config)).forward(inputs).output;
  const two = (await sessionFor(a, { ...config, ...changes })).forward(inputs).output;
  return [one, two] as const;
}

describe("a sliding window at least as long as the sequence is plain causal attention", () => {
  // Each family's window knob, and the setting that turns windows off.
  const cases: [string, (w: number) => Config, Config][] = [
    ["Mistral", (w) => ({ window: w }), { window: null }],
    ["Phi3", (w) => ({ window: w }), { window: null }],
    ["Gemma2", (w) => ({ window: w }), { window: null }],
    ["Qwen2", (w) => ({ window: w, use_window: true, full_layers: 0 }), { use_window: false }],
  ];
  for (const [name, windowed, plain] of cases.filter(([n]) => families.includes(n))) {
    const a = archFromZoo(name);
    it(`${name}: window ≥ T equals no window`, async () => {
      await fc.assert(
        fc.asyncProperty(
          arbConfig(a).chain((config) => fc.record({ config: fc.constant(config), inputs: arbInputs(a, config, { length: [1, 9] }), extra: fc.nat({ max: 6 }) })),
          async ({ config, inputs, extra }) => {
            const T = Object.values(inputs)[0]!.shape[1]!;
            const [w, full] = await sameWeightsOutputs(a, { ...config, ...windowed(T + extra) }, plain, inputs);
            expectClose(w.data, full.data, 1e-5, 1e-5);
          },
        ),
        { seed, numRuns: 4, endOnFailure: true },
      );
    });
    it(`${name}: a window shorter than the sequence does change the output (the property above is not vacuous)`, async () => {
      const inputs = { input_ids: ids([[5, 9, 2, 7, 3, 8]]) };
      const cfg = tinyConfig(a);
      const [w, full] = await sameWeightsOutputs(a, { ...cfg, ...windowed(2) }, plain, inputs);
      expectClose(row(w, 0, 0), row(full, 0, 0), 1e-5, 1e-5);
      expect(Array.from(row(w, 0, 5)).some((x, i) => Math.abs(x - row(full, 0, 5)[i]!) > 1e-4)).toBe(true);
    });
  }
});

/** The tiny preset's values, every hyperparameter filled in. */
function tinyConfig(a: ArchUnderTest): Config {
  return fc.sample(arbConfig(a, { vary: [] }), { seed: 1, numRuns: 1 })[0]!;
}

/** A weight source that records what it synthesised, for building a second model from it. */
function recording(seedValue: number): WeightSource & { made: Map<string, Tensor> } {
  const base = randomSource(seedValue);
  const made = new Map<string, Tensor>();
  return {
    ...base,
    made,
    make: (n, shape) => {
      const t = base.make!(n, shape);
      made.set(n, t);
      return t;
    },
  };
}

/** Rows of a [heads·hd, d] projection (or a [heads·hd] bias) with each head repeated `groups` times. */
function repeatHeads(t: Tensor, kvHeads: number, groups: number): Tensor {
  const rowsPerHead = t.shape[0]! / kvHeads;
  const width = t.data.length / t.shape[0]!;
  const out = new Float32Array(t.data.length * groups);
  for (let h = 0; h < kvHeads * groups; h++) {
    const src = Math.floor(h / groups) * rowsPerHead * width;
    out.set(t.data.subarray(src, src + rowsPerHead * width), h * rowsPerHead * width);
  }
  return new Tensor(out, [t.shape[0]! * groups, ...t.shape.slice(1)]);
}

describe("grouped-query attention equals multi-head attention with repeated key/value heads", () => {
  it("the attention op: KV heads shared by groups of query heads = each query head with its own copy", () => {
    fc.assert(
      fc.property(
        fc.record({
          b: fc.integer({ min: 1, max: 2 }),
          kv: fc.integer({ min: 1, max: 3 }),
          groups: fc.integer({ min: 1, max: 3 }),
          t: fc.integer({ min: 1, max: 5 }),
          extra: fc.integer({ min: 0, max: 3 }),
          d: fc.integer({ min: 1, max: 6 }),
          causal: fc.boolean(),
          window: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
          data: fc.integer(),
        }),
        ({ b, kv, groups, t, extra, d, causal, window, data }) => {
          const s = t + extra;
          const h = kv * groups;
          const rnd = (shape: number[], k: number) => randomTensorOf(shape, data + k);
          const q = rnd([b, h, t, d], 1);
          const k = rnd([b, kv, s, d], 2);
          const v = rnd([b, kv, s, d], 3);
          // [B, KV, S, D] → [B, H, S, D], head j of KV becoming heads j·g … j·g + g − 1.
          const rep = (x: Tensor) => {
            const out = new Float32Array(b * h * s * d);
            for (let bi = 0; bi < b; bi++) for (let hi = 0; hi < h; hi++) out.set(x.data.subarray((bi * kv + Math.floor(hi / groups)) * s * d, (bi * kv + Math.floor(hi / groups) + 1) * s * d), (bi * h + hi) * s * d);
            return new Tensor(out, [b, h, s, d]);
          };
          const opts = { causal, ...(window !== undefined ? { window } : {}) };
          expectClose(ops.attention(q, k, v, opts).data, ops.attention(q, rep(k), rep(v), opts).data, 1e-6, 1e-5);
        },
      ),
      { seed, numRuns: 100 },
    );
  });

  it("Llama: kv_heads < heads equals kv_heads = heads with k_proj/v_proj rows repeated per group", async () => {
    const a = archFromZoo("Llama");
    await fc.assert(
      fc.asyncProperty(
        arbConfig(a).filter((c) => (c.kv_heads as number) < (c.heads as number)).chain((config) => fc.record({ config: fc.constant(config), inputs: arbInputs(a, config) })),
        async ({ config, inputs }) => {
          const mod = await loadArch(a.arch);
          const src = recording(7);
          const gqa = new ModelSession(mod, config, src, "ForCausalLM").forward(inputs).output;
          const kvHeads = config.kv_heads as number;
          const groups = (config.heads as number) / kvHeads;
          const weights = new Map([...src.made].map(([n, t]) => [n, /\.(k_proj|v_proj)\.(weight|bias)$/.test(n) ? repeatHeads(t, kvHeads, groups) : t]));
          const mha = new ModelSession(mod, { ...config, kv_heads: config.heads }, mapSource("repeated", weights), "ForCausalLM").forward(inputs).output;
          expectClose(mha.data, gqa.data, 1e-5, 1e-4);
        },
      ),
      { seed, numRuns: 4, endOnFailure: true },
    );
  });
});

function randomTensorOf(shape: number[], s: number): Tensor {
  let x = (s * 2654435761) >>> 0 || 1;
  const n = shape.reduce((p, q) => p * q, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = ((x >>> 0) / 2 ** 32) * 2 - 1;
  }
  return new Tensor(data, shape);
}

describe("a mixture of one expert with top-1 routing equals that expert as a dense MLP", () => {
  it("Mixtral (n_experts = 1, top_k = 1) = Mistral with the expert's w1, w3, w2 as gate, up, down", async () => {
    const moe = archFromZoo("Mixtral");
    const dense = archFromZoo("Mistral");
    await fc.assert(
      fc.asyncProperty(
        arbConfig(moe, { vary: ["d", "heads", "kv_heads", "ffn", "n_layers"] })
          .map((c) => ({ ...c, n_experts: 1, top_k: 1 }))
          .chain((config) => fc.record({ config: fc.constant(config), inputs: arbInputs(moe, config) })),
        async ({ config, inputs }) => {
          const src = recording(11);
          const sparse = new ModelSession(await loadArch(moe.arch), config, src, "ForCausalLM").forward(inputs).output;
          // The router has one choice, whose softmax gate is 1: it drops out of the dense model.
          const renamed = new Map<string, Tensor>();
          for (const [n, t] of src.made) {
            if (/\.block_sparse_moe\.gate\.weight$/.test(n)) continue;
            const m = /^(.*)\.block_sparse_moe\.experts\.0\.(w1|w2|w3)\.weight$/.exec(n);
            renamed.set(m ? `${m[1]}.mlp.${{ w1: "gate_proj", w3: "up_proj", w2: "down_proj" }[m[2] as "w1" | "w2" | "w3"]}.weight` : n, t);
          }
          const denseConfig = Object.fromEntries([...dense.arch.params.keys()].map((k) => [k, config[k] ?? null]));
          const mlp = new ModelSession(await loadArch(dense.arch), denseConfig, mapSource("dense", renamed), "ForCausalLM").forward(inputs).output;
          expectClose(sparse.data, mlp.data, 1e-5, 1e-4);
        },
      ),
      { seed, numRuns: 4, endOnFailure: true },
    );
  });
});

describe("an encoder without position information is permutation-equivariant", () => {
  // Token embeddings, bidirectional attention, norms and MLPs: nothing tells positions apart.
  const a = archFromText(`arch PositionFreeEncoder {
  param vocab: int = 40
  param d: int = 16
  param heads: int = 2
  param ffn: int = 24
  param n_layers: int = 2
  require d % heads == 0 : "heads divide the width"

  block Layer {
    q: Linear(d, d)
    k: Linear(d, d)
    v: Linear(d, d)
    o: Linear(d, d)
    ln1: LayerNorm(d)
    ln2: LayerNorm(d)
    up: Linear(d, ffn)
    down: Linear(ffn, d)

    forward(x: [B, T, d]) -> [B, T, d] {
      let h = ln1(x)
      let att = attention(split_heads(q(h), heads), split_heads(k(h), heads), split_heads(v(h), heads), causal = false)
      let y = x + o(merge_heads(att))
      return y + down(gelu(up(ln2(y))))
    }
  }

  block Encoder {
    embed: Embedding(vocab, d)
    layers: [Layer for i in 0..n_layers]
    norm: LayerNorm(d)

    forward(input_ids: ids[B, T]) -> [B, T, d] {
      let h = embed(input_ids)
      for layer in layers {
        h = layer(h)
      }
      return norm(h)
    }
  }

  root Encoder
  preset "tiny" { d = 8  ffn = 12 }
}
`);

  it("the inline model checks clean", () => {
    const errors = [...a.ws.diagnostics, ...checkWorkspace(a.ws, [a.arch.file])].filter((d) => d.severity === "error");
    expect(errors).toEqual([]);
  });

  it("permuting the tokens permutes the outputs", async () => {
    await fc.assert(
      fc.asyncProperty(
        arbConfig(a).chain((config) =>
          arbInputs(a, config, { length: [2, 8] }).chain((inputs) =>
            fc.record({ config: fc.constant(config), inputs: fc.constant(inputs), perm: fc.shuffledSubarray([...Array(inputs.input_ids!.shape[1]).keys()], { minLength: inputs.input_ids!.shape[1]!, maxLength: inputs.input_ids!.shape[1]! }) }),
          ),
        ),
        async ({ config, inputs, perm }) => {
          const s = await sessionFor(a, config);
          const x = inputs.input_ids!;
          const [B, T] = x.shape as [number, number];
          const permuted = new IntTensor(new Int32Array(B * T), [B, T]);
          for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) permuted.data[b * T + t] = x.data[b * T + perm[t]!]!;
          const out = s.forward(inputs).output;
          const outP = s.forward({ input_ids: permuted }).output;
          for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) expectClose(row(outP, b, t), row(out, b, perm[t]!), 1e-5, 1e-4);
        },
      ),
      { seed, numRuns: 12 },
    );
  });
});

describe("padding never changes the outputs at real positions", () => {
  it("BERT: rows padded on the right (any pad tokens, masked) = each row run alone", async () => {
    const a = archFromZoo("Bert");
    await fc.assert(
      fc.asyncProperty(
        arbConfig(a).chain((config) => {
          const vocab = vocabOf(a, config);
          const seqs = fc.array(fc.array(fc.nat({ max: vocab - 1 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 });
          return fc.record({ config: fc.constant(config), seqs, pad: fc.integer({ min: 0, max: 3 }), filler: fc.nat({ max: vocab - 1 }) });
        }),
        async ({ config, seqs, pad, filler }) => {
          const s = await sessionFor(a, config);
          const T = Math.max(...seqs.map((q) => q.length)) + pad;
          const padded = ids(seqs.map((q) => [...q, ...Array(T - q.length).fill(filler)]));
          const mask = ids(seqs.map((q) => [...q.map(() => 1), ...Array(T - q.length).fill(0)]));
          const out = s.forward({ input_ids: padded }, s.newContext(), mask).output;
          seqs.forEach((q, b) => {
            const alone = s.forward({ input_ids: ids([q]) }).output;
            for (let t = 0; t < q.length; t++) expectClose(row(out, b, t), row(alone, 0, t), 1e-5, 1e-4);
          });
        },
      ),
      { seed, numRuns: 8, endOnFailure: true },
    );
  });
});
