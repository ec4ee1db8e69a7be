// Config-level values written inside a block (a submodule's arguments, a number in a forward
// body) as scalar types: a literal's kind, and an integer expression as a symbolic dimension.
import type * as A from "../ast/nodes.js";
import { Sym } from "../shapes/sym.js";
import { toSym } from "./symbolic.js";
import type { ScalarT, Type } from "./types.js";

/** What a name means where an expression is written (its span is where the name is read). */
export type NameLookup = (n: string, span: A.Span) => Type | undefined;

/** A scalar that is a list literal keeps its items: a `Param(shape = [d, 4])` reads them as sizes. */
export type ListScalar = ScalarT & { items?: ScalarT[] };

export function scalarOf(e: A.Expr, lookup: NameLookup): ListScalar | undefined {
  switch (e.kind) {
    case "num":
      return { kind: "scalar", sym: Sym.const(e.value), base: e.isFloat ? "float" : "int" };
    case "str":
      return { kind: "scalar", base: "string" };
    case "bool":
      return { kind: "scalar", base: "bool" };
    case "null":
      return { kind: "scalar", base: "null" };
    case "list": {
      const items = e.items.map((i) => scalarOf(i, lookup) ?? { kind: "scalar" as const, base: "any" as const });
      return { kind: "scalar", base: "list", items };
    }
    default: {
      // A scalar name without a known size stands for itself.
      const symLookup = (n: string): Sym | undefined => {
        const t = lookup(n, e.span);
        return t && t.kind === "scalar" ? (t.sym ?? Sym.symbol(n)) : undefined;
      };
      const sym = toSym(e, symLookup);
      return { kind: "scalar", ...(sym ? { sym } : {}), base: "any" };
    }
  }
}
