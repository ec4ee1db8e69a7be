// Branches and loops of a forward body. A branch is checked on the configurations that take
// it; after it, a local has the type of the branch the configuration took. A loop's body is
// checked once, with its variable standing for every value it takes.
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import { Sym } from "../shapes/sym.js";
import type { BlockScope, Infer } from "./block-scope.js";
import { chosenTensor, negate, undecided } from "./choices.js";
import { sameDim } from "./dimension-proofs.js";
import { typeText, type ModuleListT, type Type } from "./types.js";

type IfExpr = Extract<A.Expr, { kind: "if" }>;
type IfStmt = Extract<A.Stmt, { kind: "if" }>;
type ForStmt = Extract<A.Stmt, { kind: "for" }>;

/** Checks statements; true when they always end in a `return` (statements.ts). */
export type Walk = (stmts: A.Stmt[]) => boolean;

/** `if c then a else b`: both branches' types, a size that differs being the one of the branch taken. */
export function inferIfExpression(scope: BlockScope, e: IfExpr, infer: Infer): Type | undefined {
  const ctx = scope.ctx;
  infer(e.cond);
  // Their sizes are compared only where the condition cannot be told (it reads a block parameter or a local).
  const c = scope.bodyCondition(e.cond);
  const a = ctx.guarded([c], () => infer(e.then));
  const b = ctx.guarded([negate(c)], () => infer(e.else));
  if (a?.kind === "tensor" && b?.kind === "tensor") {
    if (a.dims.length !== b.dims.length) return ctx.fail("E0305", e.span, "the two branches have different ranks", { expected: typeText(a), found: typeText(b) });
    ctx.guarded([undecided([c])], () => a.dims.forEach((d, i) => sameDim(ctx, d, b.dims[i]!, e.else.span, "E0301", `dimension ${i} of the else branch`)));
    return chosenTensor(
      [
        { when: [c], type: a },
        { when: [negate(c)], type: b },
      ],
      ([x, y]) => `if ${exprText(e.cond)} then ${x} else ${y}`,
    );
  }
  return a ?? b;
}

/**
 * `if c { … } else { … }`; true when both branches return. After a branch that returns, the
 * rest of the enclosing statements runs only where the other branch is taken: its condition
 * stays among the guards until `walk` of the enclosing list restores them.
 */
export function checkIfStatement(scope: BlockScope, s: IfStmt, infer: Infer, walk: Walk): boolean {
  const { ctx, locals } = scope;
  infer(s.cond);
  const c = scope.bodyCondition(s.cond);
  const before = new Map(locals);
  const thenEnds = ctx.guarded([c], () => walk(s.then));
  const afterThen = new Map(locals);
  let elseEnds = false;
  replaceAll(locals, before);
  if (s.else) elseEnds = ctx.guarded([negate(c)], () => walk(s.else!));
  if (thenEnds && elseEnds) return true;
  if (thenEnds) ctx.guards.push(negate(c));
  else if (elseEnds) {
    ctx.guards.push(c);
    replaceAll(locals, afterThen);
  }
  // After the statement a local has the type of the branch the configuration took.
  for (const [n, t1] of thenEnds || elseEnds ? [] : afterThen) {
    const t2 = locals.get(n);
    if (!t2) locals.set(n, t1);
    else if (t1 !== t2 && t1.kind === "tensor" && t2.kind === "tensor" && t1.dims.length === t2.dims.length) {
      locals.set(n, chosenTensor([{ when: [c], type: t1 }, { when: [negate(c)], type: t2 }], ([x, y]) => `if ${exprText(s.cond)} then ${x} else ${y}`));
    }
  }
  return false;
}

function replaceAll(locals: Map<string, Type>, from: Map<string, Type>): void {
  locals.clear();
  for (const [n, t] of from) locals.set(n, t);
}

/** `for v in layers { … }` or `for i in 0..n { … }`: a loop-carried tensor must keep its shape from one iteration to the next. */
export function checkForStatement(scope: BlockScope, s: ForStmt, infer: Infer, walk: Walk): void {
  const { ctx, locals } = scope;
  const it = infer(s.iter);
  const overModules = it?.kind === "modlist";
  const vt: Type = overModules ? (it as ModuleListT).item : { kind: "scalar", sym: Sym.symbol(s.variable), base: "int" };
  if (it && it.kind !== "modlist" && it.kind !== "range" && !(it.kind === "scalar" && it.base === "list")) {
    ctx.fail("E0201", s.iter.span, "`for` iterates over a module list or a range `a..b`", { found: typeText(it) });
  }
  scope.loopVars.set(s.variable, { type: vt, overModules });
  if (!overModules) ctx.symbolRoles.set(s.variable, "a loop variable (it takes each value of its range)");
  const before = new Map(locals);
  walk(s.body);
  scope.loopVars.delete(s.variable);
  ctx.symbolRoles.delete(s.variable);
  for (const [n, t0] of before) {
    const t1 = locals.get(n);
    if (t0.kind === "tensor" && t1?.kind === "tensor" && t0.dims.length === t1.dims.length) {
      t0.dims.forEach((d, i) => sameDim(ctx, d, t1.dims[i]!, s.span, "E0306", `dimension ${i} of \`${n}\` after one iteration`));
    }
  }
}
