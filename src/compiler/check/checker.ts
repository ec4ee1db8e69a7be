// The shape checker: infers a symbolic type for every expression of every forward body,
// proving dimension equalities with the Sym algebra and, where the algebra cannot decide,
// on every concrete configuration the architecture declares (defaults and presets).
//
// Each construct has its own check in this folder (declarations.ts, statements.ts,
// expressions.ts and the files it dispatches to), sharing one CheckContext (context.ts) per
// architecture and one BlockScope (block-scope.ts) per block.
import type * as A from "../ast/nodes.js";
import { uniqueDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { ArchIR } from "../ir/model.js";
import { checkBlock } from "./blocks.js";
import { CheckContext } from "./context.js";
import { checkRoots } from "./roots.js";
import type { NumericEnv } from "./symbolic.js";
import type { Annotations, ModuleCallee, ModuleListT, ModuleT } from "./types.js";

export interface CheckResult {
  annotations: Annotations;
  diagnostics: Diagnostic[];
  envs: NumericEnv[];
  /** The module type each submodule declaration builds, for every block (a declaration that failed has none). */
  submoduleTypes: ReadonlyMap<A.SubmoduleDecl, ModuleT | ModuleListT>;
  /** What each name or call of each submodule declaration and block alias builds (absent for an unknown name). */
  moduleCallees: ReadonlyMap<A.Expr, ModuleCallee>;
}

export function checkArch(arch: ArchIR): CheckResult {
  const ctx = new CheckContext(arch, checkBlock);
  for (const b of arch.blocks.values()) checkBlock(ctx, b);
  checkRoots(ctx);
  return { annotations: ctx.annotations, diagnostics: uniqueDiagnostics(ctx.diagnostics), envs: ctx.envs, submoduleTypes: ctx.submoduleTypes, moduleCallees: ctx.moduleCallees };
}
