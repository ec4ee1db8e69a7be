// Every expression of a resolved forward body, in evaluation order (operands before the call
// or operator that uses them), for the stages that collect rather than translate: stats, the
// feature table, the diff.
import type { BinaryExpr, CallExpr, ResolvedExpr, ResolvedStmt } from "./nodes.js";

/** The direct subexpressions of `e`, in the order they are written. */
export function childrenOf(e: ResolvedExpr): ResolvedExpr[] {
  switch (e.kind) {
    case "num":
    case "str":
    case "bool":
    case "null":
    case "name":
      return [];
    case "unary":
      return [e.operand];
    case "binary":
      return [e.left, e.right];
    case "if":
      return [e.cond, e.then, e.else];
    case "range":
      return [e.from, e.to];
    case "call":
      return [e.callee, ...e.args.map((a) => a.value)];
    case "index":
      return [e.target, e.index];
    case "member":
      return [e.target];
    case "list":
      return e.items;
    case "comprehension":
      return [e.item, e.iter];
  }
}

export function expressionsIn(stmts: readonly ResolvedStmt[]): ResolvedExpr[] {
  const out: ResolvedExpr[] = [];
  const expr = (e: ResolvedExpr | undefined): void => {
    if (!e) return;
    childrenOf(e).forEach(expr);
    out.push(e);
  };
  const stmt = (s: ResolvedStmt): void => {
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

export const callsIn = (stmts: readonly ResolvedStmt[]): CallExpr[] => expressionsIn(stmts).filter((e): e is CallExpr => e.kind === "call");
export const binariesIn = (stmts: readonly ResolvedStmt[]): BinaryExpr[] => expressionsIn(stmts).filter((e): e is BinaryExpr => e.kind === "binary");
