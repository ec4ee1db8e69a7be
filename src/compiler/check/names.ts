// A name read in a forward body: what it resolves to (innermost first: loop variable, local,
// submodule, block parameter, config value, free dim), recorded for codegen.
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import { suggestAt } from "../diagnostics/suggest.js";
import { Sym } from "../shapes/sym.js";
import type { BlockScope } from "./block-scope.js";
import { paramValue } from "./module-types.js";
import { condition } from "./symbolic.js";
import type { Type } from "./types.js";

type NameExpr = Extract<A.Expr, { kind: "name" }>;

export function resolveName(scope: BlockScope, e: NameExpr): Type | undefined {
  const { ctx, block: b } = scope;
  const resolutions = ctx.annotations.resolutions;
  const lv = scope.loopVars.get(e.name);
  if (!lv && scope.unresolved.has(e.name)) return undefined;
  if (lv) {
    resolutions.set(e, { kind: "loopVar", name: e.name, overModules: lv.overModules });
    return lv.type;
  }
  const local = scope.locals.get(e.name);
  if (local) {
    resolutions.set(e, { kind: "local" });
    return local;
  }
  const sm = scope.submods.get(e.name);
  if (sm) {
    if (!presentHere(scope, e)) return undefined;
    resolutions.set(e, { kind: "submodule", name: e.name, type: sm });
    return paramValue(sm);
  }
  const bp = scope.blockParams.get(e.name);
  if (bp) {
    resolutions.set(e, { kind: "blockParam", name: e.name });
    return bp;
  }
  const c = ctx.config.lookup(e.name);
  if (c) {
    resolutions.set(e, { kind: "config", name: e.name });
    return c;
  }
  if (scope.freeDims.has(e.name)) {
    resolutions.set(e, { kind: "local" });
    return { kind: "scalar", sym: Sym.symbol(e.name), base: "int" };
  }
  const own = [...scope.locals.keys(), ...scope.submods.keys(), ...scope.blockParams.keys()];
  const fix = suggestAt(e.name, [...own, ...ctx.arch.params.keys(), ...ctx.arch.lets.keys()], e.span);
  return ctx.fail("E0101", e.span, `unknown name \`${e.name}\``, {
    ...fix,
    hint: fix.hint ?? `in scope in \`${b.name}\`: ${own.slice(0, 10).join(", ")}${own.length > 10 ? ", …" : ""} and the hyperparameters`,
  });
}

// A submodule declared `name: X if cond` exists only where cond holds: a use that runs on a
// configuration without it would fail at run time.
function presentHere(scope: BlockScope, e: NameExpr): boolean {
  const ctx = scope.ctx;
  const decl = scope.conditional.get(e.name);
  if (!decl) return true;
  const exists = condition(decl, scope.isConfigHere);
  const missing = ctx.liveEnvs().find((env) => exists(env) === false);
  if (!missing) return true;
  ctx.fail("E0406", e.span, `\`${e.name}\` is used where it does not exist: it is declared \`if ${exprText(decl)}\`, which is false in ${missing.label}`, {
    hint: `use it under the same condition: \`if ${exprText(decl)} { … }\` or \`if ${exprText(decl)} then ${e.name}(x) else x\``,
  });
  return false;
}
