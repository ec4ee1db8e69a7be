// A call in a forward body: a submodule (or an item of a module list) applied to tensors, a
// builtin on config values, or an op.
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import { suggest } from "../diagnostics/suggest.js";
import { builtins } from "../eval/evaluate.js";
import { ops } from "../ops/catalogue.js";
import type { OpArg } from "../ops/op-def.js";
import type { BlockScope, Infer } from "./block-scope.js";
import { callModule } from "./module-calls.js";
import { inferOpCall } from "./op-calls.js";
import { toSym } from "./symbolic.js";
import { typeText, type Type } from "./types.js";

type CallExpr = Extract<A.Expr, { kind: "call" }>;

export function inferCall(scope: BlockScope, e: CallExpr, infer: Infer): Type | undefined {
  if (e.callee.kind !== "name" || callsModule(scope, e.callee.name)) return inferModuleCall(scope, e, infer);
  const name = e.callee.name;
  const op = ops[name];
  if (op) return inferOpCall(scope, e, name, op, infer);
  if (builtins[name]) {
    e.args.forEach((a) => infer(a.value));
    scope.ctx.annotations.resolutions.set(e, { kind: "config", name });
    // Turning the call into a size registers its text as an opaque term that numeric checks evaluate.
    toSym(e, scope.scalarSym);
    return { kind: "scalar", base: "any" };
  }
  return scope.ctx.fail("E0405", e.callee.span, `unknown operation \`${name}\``, {
    hint: suggest(name, [...Object.keys(ops), ...scope.submods.keys()]) ?? "see docs/language.md for the list of operations",
  } as { hint?: string });
}

// Whether a called name is a module value (a local, loop variable or submodule) rather than an
// op or builtin. A module list cannot be called, so an op of the same name stays reachable
// (`moe(x, logits, moe)` with experts in `moe`).
function callsModule(scope: BlockScope, name: string): boolean {
  const listNamedLikeOp = !!ops[name] && scope.submods.get(name)?.kind === "modlist";
  return scope.locals.has(name) || (scope.submods.has(name) && !listNamedLikeOp) || scope.loopVars.has(name) || scope.unresolved.has(name);
}

function inferModuleCall(scope: BlockScope, e: CallExpr, infer: Infer): Type | undefined {
  const ctx = scope.ctx;
  const ct = infer(e.callee);
  if (!ct) {
    e.args.forEach((a) => infer(a.value));
    return undefined;
  }
  if (ct.kind !== "module") return ctx.fail("E0403", e.callee.span, `\`${exprText(e.callee)}\` is not callable`, { found: typeText(ct) });
  const args = e.args.map((a) => {
    if (a.keyword) ctx.fail("E0110", a.span, "module inputs are positional");
    return { type: infer(a.value), expr: a.value };
  });
  ctx.annotations.resolutions.set(e, { kind: "call-module", type: ct });
  // An argument that already failed has been reported; checking the call would only cascade.
  if (args.some((a) => !a.type)) return undefined;
  return ctx.rootCause(() => callModule(ctx, ct, args as OpArg[], e.span, exprText(e.callee)));
}
