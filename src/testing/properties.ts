// Property-testing helpers for users' own .arch files (and the zoo's tests): fast-check
// arbitraries of configurations that satisfy an architecture's `require`s (or violate
// them), arbitrary token inputs of the declared shapes, and runners that execute the
// generated code and report the shape the checker inferred.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadWorkspace, displayPath, type Workspace } from "../compiler/workspace.js";
import { checkedArch, configFor } from "../compiler/pipeline.js";
import { loadArch } from "../compiler/codegen/load.js";
import { evalSym } from "../compiler/check/symbolic.js";
import { toSym } from "../compiler/check/symbolic.js";
import { Sym } from "../compiler/shapes/sym.js";
import type { ArchIR, Value } from "../compiler/ir/model.js";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { IntTensor, ModelSession, randomSource, type ForwardResult } from "../runtime/index.js";

export interface ArchUnderTest {
  ws: Workspace;
  arch: ArchIR;
}

/** An architecture from a file (the zoo is loaded too, so `extends` works). */
export function archFromFile(path: string, name?: string): ArchUnderTest {
  const ws = loadWorkspace([path]);
  const file = displayPath(resolve(path));
  const arch = [...ws.archs.values()].find((a) => (name ? a.name === name : a.file === file));
  if (!arch) throw new Error(`no architecture${name ? ` ${name}` : ""} in ${path}`);
  const errors = [...ws.diagnostics, ...checkedArch(arch).diagnostics].filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`${path} has errors:\n${errors.map((d) => `${d.code} ${d.message}`).join("\n")}`);
  return { ws, arch };
}

/** An architecture from source text (for tests that write a model inline). */
export function archFromText(text: string, name?: string, path = "inline.arch"): ArchUnderTest {
  const abs = resolve(path);
  const ws = loadWorkspace([abs], { texts: new Map([[abs, text]]) });
  const arch = [...ws.archs.values()].find((a) => (name ? a.name === name : a.file === displayPath(abs)));
  if (!arch) throw new Error(`no architecture${name ? ` ${name}` : ""} in the given text`);
  return { ws, arch };
}

export function archFromZoo(name: string): ArchUnderTest {
  const ws = loadWorkspace([]);
  const arch = ws.archs.get(name);
  if (!arch) throw new Error(`no architecture ${name} in models/`);
  return { ws, arch };
}

export type Config = Record<string, Value>;

export interface ConfigOptions {
  /** The preset whose values are varied (default: "tiny", else the defaults). */
  base?: string;
  /** Which int hyperparameters to vary (default: every int one the base sets to ≤ 256). */
  vary?: string[];
}

/** The base values and the int hyperparameters worth varying. */
function baseOf(a: ArchUnderTest, opts: ConfigOptions): { base: Config; vary: string[] } {
  const preset = opts.base ?? (a.arch.presets.has("tiny") ? "tiny" : undefined);
  const resolved = configFor(a.arch, preset);
  const base: Config = {};
  for (const p of a.arch.params.keys()) base[p] = resolved.values.get(p) ?? null;
  const vary =
    opts.vary ??
    [...a.arch.params.values()]
      .filter((p) => p.type.name === "int" && !p.type.list && typeof base[p.name] === "number" && (base[p.name] as number) >= 1 && (base[p.name] as number) <= 256)
      .map((p) => p.name);
  return { base, vary };
}

// Candidates around a base value: powers of two and small multiples keep divisibility
// requirements (d % heads == 0) satisfiable often enough for filtering to be cheap.
function candidates(v: number): number[] {
  const out = new Set<number>([v]);
  for (const f of [0.25, 0.5, 2]) {
    const x = Math.round(v * f);
    if (x >= 1 && Number.isInteger(v * f)) out.add(x);
  }
  if (v <= 4) [1, 2, 3, 4].forEach((x) => out.add(x));
  return [...out].sort((x, y) => x - y);
}

export function satisfies(a: ArchUnderTest, config: Config): Diagnostic[] {
  return configFor(a.arch, undefined, config).diagnostics;
}

/** Configurations that satisfy every `require` of the architecture. */
export function arbConfig(a: ArchUnderTest, opts: ConfigOptions = {}): fc.Arbitrary<Config> {
  const { base, vary } = baseOf(a, opts);
  const parts = Object.fromEntries(vary.map((n) => [n, fc.constantFrom(...candidates(base[n] as number))]));
  // The base itself is always valid: mixing it in keeps the filter from searching forever
  // when an architecture's requirements leave few valid neighbours.
  const varied = fc.record(parts).map((picked) => ({ ...base, ...picked }) as Config);
  return fc.oneof({ arbitrary: varied, weight: 4 }, { arbitrary: fc.constant(base), weight: 1 }).filter((c) => satisfies(a, c).length === 0);
}

/** Configurations with the varied hyperparameters anywhere in 1..2×base: valid or not. */
export function arbAnyConfig(a: ArchUnderTest, opts: ConfigOptions = {}): fc.Arbitrary<Config> {
  const { base, vary } = baseOf(a, opts);
  const parts = Object.fromEntries(vary.map((n) => [n, fc.integer({ min: 1, max: Math.max(8, 2 * (base[n] as number)) })]));
  return fc.record(parts).map((picked) => ({ ...base, ...picked }) as Config);
}

export interface InputOptions {
  batch?: [number, number];
  length?: [number, number];
}

/** Token inputs for the root block's forward, by input name, within the vocabulary. */
export function arbInputs(a: ArchUnderTest, config: Config, opts: InputOptions = {}): fc.Arbitrary<Record<string, IntTensor>> {
  const root = a.arch.blocks.get(a.arch.root?.block ?? "");
  const names = (root?.forward?.params ?? []).filter((p) => p.type.ids && !p.default).map((p) => p.name);
  const vocab = vocabOf(a, config);
  const [bLo, bHi] = opts.batch ?? [1, 2];
  const [tLo, tHi] = opts.length ?? [1, 6];
  return fc.tuple(fc.integer({ min: bLo, max: bHi }), fc.integer({ min: tLo, max: tHi })).chain(([b, t]) =>
    fc.record(Object.fromEntries(names.map((n) => [n, fc.array(fc.integer({ min: 0, max: vocab - 1 }), { minLength: b * t, maxLength: b * t }).map((ids) => new IntTensor(Int32Array.from(ids), [b, t]))]))),
  );
}

/** The vocabulary size: the hyperparameter read from `vocab_size` (or named vocab). */
export function vocabOf(a: ArchUnderTest, config: Config): number {
  for (const p of a.arch.params.values()) {
    if (p.name === "vocab" || p.hfKeys.some((k) => k[0] === "vocab_size" || k[0] === "padded_vocab_size")) {
      const v = config[p.name];
      if (typeof v === "number") return v;
    }
  }
  return 16;
}

/** Runs the generated code with deterministic random weights. */
export async function runModel(a: ArchUnderTest, config: Config, inputs: Record<string, IntTensor>, seed = 1): Promise<ForwardResult> {
  const mod = await loadArch(a.arch);
  const session = new ModelSession(mod, config, randomSource(seed), a.arch.root?.block ?? mod.defaultRoot);
  return session.forward(inputs);
}

export async function sessionFor(a: ArchUnderTest, config: Config, seed = 1): Promise<ModelSession> {
  const mod = await loadArch(a.arch);
  return new ModelSession(mod, config, randomSource(seed), a.arch.root?.block ?? mod.defaultRoot);
}

/** The output shape the checker inferred for the root block, evaluated at this config and input size. */
export function inferredOutputShape(a: ArchUnderTest, config: Config, inputs: Record<string, IntTensor>): number[] {
  const root = a.arch.blocks.get(a.arch.root?.block ?? "");
  const f = root?.forward;
  if (!f?.result) throw new Error(`${a.arch.name}: the root block declares no result shape`);
  const values = configFor(a.arch, undefined, config).values;
  const free = new Map<string, number>();
  for (const p of f.params) {
    const t = inputs[p.name];
    if (!t) continue;
    p.type.dims.forEach((d, i) => {
      if (d.kind === "name" && !values.has(d.name)) free.set(d.name, t.shape[i]!);
    });
  }
  const env = { label: "", values };
  return f.result.dims.map((d) => {
    const s = toSym(d, (n) => Sym.symbol(n)) ?? Sym.atom("?");
    const v = evalSym(s, env, free);
    if (v === undefined) throw new Error(`cannot evaluate ${s.toString()}`);
    return v;
  });
}

export function readArch(path: string): string {
  return readFileSync(path, "utf8");
}
