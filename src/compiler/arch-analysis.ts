// The checker's result and the resolved IR of an architecture, computed once per ArchIR and
// cached. Apart from pipeline.ts so that elaboration (which pipeline.ts imports) can read the
// resolved IR without an import cycle.
import { checkArch, type CheckResult } from "./check/checker.js";
import type { ArchIR } from "./ir/model.js";
import { resolveArch } from "./resolved/resolve.js";
import type { ResolvedArch } from "./resolved/nodes.js";

const checkCache = new WeakMap<ArchIR, CheckResult>();

export function checkedArch(arch: ArchIR): CheckResult {
  let r = checkCache.get(arch);
  if (!r) {
    r = checkArch(arch);
    checkCache.set(arch, r);
  }
  return r;
}

const resolvedCache = new WeakMap<ArchIR, ResolvedArch>();

/** The architecture's forward bodies as the checker resolved them (see resolved/nodes.ts). */
export function resolvedArch(arch: ArchIR): ResolvedArch {
  let r = resolvedCache.get(arch);
  if (!r) {
    r = resolveArch(arch, checkedArch(arch));
    resolvedCache.set(arch, r);
  }
  return r;
}
