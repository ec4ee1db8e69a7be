// The statements of a forward body that one configuration runs. An `if` whose condition
// the instance's arguments and the config decide contributes only its taken branch, so
// that a diff never reports an op from a branch the preset skips (Falcon's rope under
// ALiBi). A condition that depends on the input keeps both branches.
import type * as A from "../ast/nodes.js";
import { evaluate, truthy, type Scope } from "../eval/evaluate.js";
import type { ResolvedStmt } from "../resolved/nodes.js";

/** Whether the condition holds in `scope`; undefined when it cannot be decided statically. */
export function decide(cond: A.Expr, scope: Scope): boolean | undefined {
  try {
    return truthy(evaluate(cond, scope), cond.span);
  } catch {
    return undefined;
  }
}

/** The body with every decided `if` replaced by the statements of its taken branch. */
export function executedBody(stmts: readonly ResolvedStmt[], scope: Scope): ResolvedStmt[] {
  const out: ResolvedStmt[] = [];
  for (const s of stmts) {
    if (s.kind === "if") {
      const taken = decide(s.cond.syntax, scope);
      if (taken === undefined) out.push({ ...s, then: executedBody(s.then, scope), ...(s.else ? { else: executedBody(s.else, scope) } : {}) });
      else out.push(...executedBody(taken ? s.then : (s.else ?? []), scope));
    } else if (s.kind === "for") out.push({ ...s, body: executedBody(s.body, scope) });
    else out.push(s);
  }
  return out;
}
