// Unknown names inside config-level expressions (a submodule's arguments and condition, a
// block parameter's default, a forward input's sizes). A called builtin, op, primitive or
// block is not a name to look up.
import type * as A from "../ast/nodes.js";
import { suggestAt } from "../diagnostics/suggest.js";
import { builtins } from "../eval/evaluate.js";
import { isPrimitive } from "../ir/primitives.js";
import { ops } from "../ops/catalogue.js";
import type { CheckContext } from "./context.js";
import type { NameLookup } from "./scalars.js";

/** Reports E0101 for each name in `e` that `lookup` does not know (`bound`: comprehension variables). */
export function checkConfigNames(ctx: CheckContext, e: A.Expr, lookup: NameLookup, bound: Set<string> = new Set()): void {
  const arch = ctx.arch;
  const recur = (x: A.Expr, inner = bound): void => checkConfigNames(ctx, x, lookup, inner);
  switch (e.kind) {
    case "name":
      if (!bound.has(e.name) && !lookup(e.name, e.span)) {
        ctx.fail("E0101", e.span, `unknown name \`${e.name}\``, suggestAt(e.name, [...arch.params.keys(), ...arch.lets.keys()], e.span));
      }
      return;
    case "call":
      if (e.callee.kind === "name" && !builtins[e.callee.name] && !ops[e.callee.name] && !isPrimitive(e.callee.name) && !arch.blocks.has(e.callee.name)) {
        recur(e.callee);
      }
      for (const a of e.args) recur(a.value);
      return;
    case "comprehension":
      recur(e.iter);
      recur(e.item, new Set([...bound, e.variable]));
      return;
    case "unary":
      return recur(e.operand);
    case "binary":
      recur(e.left);
      return recur(e.right);
    case "if":
      recur(e.cond);
      recur(e.then);
      return recur(e.else);
    case "range":
      recur(e.from);
      return recur(e.to);
    case "list":
      for (const i of e.items) recur(i);
      return;
    case "index":
      recur(e.target);
      return recur(e.index);
    default:
      return;
  }
}
