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
import { loadCheckpoint } from "../../src/cli/checkpoint.js";
import { IntTensor } from "../../src/runtime/index.js";

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
