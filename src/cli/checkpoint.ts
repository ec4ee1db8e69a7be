// Loading a Hugging Face checkpoint directory into a runnable session: config.json picks
// the architecture and its hyperparameters, the safetensors provide the weights.
import { existsSync, readFileSync, statSync } from "node:fs";
import { checkMemory } from "./memory-budget.js";
import { join } from "node:path";
import { mapHfConfig, selectArchForConfig } from "../compiler/hf/config-map.js";
import { error, DiagnosticError, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { loadArch } from "../compiler/codegen/load.js";
import { checkedArch, configFor } from "../compiler/pipeline.js";
import { elaborate } from "../compiler/elaborate/instance.js";
import type { ArchIR, Value } from "../compiler/ir/model.js";
import type { Workspace } from "../compiler/workspace.js";
import { ModelSession, mapSource, readCheckpointDir, sharedArray, sharedBytes, WeightBindError, WEIGHT_MODES, isWeightMode, type WeightMode, type WeightSource } from "../runtime/index.js";
import { opt, UsageError, type ParsedArgs } from "./args.js";

export interface LoadedCheckpoint {
  session: ModelSession;
  arch: ArchIR;
  root: string;
  values: Record<string, Value>;
  config: Record<string, unknown>;
  warnings: string[];
}

export function readJson(path: string, what: string): Record<string, unknown> {
  if (!existsSync(path)) throw new DiagnosticError([error("E0501", undefined, `${path}: ${what} not found`)]);
  // A folder, a FIFO (which would block the read forever) or a device is not a JSON file.
  if (!statSync(path).isFile()) throw new DiagnosticError([error("E0501", undefined, `${path}: ${what} is ${statSync(path).isDirectory() ? "a folder" : "not a regular file"}, expected a JSON file`)]);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new DiagnosticError([error("E0501", undefined, `${path}: not valid JSON (${(e as Error).message})`)]);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new DiagnosticError([error("E0501", undefined, `${path}: expected a JSON object`)]);
  return json as Record<string, unknown>;
}

/** Hyperparameters for a config.json, with every problem as a diagnostic. */
/** `archs`: the architectures that may take the config (default: every one loaded). */
export function configValues(ws: Workspace, config: Record<string, unknown>, file: string, archs: Iterable<ArchIR> = ws.archs.values()): { arch: ArchIR; root: string; values: Record<string, Value> } {
  const sel = selectArchForConfig(archs, config);
  if ("code" in sel) throw new DiagnosticError([{ ...sel, message: `${file}: ${sel.message}` } as Diagnostic]);
  const errs = checkedArch(sel.arch).diagnostics.filter((d) => d.severity === "error");
  if (errs.length) throw new DiagnosticError(errs);
  const mapped = mapHfConfig(sel.arch, config, file);
  if (mapped.diagnostics.length) throw new DiagnosticError(mapped.diagnostics);
  const resolved = configFor(sel.arch, undefined, mapped.values);
  // The module tree is built (and checked against size limits) before any weight is read.
  const tree = resolved.diagnostics.length ? [] : elaborate(resolved, sel.root).diagnostics.filter((d) => d.severity === "error");
  if (resolved.diagnostics.length || tree.length) {
    throw new DiagnosticError([...resolved.diagnostics, ...tree].map((d) => ({ ...d, message: `${file}: ${d.message}` })));
  }
  return { arch: sel.arch, root: sel.root, values: mapped.values };
}

/** Hyperparameters that decide shapes but that config.json leaves to the .arch defaults. */
function defaultedSizes(arch: ArchIR, values: Record<string, Value>, file: string): string[] {
  const resolved = configFor(arch, undefined, values).values;
  return [...arch.params.values()]
    .filter((p) => p.hfKeys.length > 0 && !(p.name in values) && p.type.name === "int" && !p.type.optional && !p.type.list)
    .map((p) => `${file} has no \`${p.hfKeys.map((k) => k.join(".")).join("` or `")}\`: ${p.name} = ${JSON.stringify(resolved.get(p.name) ?? null)}, the default in ${arch.file}`);
}

/** `--weights auto|fp32|bf16|int8` (run, bench, verify): how weight matrices are held. */
export function weightModeOpt(args: ParsedArgs): WeightMode {
  const v = opt(args, "weights") ?? "auto";
  if (!isWeightMode(v)) throw new UsageError(`--weights needs one of ${WEIGHT_MODES.join(", ")}, found ${JSON.stringify(v)}`);
  return v;
}

/** `archs`: the architectures that may load it (default: every one in `ws`); `weights`: how matrices are held. */
export async function loadCheckpoint(ws: Workspace, dir: string, source?: WeightSource, options: { archs?: Iterable<ArchIR>; weights?: WeightMode; maxMemory?: number } = {}): Promise<LoadedCheckpoint> {
  const { archs, weights = "auto", maxMemory } = options;
  const cfgPath = join(dir, "config.json");
  const config = readJson(cfgPath, "config.json");
  const { arch, root, values } = configValues(ws, config, cfgPath, archs);
  // Before any weight is read or allocated.
  if (!source) checkMemory(arch, root, values, cfgPath, maxMemory);
  const mod = await loadArch(arch);
  let warnings: string[] = [];
  let src = source;
  if (!src) {
    // Straight into the kernels' shared memory (no second copy) when they are loaded.
    const ck = readCheckpointDir(dir, { alloc: sharedArray, allocBytes: sharedBytes, weights });
    warnings = ck.warnings;
    src = mapSource(ck.files.join(", "), ck.tensors);
  }
  let session: ModelSession;
  try {
    session = new ModelSession(mod, values, src, root);
  } catch (e) {
    if (e instanceof WeightBindError) throw new WeightBindError(e.source, e.problems, [...e.notes, ...defaultedSizes(arch, values, cfgPath)]);
    throw e;
  }
  return { session, arch, root, values, config, warnings };
}
