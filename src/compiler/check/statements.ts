// The statements of a forward body, in order: `let` and assignment bind locals, `emit` records
// an intermediate tensor, `return`, `if` and `for` (control-flow.ts, returns.ts).
import type * as A from "../ast/nodes.js";
import { typeText, type Type } from "./types.js";
import type { BlockScope } from "./block-scope.js";
import { checkForStatement, checkIfStatement } from "./control-flow.js";
import { infer } from "./expressions.js";
import { checkReturn } from "./returns.js";

/**
 * Checks statements; true when they always end in a `return`. The branch conditions a
 * statement adds (after `if c { … return }` the rest runs only where c does not hold) last
 * until the end of the list.
 */
export function walkStatements(scope: BlockScope, stmts: A.Stmt[]): boolean {
  const guards = scope.ctx.guards;
  const depth = guards.length;
  let ends = false;
  for (const s of stmts) if (checkStatement(scope, s)) ends = true;
  guards.length = depth;
  return ends;
}

// True when the statement always returns.
function checkStatement(scope: BlockScope, s: A.Stmt): boolean {
  const inferHere = (e: A.Expr) => infer(scope, e);
  const walk = (stmts: A.Stmt[]) => walkStatements(scope, stmts);
  switch (s.kind) {
    case "let":
    case "assign":
      bindNames(scope, s, inferHere(s.value));
      return false;
    case "emit": {
      if (s.index) inferHere(s.index);
      const t = inferHere(s.value);
      if (t && t.kind !== "tensor") scope.ctx.fail("E0403", s.value.span, "only tensors can be emitted", { found: typeText(t) });
      return false;
    }
    case "return":
      checkReturn(scope, s, inferHere);
      return true;
    case "for":
      checkForStatement(scope, s, inferHere, walk);
      return false;
    case "if":
      return checkIfStatement(scope, s, inferHere, walk);
  }
}

/**
 * `let a = …`, `a = …`, `let a, b = …` (a tuple unpacked): each name gets its type. A name
 * whose value failed stays declared but unresolved, so its uses report nothing more.
 */
export function bindNames(scope: BlockScope, s: Extract<A.Stmt, { kind: "let" | "assign" }>, t: Type | undefined): void {
  const { ctx, block: b, locals } = scope;
  const { names, span } = s;
  const isLet = s.kind === "let";
  const types: Type[] = names.length === 1 ? (t ? [t] : []) : t?.kind === "tuple" ? t.items : [];
  if (names.length > 1 && t && t.kind !== "tuple") ctx.fail("E0111", span, `cannot unpack ${typeText(t)} into ${names.length} names`);
  if (names.length > 1 && t?.kind === "tuple" && t.items.length !== names.length) {
    ctx.fail("E0111", span, `cannot unpack ${t.items.length} values into ${names.length} names`, { expected: `${names.length} values`, found: typeText(t) });
  }
  const recorded: { name: string; type: Type }[] = [];
  names.forEach((n, i) => {
    if (!isLet && !locals.has(n)) {
      ctx.fail("E0101", span, `assignment to undeclared \`${n}\``, { hint: `declare it first with \`let ${n} = …\`` });
    }
    if (isLet && (scope.submods.has(n) || scope.blockParams.has(n))) ctx.fail("E0102", span, `\`let ${n}\` shadows a submodule or parameter of \`${b.name}\``);
    const ti = types[i];
    if (ti) {
      locals.set(n, ti);
      scope.unresolved.delete(n);
      recorded.push({ name: n, type: ti });
    } else {
      if (!locals.has(n)) locals.set(n, { kind: "scalar", base: "any" });
      scope.unresolved.add(n);
    }
  });
  ctx.annotations.bindings.set(s, recorded);
}
