// The checking pipeline over a workspace: syntax and inheritance (already in the
// workspace), then per architecture the shape checker, and per preset the configuration
// (types, requires) and the elaborated module tree.
import { hasErrors, uniqueDiagnostics, type Diagnostic } from "./diagnostics/diagnostic.js";
import { checkedArch, resolvedArch } from "./arch-analysis.js";
import { resolveConfig, type Override, type ResolvedConfig } from "./eval/config.js";
import { elaborate, type ElaboratedModel } from "./elaborate/instance.js";
import type { ArchIR, Value } from "./ir/model.js";
import type { Workspace } from "./workspace.js";

export { checkedArch, resolvedArch };

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
  const syntax = (d: Diagnostic) => d.code === "E0001" || d.code === "E0002" || d.code === "E0003";
  const broken = new Set(ws.diagnostics.filter(syntax).map((d) => d.span?.file));
  const diags: Diagnostic[] = ws.diagnostics.filter((d) => syntax(d) || !broken.has(d.span?.file));
  const wanted = files ? new Set(files) : undefined;
  const unrooted = archsWithBrokenInheritance(ws);
  for (const arch of ws.archs.values()) {
    if (wanted && !wanted.has(arch.file)) continue;
    if (arch.lineage.some((n) => broken.has(ws.archs.get(n)?.file))) continue;
    if (unrooted.has(arch.name)) continue;
    const checked = checkedArch(arch).diagnostics;
    diags.push(...checked);
    const configs: ResolvedConfig[] = [configFor(arch)];
    for (const p of arch.presets.keys()) configs.push(configFor(arch, p));
    for (const c of configs) {
      diags.push(...c.diagnostics);
      // Elaboration re-reads what the checker rejected; it would only repeat its errors.
      if (c.diagnostics.length === 0 && !hasErrors(checked)) diags.push(...elaborate(c).diagnostics);
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

// An arch whose chain of bases is unknown or circular was flattened without its base: checking
// it would report every member it was meant to inherit.
function archsWithBrokenInheritance(ws: Workspace): Set<string> {
  const decls = new Map(ws.files.flatMap((f) => f.archs.map((a) => [a.name, a] as const)));
  const out = new Set<string>();
  for (const name of decls.keys()) {
    const seen = new Set<string>();
    let cur: string | undefined = name;
    while (cur !== undefined) {
      const d = decls.get(cur);
      if (!d || seen.has(cur)) {
        out.add(name);
        break;
      }
      seen.add(cur);
      cur = d.base?.name;
    }
  }
  return out;
}

export function modelFor(arch: ArchIR, preset?: string, values: Record<string, Value> = {}, root?: string): ElaboratedModel {
  return elaborate(configFor(arch, preset, values), root);
}
