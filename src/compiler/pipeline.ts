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
  // A file with syntax errors has a partial AST: checking it further would only report the
  // holes error recovery left, so its archs (and archs built on them) stop at the syntax errors.
  const broken = new Set(ws.diagnostics.filter((d) => d.code === "E0001" || d.code === "E0002").map((d) => d.span?.file));
  const diags: Diagnostic[] = ws.diagnostics.filter((d) => d.code === "E0001" || d.code === "E0002" || !broken.has(d.span?.file));
  const wanted = files ? new Set(files) : undefined;
  for (const arch of ws.archs.values()) {
    if (wanted && !wanted.has(arch.file)) continue;
    if (arch.lineage.some((n) => broken.has(ws.archs.get(n)?.file))) continue;
    diags.push(...checkedArch(arch).diagnostics);
    const configs: ResolvedConfig[] = [configFor(arch)];
    for (const p of arch.presets.keys()) configs.push(configFor(arch, p));
    for (const c of configs) {
      diags.push(...c.diagnostics);
      if (c.diagnostics.length === 0) diags.push(...elaborate(c).diagnostics);
    }
  }
  // Reported in source order, as a reader meets them; a file's own order is kept.
  const fileOrder = new Map(ws.files.map((f, i) => [f.path, i]));
  const rank = (d: Diagnostic) => [d.span ? (fileOrder.get(d.span.file) ?? ws.files.length) : ws.files.length + 1, d.span?.offset ?? 0] as const;
  return uniqueDiagnostics(diags).sort((a, b) => {
    const [fa, oa] = rank(a);
    const [fb, ob] = rank(b);
    return fa - fb || oa - ob;
  });
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
