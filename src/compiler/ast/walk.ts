// Walks over the syntax tree that need no checking: the names a piece of it reads. (The stages
// that collect calls and operators walk the resolved IR: src/compiler/resolved/walk.ts.)
import type * as A from "./nodes.js";

export type CallExpr = Extract<A.Expr, { kind: "call" }>;

/** Every name read anywhere in these statements (or any part of the AST). */
export function namesIn(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) namesIn(n, out);
  else if (node && typeof node === "object") {
    const o = node as { kind?: string; name?: unknown };
    if (o.kind === "name" && typeof o.name === "string") out.add(o.name);
    for (const [k, v] of Object.entries(o)) if (k !== "span") namesIn(v, out);
  }
  return out;
}
