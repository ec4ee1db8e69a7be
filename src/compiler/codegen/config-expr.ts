// Config-level expressions (over hyperparameters, block parameters and loop variables)
// translated to TypeScript with Python's semantics for `%`, `//` and `round`.
import type * as A from "../ast/nodes.js";
import type { ArchIR } from "../ir/model.js";
import { builtins } from "../eval/evaluate.js";
import { localName, str } from "./names.js";

export type NameKind = "config" | "blockParam" | "local";

export function configExpr(e: A.Expr, name: (n: string) => NameKind | undefined): string {
  const go = (x: A.Expr): string => configExpr(x, name);
  switch (e.kind) {
    case "num":
      return Number.isFinite(e.value) ? String(e.value) : e.value > 0 ? "Infinity" : "-Infinity";
    case "str":
      return str(e.value);
    case "bool":
      return String(e.value);
    case "null":
      return "null";
    case "name": {
      const k = name(e.name);
      if (k === "config") return `cfg.${e.name}`;
      if (k === "blockParam") return `self.${e.name}`;
      return localName(e.name);
    }
    case "unary":
      return `${e.op}(${go(e.operand)})`;
    case "binary": {
      const l = go(e.left);
      const r = go(e.right);
      switch (e.op) {
        case "%":
          return `rt.cfg.mod(${l}, ${r})`;
        case "//":
          return `rt.cfg.floordiv(${l}, ${r})`;
        case "**":
          return `(${l}) ** (${r})`;
        // A comparison with null is spelt so that TypeScript narrows `number | null` by it.
        case "==":
          return e.right.kind === "null" ? `(${l} === null)` : e.left.kind === "null" ? `(${r} === null)` : `rt.cfg.equal(${l}, ${r})`;
        case "!=":
          return e.right.kind === "null" ? `(${l} !== null)` : e.left.kind === "null" ? `(${r} !== null)` : `!rt.cfg.equal(${l}, ${r})`;
        case "in":
          return `(${r} as unknown[]).some((v$) => rt.cfg.equal(v$, ${l}))`;
        case "+":
          return `((${l}) + (${r}))`;
        default:
          return `(${l} ${e.op} ${r})`;
      }
    }
    case "if":
      return `(${go(e.cond)} ? ${go(e.then)} : ${go(e.else)})`;
    case "range":
      return `rt.cfg.range(${go(e.from)}, ${go(e.to)})`;
    case "list":
      return `[${e.items.map(go).join(", ")}]`;
    case "comprehension":
      // The variable's type is the list's element type (a range's is number), left to TypeScript.
      return `${go(e.iter)}.map((${localName(e.variable)}) => ${configExpr(e.item, (n) => (n === e.variable ? "local" : name(n)))})`;
    case "index":
      return `${go(e.target)}[${go(e.index)}]!`;
    case "call": {
      const callee = e.callee.kind === "name" ? e.callee.name : "";
      const fn = callee === "int" ? "trunc" : callee;
      if (!builtins[callee]) throw new Error(`not a config function: ${callee}`);
      return `rt.cfg.${fn}(${e.args.map((a) => go(a.value)).join(", ")})`;
    }
    case "member":
      throw new Error("member access is not a config expression");
  }
}

/** Names an expression reads (for ordering derived values). */
export function freeNames(e: A.Expr, bound: Set<string> = new Set()): Set<string> {
  const out = new Set<string>();
  const walk = (x: A.Expr, b: Set<string>): void => {
    switch (x.kind) {
      case "name":
        if (!b.has(x.name)) out.add(x.name);
        return;
      case "unary":
        return walk(x.operand, b);
      case "binary":
        walk(x.left, b);
        return walk(x.right, b);
      case "if":
        walk(x.cond, b);
        walk(x.then, b);
        return walk(x.else, b);
      case "range":
        walk(x.from, b);
        return walk(x.to, b);
      case "list":
        return x.items.forEach((i) => walk(i, b));
      case "comprehension":
        walk(x.iter, b);
        return walk(x.item, new Set([...b, x.variable]));
      case "index":
        walk(x.target, b);
        return walk(x.index, b);
      case "call":
        if (x.callee.kind !== "name") walk(x.callee, b);
        return x.args.forEach((a) => walk(a.value, b));
      case "member":
        return walk(x.target, b);
      default:
        return;
    }
  };
  walk(e, bound);
  return out;
}

/** Params and lets in an order where every value comes after what it reads. */
export function configOrder(arch: ArchIR): string[] {
  const deps = new Map<string, Set<string>>();
  for (const p of arch.params.values()) deps.set(p.name, p.default ? freeNames(p.default) : new Set());
  for (const l of arch.lets.values()) deps.set(l.name, freeNames(l.value));
  const out: string[] = [];
  const state = new Map<string, number>();
  const visit = (n: string): void => {
    if (!deps.has(n) || state.get(n) === 2) return;
    if (state.get(n) === 1) return; // a cycle was reported by the checker
    state.set(n, 1);
    for (const d of deps.get(n)!) visit(d);
    state.set(n, 2);
    out.push(n);
  };
  for (const n of deps.keys()) visit(n);
  return out;
}
