// Config-level expressions (over hyperparameters, block parameters and loop variables) as
// Python, with the .arch evaluator's semantics (src/compiler/eval/evaluate.ts): `/` of two
// ints that divide exactly stays an int, `??` picks the right side only for null.
import type * as A from "../../ast/nodes.js";
import { builtins } from "../../eval/evaluate.js";
import { pyName, pyStr } from "./python-names.js";

/** How a free name is spelt in Python at this point (`cfg.d`, `self.layer_id`, `i`). */
export type PyNames = (name: string) => string;

const direct: Record<string, string> = {
  min: "min",
  max: "max",
  abs: "abs",
  round: "round",
  int: "int",
  float: "float",
  len: "len",
  floor: "math.floor",
  ceil: "math.ceil",
  sqrt: "math.sqrt",
  log: "math.log",
  log2: "math.log2",
  exp: "math.exp",
};

export function pyNumber(v: number, isFloat = false): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "math.nan" : v > 0 ? "math.inf" : "-math.inf";
  if (Number.isInteger(v) && !isFloat) return String(v);
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

type LiteralExpr = Extract<A.Expr, { kind: "num" | "str" | "bool" | "null" }>;

/** A literal of the .arch file as Python writes it (config and forward expressions alike). */
export function pyLiteralExpr(e: LiteralExpr): string {
  switch (e.kind) {
    case "num":
      return pyNumber(e.value, e.isFloat);
    case "str":
      return pyStr(e.value);
    case "bool":
      return e.value ? "True" : "False";
    case "null":
      return "None";
  }
}

export function pyExpr(e: A.Expr, name: PyNames): string {
  const go = (x: A.Expr): string => pyExpr(x, name);
  switch (e.kind) {
    case "num":
    case "str":
    case "bool":
    case "null":
      return pyLiteralExpr(e);
    case "name":
      return name(e.name);
    case "unary":
      return e.op === "!" ? `(not ${go(e.operand)})` : `(-${go(e.operand)})`;
    case "binary": {
      const l = go(e.left);
      const r = go(e.right);
      switch (e.op) {
        case "/":
          return `fn.div(${l}, ${r})`;
        case "&&":
          return `(${l} and ${r})`;
        case "||":
          return `(${l} or ${r})`;
        case "??":
          return `fn.coalesce(${l}, ${r})`;
        case "==":
          return e.right.kind === "null" ? `(${l} is None)` : `(${l} == ${r})`;
        case "!=":
          return e.right.kind === "null" ? `(${l} is not None)` : `(${l} != ${r})`;
        case "+":
          return e.left.kind === "str" || e.right.kind === "str" ? `fn.concat(${l}, ${r})` : `(${l} + ${r})`;
        default:
          return `(${l} ${e.op} ${r})`;
      }
    }
    case "if":
      return `(${go(e.then)} if ${go(e.cond)} else ${go(e.else)})`;
    case "range":
      return `list(range(${go(e.from)}, ${go(e.to)}))`;
    case "list":
      return `[${e.items.map(go).join(", ")}]`;
    case "comprehension": {
      const v = pyName(e.variable);
      return `[${pyExpr(e.item, (n) => (n === e.variable ? v : name(n)))} for ${v} in ${go(e.iter)}]`;
    }
    case "index":
      return `${go(e.target)}[${go(e.index)}]`;
    case "call": {
      const callee = e.callee.kind === "name" ? e.callee.name : "";
      if (!builtins[callee]) throw new Error(`not a config function: ${callee}`);
      return `${direct[callee] ?? `fn.${callee}`}(${e.args.map((a) => go(a.value)).join(", ")})`;
    }
    case "member":
      throw new Error("member access is not a config expression");
  }
}
