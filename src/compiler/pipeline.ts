// The checking pipeline over a workspace: syntax and inheritance (already in the
// workspace), then per architecture the shape checker, and per preset the configuration
// (types, requires) and the elaborated module tree.
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import { checkArch, type CheckResult } from "./check/checker.js";
import { resolveConfig, type Override, type ResolvedConfig } from "./eval/config.js";
import { elaborate, type ElaboratedModel } from "./elaborate/instance.js";
import type { ArchIR, Value } from "./ir/model.js";
import type { Workspace } from "./workspace.js";

const checkCache = new WeakMap<ArchIR, CheckResult>();

export function checkedArch(arch: ArchIR): CheckResult {
  let r = checkCache.get(arch);
  if (!r) {
    r = checkArch(arch);
    checkCache.set(arch, r);
  }
  return r;
}

export function presetOverrides(arch: ArchIR, preset: string | undefined): Map<string, Override> {
  const p = preset ? arch.presets.get(preset) : undefined;
  return new Map((p?.values ?? []).map((v) => [v.name, { value: v.value, span: v.span }]));
}

export function configFor(arch: ArchIR, preset?: string, values: Record<string, Value> = {}): ResolvedConfig {
  const overrides = presetOverrides(arch, preset);
  for (const [k, v] of Object.entries(values)) overrides.set(k, { value: v });
  return resolveConfig(arch, overrides, preset);
}

/** Everything `archc check` reports for the archs defined in `files` (all archs when omitted). */
export function checkWorkspace(ws: Workspace, files?: string[]): Diagnostic[] {
  const diags: Diagnostic[] = [...ws.diagnostics];
  const wanted = files ? new Set(files) : undefined;
  for (const arch of ws.archs.values()) {
    if (wanted && !wanted.has(arch.file)) continue;
    diags.push(...checkedArch(arch).diagnostics);
    const configs: ResolvedConfig[] = [configFor(arch)];
    for (const p of arch.presets.keys()) configs.push(configFor(arch, p));
    for (const c of configs) {
      diags.push(...c.diagnostics);
      if (c.diagnostics.length === 0) diags.push(...elaborate(c).diagnostics);
    }
  }
  return uniqueDiagnostics(diags);
}

export function uniqueDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}@${d.span?.file}:${d.span?.offset}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function modelFor(arch: ArchIR, preset?: string, values: Record<string, Value> = {}, root?: string): ElaboratedModel {
  return elaborate(configFor(arch, preset, values), root);
}
