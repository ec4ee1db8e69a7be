// Every expression of a forward body, in evaluation order (operands before the call or
// operator that uses them), for the stages that read the IR without checking it again:
// stats, the feature table and the diff.
import type * as A from "./nodes.js";

export function expressionsIn(stmts: readonly A.Stmt[]): A.Expr[] {
  const out: A.Expr[] = [];
  const expr = (e: A.Expr | undefined): void => {
    if (!e) return;
    for (const [k, v] of Object.entries(e)) {
      if (k === "span" || !v || typeof v !== "object") continue;
      if ("kind" in v) expr(v as A.Expr);
      else if (Array.isArray(v)) for (const x of v) if (x && typeof x === "object") expr("kind" in x ? (x as A.Expr) : (x as A.Arg).value);
    }
    out.push(e);
  };
  const stmt = (s: A.Stmt): void => {
    switch (s.kind) {
      case "let":
      case "assign":
        return expr(s.value);
      case "emit":
        expr(s.index);
        return expr(s.value);
      case "return":
        return s.values.forEach(expr);
      case "for":
        expr(s.iter);
        return s.body.forEach(stmt);
      case "if":
        expr(s.cond);
        s.then.forEach(stmt);
        return s.else?.forEach(stmt);
    }
  };
  stmts.forEach(stmt);
  return out;
}

export type CallExpr = Extract<A.Expr, { kind: "call" }>;
export type BinaryExpr = Extract<A.Expr, { kind: "binary" }>;

export const callsIn = (stmts: readonly A.Stmt[]): CallExpr[] => expressionsIn(stmts).filter((e): e is CallExpr => e.kind === "call");
export const binariesIn = (stmts: readonly A.Stmt[]): BinaryExpr[] => expressionsIn(stmts).filter((e): e is BinaryExpr => e.kind === "binary");

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
