// The editor starts from a cursor offset, that is from the parser's nodes: this finds the
// resolved IR's node for a forward-body expression the parser made, so that hover and the
// symbol index read its type and binding from the resolved IR.
import type * as A from "../compiler/ast/nodes.js";
import type { ArchIR } from "../compiler/ir/model.js";
import { resolvedArch } from "../compiler/pipeline.js";
import type { ResolvedArch, ResolvedExpr } from "../compiler/resolved/nodes.js";
import { childrenOf, expressionsIn } from "../compiler/resolved/walk.js";

const cache = new WeakMap<ResolvedArch, Map<A.Expr, ResolvedExpr>>();

/** Every forward-body expression of `arch` (and input default) by the syntax it was resolved from. */
export function resolvedNodes(arch: ArchIR): ReadonlyMap<A.Expr, ResolvedExpr> {
  const resolved = resolvedArch(arch);
  let out = cache.get(resolved);
  if (!out) {
    const index = new Map<A.Expr, ResolvedExpr>();
    const add = (e: ResolvedExpr): void => {
      index.set(e.syntax, e);
      childrenOf(e).forEach(add);
    };
    for (const b of resolved.blocks.values()) {
      for (const p of b.forward?.params ?? []) if (p.default) add(p.default);
      for (const e of expressionsIn(b.forward?.body ?? [])) index.set(e.syntax, e);
    }
    out = index;
    cache.set(resolved, out);
  }
  return out;
}
