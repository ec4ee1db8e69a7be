// `layers[i]`, `sizes[k]`: an item of a module list, or of a config list (a size).
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import { Sym } from "../shapes/sym.js";
import type { BlockScope, Infer } from "./block-scope.js";
import { toSym } from "./symbolic.js";
import { typeText, type Type } from "./types.js";

type IndexExpr = Extract<A.Expr, { kind: "index" }>;

export function inferIndex(scope: BlockScope, e: IndexExpr, infer: Infer): Type | undefined {
  const target = infer(e.target);
  infer(e.index);
  return indexType(scope, e, target);
}

/** The type of `target[index]`, given the target's type (undefined: already reported). */
export function indexType(scope: BlockScope, e: IndexExpr, target: Type | undefined): Type | undefined {
  if (target?.kind === "modlist") {
    // A list written item by item, at a literal index, gives that item; else any item's type.
    const items = target.items;
    const k = e.index.kind === "num" ? e.index.value : undefined;
    return items && k !== undefined && items[k] ? items[k] : target.item;
  }
  if (target?.kind === "scalar") return { kind: "scalar", base: "any", sym: toSym(e, scope.scalarSym) ?? Sym.atom(exprText(e)) };
  if (target) return scope.ctx.fail("E0201", e.target.span, "only lists of modules and config lists can be indexed in a forward", { found: typeText(target) });
  return undefined;
}
