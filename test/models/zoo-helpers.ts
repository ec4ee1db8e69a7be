// What the model-zoo tests share: the workspace of models/, presets and architectures by name,
// the seed survey's module trees, and the checks most families get against independent truth
// (PyTorch's printed module tree, published parameter counts, the parameter counts
// transformers reported for the conformance checkpoints).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadWorkspace, resolveModelRef, type ModelRef } from "../../src/compiler/workspace.js";
import { modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import type { ArchIR } from "../../src/compiler/ir/model.js";
import { configValues, loadCheckpoint } from "../../src/cli/checkpoint.js";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import type { Value } from "../../src/compiler/ir/model.js";
import { IntTensor, ModelSession, mulberry32, ops, randomSource, type Tensor, type WeightSource } from "../../src/runtime/index.js";

export const shared = join(__dirname, "../../../shared");
export const ws = loadWorkspace([]);

/** A preset by its bare name; an unknown or ambiguous name fails the test. */
export function preset(name: string): ModelRef {
  const ref = resolveModelRef(ws, undefined, name);
  if ("code" in ref) throw new Error(ref.message);
  return ref;
}

export function arch(name: string): ArchIR {
  const a = ws.archs.get(name);
  if (!a) throw new Error(`no arch ${name}`);
  return a;
}

/** The model of a preset; any diagnostic, of its configuration or of the model, fails the test. */
export function model(name: string) {
  const ref = preset(name);
  const m = modelFor(ref.arch, ref.preset);
  expect([...m.config.diagnostics, ...m.diagnostics]).toEqual([]);
  return m;
}

export const params = (name: string) => computeStats(model(name)).params;

/** The module tree PyTorch printed for a real checkpoint (shared/seed/trees), without the final newline. */
export const seedTree = (file: string) => readFileSync(join(shared, "seed/trees", file), "utf8").trimEnd();

/** One sequence of token ids, [1, n]. */
export const ids = (xs: number[]) => new IntTensor(Int32Array.from(xs), [1, xs.length]);

/** A conformance checkpoint loaded as `archc verify` loads it, with transformers' num_parameters() (meta.json). */
export async function conformanceCheckpoint(name: string) {
  const dir = join(shared, "conformance", name);
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as { num_parameters: number };
  return { ...(await loadCheckpoint(ws, dir)), transformersParams: meta.num_parameters };
}

/** For each [preset, tree file]: the preset prints exactly as PyTorch printed the checkpoint. */
export function itPrintsAsSeedTrees(trees: readonly (readonly [string, string])[]): void {
  for (const [p, file] of trees) {
    it(`${p} prints as ${file}`, () => {
      const ref = preset(p);
      expect(printModuleTree(modelFor(ref.arch, ref.preset).root)).toBe(seedTree(file));
    });
  }
}

/** For each [preset, count]: the model builds without diagnostics and has exactly the published count. */
export function itCountsPublishedParams(published: readonly (readonly [string, number])[]): void {
  for (const [p, n] of published) {
    it(`${p}: ${n.toLocaleString("en")}`, () => {
      const ref = preset(p);
      const m = modelFor(ref.arch, ref.preset);
      expect(m.diagnostics).toEqual([]);
      expect(computeStats(m).params).toBe(n);
    });
  }
}

/** For each conformance checkpoint: binding its weights counts exactly the parameters transformers counted. */
export function itBindsConformanceParams(names: readonly string[]): void {
  for (const c of names) {
    it(`${c} binds exactly the parameters transformers counted`, async () => {
      const { session, transformersParams } = await conformanceCheckpoint(c);
      expect(session.parameterCount).toBe(transformersParams);
    });
  }
}

/** The module tree a preset prints. */
export const printed = (name: string) => printModuleTree(model(name).root);

// ---- tiny models with random weights, the way several families' tests run them

/** The arch's tiny preset with these values set, on the given weights. */
export async function tinySessionWith(archName: string, values: Record<string, Value>, source: WeightSource): Promise<ModelSession> {
  const arch = ws.archs.get(archName)!;
  const resolved = configFor(arch, "tiny", values);
  expect(resolved.diagnostics).toEqual([]);
  return new ModelSession(await loadArch(arch), Object.fromEntries(resolved.values) as Record<string, Value>, source);
}

/**
 * The arch's tiny preset with these overrides, on seeded random weights. Only what the tiny
 * preset and the overrides set is passed: derived defaults follow the overrides.
 */
export async function tinySession(archName: string, overrides: Record<string, Value> = {}, seed = 7): Promise<ModelSession> {
  const a = arch(archName);
  const mod = await loadArch(a);
  const resolved = configFor(a, "tiny", overrides);
  expect(resolved.diagnostics).toEqual([]);
  const given = new Set([...(a.presets.get("tiny")?.values.map((v) => v.name) ?? []), ...Object.keys(overrides)]);
  const values = Object.fromEntries([...resolved.values].filter(([k]) => given.has(k))) as Record<string, Value>;
  return new ModelSession(mod, values, randomSource(seed));
}

/** A model configured from a config.json dictionary, as `archc run` reads it, on seeded random weights. */
export async function configJsonSession(config: Record<string, unknown>, seed = 7): Promise<ModelSession> {
  const { arch, root, values } = configValues(ws, config, "config.json");
  return new ModelSession(await loadArch(arch), values, randomSource(seed), root);
}

/** Logits of the last position after a full pass over `xs`. */
export function lastLogits(s: ModelSession, xs: number[]): Float32Array {
  const { output } = s.forward({ input_ids: ids(xs) });
  const v = output.shape[2]!;
  return output.data.slice((xs.length - 1) * v, xs.length * v);
}

/** Rows from..to of logits [1, T, V], flattened. */
export function rows(t: Tensor, from: number, to: number): number[] {
  const v = t.shape[2]!;
  return Array.from(t.data.subarray(from * v, to * v));
}

/** The largest elementwise difference is below `tol`. */
export function expectListClose(a: number[], b: number[], tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b[i]!))));
  expect(worst).toBeLessThan(tol);
}

/** Same shape, and the largest elementwise difference is at most `tol`. */
export function expectTensorClose(actual: Tensor, expected: Tensor, tol: number): void {
  expect(actual.shape).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

/** Prefill `split` tokens, then one token per call; every row must equal the full pass. */
export function expectCachedDecodingMatches(s: ModelSession, tokens: number[], split: number): void {
  const full = s.forward({ input_ids: ids(tokens) }).output;
  const ctx = s.newContext(true);
  const pre = s.forward({ input_ids: ids(tokens.slice(0, split)) }, ctx).output;
  expectListClose(rows(pre, 0, split), rows(full, 0, split));
  for (let i = split; i < tokens.length; i++) {
    const step = s.forward({ input_ids: ids([tokens[i]!]) }, ctx).output;
    expectListClose(rows(step, 0, 1), rows(full, i, i + 1));
  }
}

/** B rows of t seeded random token ids below vocab. */
export function randomIds(b: number, t: number, vocab: number, seed: number): number[][] {
  const r = mulberry32(seed);
  return Array.from({ length: b }, () => Array.from({ length: t }, () => Math.floor(r() * vocab)));
}

/** Token ids [B, to - from] from rows of ids. */
export const idsOf = (rows: number[][], from = 0, to = rows[0]!.length) =>
  new IntTensor(Int32Array.from(rows.flatMap((r) => r.slice(from, to))), [rows.length, to - from]);

/** Logits of rows [B, T, V] restricted to tokens from..to. */
export const tokenSlice = (t: Tensor, from: number, to: number) => ops.slice(t, 1, from, to);

// ---- tiny config.json dictionaries of the Llama lineage

/** The sizes of every tiny config.json: 64 tokens, width 32, 4 query heads over 2 KV heads. */
export const tinySizes = {
  vocab_size: 64,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 1,
  num_attention_heads: 4,
  num_key_value_heads: 2,
};

export const tinyMistral = (extra: Record<string, unknown>) => ({
  architectures: ["MistralForCausalLM"],
  model_type: "mistral",
  ...tinySizes,
  max_position_embeddings: 64,
  ...extra,
});

/** A prompt for the tiny vocabulary of 64, and the same prompt with token i changed. */
export const prompt = [5, 17, 33, 2, 61, 40, 9, 28, 50, 13, 44, 7];
export const swap = (xs: number[], i: number) => xs.map((x, j) => (j === i ? (x + 11) % 64 : x));

/**
 * A published config.json as `archc import` and `archc run` read it: model_type/architectures
 * pick the .arch, every key is understood, and the values are those of the preset `name`.
 */
export function expectImportsAsPreset(json: Record<string, unknown>, name: string) {
  const r = configValues(ws, json, "config.json");
  expect(r.arch.name).toBe(preset(name).arch.name);
  const got = configFor(r.arch, undefined, r.values).values;
  expect(Object.fromEntries(got)).toEqual(Object.fromEntries(configFor(preset(name).arch, name).values));
  return r;
}
