// Loading a Hugging Face checkpoint directory into a runnable session: config.json picks
// the architecture and its hyperparameters, the safetensors provide the weights.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mapHfConfig, selectArchForConfig } from "../compiler/hf/config-map.js";
import { error, DiagnosticError, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { loadArch } from "../compiler/codegen/load.js";
import { checkedArch, configFor } from "../compiler/pipeline.js";
import type { ArchIR, Value } from "../compiler/ir/model.js";
import type { Workspace } from "../compiler/workspace.js";
import { ModelSession, mapSource, readCheckpointDir, sharedArray, type WeightSource } from "../runtime/index.js";

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
export function configValues(ws: Workspace, config: Record<string, unknown>, file: string): { arch: ArchIR; root: string; values: Record<string, Value> } {
  const sel = selectArchForConfig(ws.archs.values(), config);
  if ("code" in sel) throw new DiagnosticError([{ ...sel, message: `${file}: ${sel.message}` } as Diagnostic]);
  const errs = checkedArch(sel.arch).diagnostics.filter((d) => d.severity === "error");
  if (errs.length) throw new DiagnosticError(errs);
  const mapped = mapHfConfig(sel.arch, config, file);
  if (mapped.diagnostics.length) throw new DiagnosticError(mapped.diagnostics);
  const resolved = configFor(sel.arch, undefined, mapped.values);
  if (resolved.diagnostics.length) {
    throw new DiagnosticError(resolved.diagnostics.map((d) => ({ ...d, message: `${file}: ${d.message}` })));
  }
  return { arch: sel.arch, root: sel.root, values: mapped.values };
}

export async function loadCheckpoint(ws: Workspace, dir: string, source?: WeightSource): Promise<LoadedCheckpoint> {
  const cfgPath = join(dir, "config.json");
  const config = readJson(cfgPath, "config.json");
  const { arch, root, values } = configValues(ws, config, cfgPath);
  const mod = await loadArch(arch);
  let warnings: string[] = [];
  let src = source;
  if (!src) {
    // Straight into the kernels' shared memory (no second copy) when they are loaded.
    const ck = readCheckpointDir(dir, { alloc: sharedArray });
    warnings = ck.warnings;
    src = mapSource(dir, ck.tensors);
  }
  const session = new ModelSession(mod, values, src, root);
  return { session, arch, root, values, config, warnings };
}
